import { createHash } from 'node:crypto';
import { JpegSplitter, JpegStreamError } from '@cam/core';
import { testJpeg, testJpegNumber } from '@cam/core/testing';
import { describe, expect, test } from 'vitest';
import { FRAME_NAMES, FRAMES } from './support.js';

/** Feeds `chunks` to a new splitter and returns every frame it completed. */
function split(chunks: Buffer[], splitter = new JpegSplitter()): Buffer[] {
  return chunks.flatMap((chunk) => splitter.push(chunk));
}

/** `data` cut at the given offsets. */
function cut(data: Buffer, offsets: number[]): Buffer[] {
  const bounds = [0, ...offsets, data.length];
  return bounds.slice(1).map((end, i) => data.subarray(bounds[i], end));
}

/** A seeded PRNG (mulberry32): the same chunking on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Frames as `length:hash` strings: compared fast, and a mismatch reads well. */
const ids = (frames: readonly Buffer[]) =>
  frames.map((frame) => `${frame.length}:${createHash('sha1').update(frame).digest('hex').slice(0, 12)}`);

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const EXIF_FRAMES = FRAMES.filter((_, i) => FRAME_NAMES[i]!.includes('exif'));

describe('JpegSplitter', () => {
  test('the fixture frames include EXIF thumbnails that a search for FF D9 would cut short', () => {
    expect(EXIF_FRAMES.length).toBeGreaterThanOrEqual(2);
    for (const frame of EXIF_FRAMES) {
      const app1 = frame.indexOf(hex('ffe1'));
      expect(frame.toString('latin1', app1 + 4, app1 + 10)).toBe('Exif\0\0');
      const thumbnailStart = frame.indexOf(hex('ffd8'), 2);
      const firstEoi = frame.indexOf(hex('ffd9'));
      expect(thumbnailStart).toBeGreaterThan(app1);
      expect(firstEoi).toBeLessThan(frame.length - 2); // the thumbnail's end, long before the frame's
    }
  });

  test('returns each fixture frame whole, pushed alone', () => {
    for (const frame of FRAMES) expect(ids(split([frame]))).toEqual(ids([frame]));
  });

  test('splits frames that arrive back to back in one chunk', () => {
    const frames = split([Buffer.concat([...FRAMES, ...FRAMES])]);
    expect(ids(frames)).toEqual(ids([...FRAMES, ...FRAMES]));
  });

  test('returns the same frames for a stream cut at every single offset', () => {
    const small = FRAMES.filter((frame) => frame.length < 20_000);
    const stream = Buffer.concat(small);
    for (let at = 0; at <= stream.length; at++) {
      const frames = split(cut(stream, [at]));
      if (frames.length !== small.length || !frames.every((frame, i) => frame.equals(small[i]!))) {
        expect.fail(`cutting the stream at byte ${at} gave ${frames.length} frames, not the fixtures`);
      }
    }
  });

  test('returns the same frames when every byte arrives alone', () => {
    const stream = Buffer.concat(FRAMES);
    const splitter = new JpegSplitter();
    const frames: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) frames.push(...splitter.push(stream.subarray(i, i + 1)));
    expect(ids(frames)).toEqual(ids(FRAMES));
  });

  test('returns the same frames for random uneven chunking of a long stream', () => {
    const random = prng(42);
    const expected = Array.from({ length: 60 }, (_, i) => FRAMES[i % FRAMES.length]!);
    const stream = Buffer.concat(expected);
    const offsets: number[] = [];
    for (let at = 0; ; ) {
      at += random() < 0.3 ? 1 + Math.floor(random() * 3) : 1 + Math.floor(random() * 70_000);
      if (at >= stream.length) break;
      offsets.push(at);
    }
    expect(ids(split(cut(stream, offsets)))).toEqual(ids(expected));
  });

  test("splits core's test frames, padded with many comment segments", () => {
    const expected = [testJpeg(1), testJpeg(2, 200_000), testJpeg(3, 70_000)];
    const frames = split(cut(Buffer.concat(expected), [5, 100_000, 150_001, 270_000]));
    expect(frames.map((frame) => testJpegNumber(frame))).toEqual([1, 2, 3]);
    expect(ids(frames)).toEqual(ids(expected));
  });

  test('handles fill bytes, stuffed bytes, restart markers and several scans', () => {
    // SOI, DQT (len 4), fill bytes before SOF0 (len 3), SOS (len 3), data with FF 00 and RST0,
    // fill bytes before DHT (len 3): a second scan follows, then EOI after a fill byte.
    const jpeg = hex(`
      ffd8
      ffdb 0004 0102
      ffffff c0 0003 07
      ffda 0003 00
      12 ff00 34 ffd0 56 ff00 ff00 ffd7 78
      ffff c4 0003 ff
      ffda 0003 01
      9a ff00 bc
      ffff d9`);
    expect(split([jpeg, jpeg])).toEqual([jpeg, jpeg]);
    for (let at = 1; at < jpeg.length; at++) expect(split(cut(jpeg, [at]))).toEqual([jpeg]);
  });

  test('each frame is a copy: changing the chunks afterwards does not change it', () => {
    const chunk = Buffer.from(FRAMES[0]!);
    const [frame] = split([chunk]);
    chunk.fill(0);
    expect(frame!.equals(FRAMES[0]!)).toBe(true);
  });

  test('keeps an unfinished frame until it ends, and tells how much of it there is', () => {
    const splitter = new JpegSplitter();
    const frame = FRAMES[1]!;
    expect(splitter.push(frame.subarray(0, 1000))).toEqual([]);
    expect(splitter.pendingBytes).toBe(1000);
    expect(ids(splitter.push(frame.subarray(1000)))).toEqual(ids([frame]));
    expect(splitter.pendingBytes).toBe(0);
  });

  test.each([
    [
      'text instead of JPEG',
      [Buffer.from('hello')],
      /expected a JPEG image to start \(FF D8\), found byte 68 at byte 0/,
    ],
    [
      'bytes between two frames',
      [FRAMES[0]!, hex('00'), FRAMES[0]!],
      new RegExp(`at byte ${FRAMES[0]!.length}`),
    ],
    [
      'FF D8 inside a frame',
      [hex('ffd8 ffdb 0004 0102 ffd8')],
      /unexpected marker FF D8 inside an image at byte 8/,
    ],
    ['a segment length below 2', [hex('ffd8 ffe0 0001')], /segment FF E0 has length 1/],
    [
      'no marker after a segment',
      [hex('ffd8 ffe0 0003 00 12')],
      /expected a marker, found byte 12 at byte 7/,
    ],
  ])('throws a JpegStreamError for %s', (_, chunks, message) => {
    const error = (() => {
      try {
        split(chunks);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(JpegStreamError);
    expect((error as Error).message).toMatch(message);
  });

  test('throws when a frame grows past maxFrameSize', () => {
    const splitter = new JpegSplitter({ maxFrameSize: 100_000 });
    expect(() => split([FRAMES[2]!], splitter)).toThrow(/larger than 100000 bytes/);
  });
});
