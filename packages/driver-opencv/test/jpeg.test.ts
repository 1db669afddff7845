import { testJpeg } from '@cam/core/testing';
import { describe, expect, test } from 'vitest';
import { jpegEnd } from '../src/jpeg.js';

describe('JPEG bytes', () => {
  test('the end: after the last end-of-image marker, ignoring a device buffer padding', () => {
    const jpeg = testJpeg(7);
    expect(jpegEnd(jpeg)).toBe(jpeg.length);
    expect(jpegEnd(Buffer.concat([jpeg, Buffer.alloc(100)]))).toBe(jpeg.length);
    expect(jpegEnd(jpeg.subarray(0, jpeg.length - 2))).toBeUndefined(); // truncated
  });
});
