import { describe, expect, test } from 'vitest';
import { JpegSplitter, JpegStreamError } from '../src/index.js';
import { testJpeg, testJpegNumber } from '../src/testing/index.js';

// The splitter's own tests run in @cam/driver-pi, against camera frames; these cover skipBetweenImages,
// which @cam/driver-mjpeg uses for multipart streams whose parts carry no Content-Length.

/** A multipart stream without lengths, LF line ends, and an FF byte in the text between images. */
function multipart(frames: Buffer[]): Buffer {
  return Buffer.concat(
    frames.flatMap((frame) => [
      Buffer.from('--b\nContent-Type: image/jpeg\nX-Odd: \xff\xfe\n\n', 'latin1'),
      frame,
      Buffer.from('\n', 'latin1'),
    ]),
  );
}

describe('JpegSplitter with skipBetweenImages', () => {
  const frames = [testJpeg(1), testJpeg(2, 5000), testJpeg(3)];
  const stream = multipart(frames);

  test('finds each image between the text around it, however the stream is cut', () => {
    for (let at = 0; at <= stream.length; at += 7) {
      const splitter = new JpegSplitter({ skipBetweenImages: true });
      const found = [stream.subarray(0, at), stream.subarray(at)].flatMap((chunk) => splitter.push(chunk));
      expect(found.map((frame) => testJpegNumber(frame))).toEqual([1, 2, 3]);
      expect(found.every((frame, i) => frame.equals(frames[i]!))).toBe(true);
    }
  });

  test('an image cut short and followed by the next one is an error, never a frame', () => {
    const cutShort = frames[1]!.subarray(0, frames[1]!.length - 40);
    const splitter = new JpegSplitter({ skipBetweenImages: true });
    expect(() => splitter.push(multipart([frames[0]!, cutShort, frames[2]!]))).toThrow(JpegStreamError);
  });

  test('without the option, text before an image is an error', () => {
    expect(() => new JpegSplitter().push(stream)).toThrow(/expected a JPEG image to start/);
  });
});
