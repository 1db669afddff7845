import { describe, expect, test } from 'vitest';
import { MIN_FRAME_SIZE, makeFrame, readStamp, STAMP_PREFIX_BYTES } from '../src/frames.js';

/** The JPEG's segments up to the start of scan: [marker, offset, length]. */
function segments(jpeg: Buffer): Array<[number, number, number]> {
  const found: Array<[number, number, number]> = [];
  let at = 2;
  for (;;) {
    expect(jpeg[at]).toBe(0xff);
    const marker = jpeg[at + 1]!;
    const length = jpeg.readUInt16BE(at + 2);
    found.push([marker, at, length]);
    if (marker === 0xda) return found;
    at += 2 + length;
  }
}

describe('makeFrame', () => {
  test('makes a JPEG of exactly the size asked, with the stamp in a comment after JFIF', () => {
    const frame = makeFrame({ seq: 42, capturedAt: 1_700_000_000_123.25 }, 30_000);
    expect(frame.length).toBe(30_000);
    expect(frame.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(frame.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    const markers = segments(frame).map(([marker]) => marker);
    expect(markers.slice(0, 2)).toEqual([0xe0, 0xfe]); // APP0 (JFIF), then the comment
    expect(markers).toContain(0xc0); // a real baseline picture follows
    expect(readStamp(frame)).toEqual({ seq: 42, capturedAt: 1_700_000_000_123.25 });
  });

  test('frames differ only in their comment', () => {
    const a = makeFrame({ seq: 1, capturedAt: 1000 }, 30_000);
    const b = makeFrame({ seq: 2, capturedAt: 2000 }, 30_000);
    const [, commentAt, commentLength] = segments(a)[1]!;
    const end = commentAt + 2 + commentLength;
    expect(a.subarray(end).equals(b.subarray(end))).toBe(true);
    expect(a.subarray(0, commentAt).equals(b.subarray(0, commentAt))).toBe(true);
    expect(a.equals(b)).toBe(false);
  });

  test('the stamp is within the first STAMP_PREFIX_BYTES', () => {
    const frame = makeFrame({ seq: 9_999_999, capturedAt: 9_999_999_999_999.5 }, MIN_FRAME_SIZE);
    expect(readStamp(frame.subarray(0, STAMP_PREFIX_BYTES))).toEqual({
      seq: 9_999_999,
      capturedAt: 9_999_999_999_999.5,
    });
  });

  test('refuses sizes it cannot make', () => {
    expect(() => makeFrame({ seq: 1, capturedAt: 0 }, MIN_FRAME_SIZE - 1)).toThrow(RangeError);
    expect(() => makeFrame({ seq: 1, capturedAt: 0 }, 200_000)).toThrow(RangeError);
  });
});

test('readStamp finds nothing in other JPEGs', () => {
  expect(readStamp(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toBeUndefined();
  expect(readStamp(Buffer.from('cam-bench x y', 'latin1'))).toBeUndefined();
});
