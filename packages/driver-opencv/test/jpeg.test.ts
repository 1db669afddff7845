import { testJpeg } from '@cam/core/testing';
import { describe, expect, test } from 'vitest';
import { jpegEnd, jpegSize } from '../src/jpeg.js';

describe('JPEG bytes', () => {
  test('the end: after the last end-of-image marker, ignoring a device buffer padding', () => {
    const jpeg = testJpeg(7);
    expect(jpegEnd(jpeg)).toBe(jpeg.length);
    expect(jpegEnd(Buffer.concat([jpeg, Buffer.alloc(100)]))).toBe(jpeg.length);
    expect(jpegEnd(jpeg.subarray(0, jpeg.length - 2))).toBeUndefined(); // truncated
  });

  test('the size, from the start-of-frame segment', () => {
    expect(jpegSize(testJpeg(1, 1000))).toEqual({ width: 16, height: 16 });
    expect(jpegSize(Buffer.from([0xff, 0xd8, 0xff, 0xd9, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined();
  });
});
