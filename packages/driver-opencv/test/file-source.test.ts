// Video files, read through real OpenCV: played at their own rate, looped (or ended), and an MJPEG file's
// frames passed through byte for byte.
import { CameraError } from '@cam/core';
import { beforeAll, describe, expect, test } from 'vitest';
import { OpenCvCamera } from '../src/index.js';
import { isSetUp, makeMjpeg, makeVideo, rate, requireSetup, takeFrames, tempDir } from './support.js';

const dir = tempDir();
let video: string; // H.264, 320x240, 20 fps, 1 s: 20 frames
let mjpeg: { avi: string; jpegs: Buffer[] }; // 12 distinct JPEGs at 10 fps, muxed as they are

beforeAll(async () => {
  if (!isSetUp('ffmpeg')) return; // each test skips, or fails when strict
  video = await makeVideo(dir, { fps: 20, seconds: 1 });
  mjpeg = await makeMjpeg(dir, { count: 12, fps: 10 });
}, 60_000);

describe('a video file', () => {
  test('plays at its own frame rate, looping past its end, and reports what it delivers', async (ctx) => {
    requireSetup(ctx, 'ffmpeg');
    const camera = new OpenCvCamera({ source: video }, { idleTimeout: 60_000 });
    try {
      const frames = await takeFrames(camera, 31); // 30 intervals: 1.5 s at 20 fps, across the loop
      // Paced frames never come faster than the rate, so the upper bound is tight; a loaded machine may
      // deliver them slower, so the lower bound is loose (it still tells 20 fps from unpaced reads).
      expect(rate(frames)).toBeGreaterThan(10);
      expect(rate(frames)).toBeLessThan(24);
      expect(camera.state.status).toBe('running');
      expect(camera.actual).toEqual({ width: 320, height: 240, fps: 20, fourcc: 'avc1', passthrough: false });
    } finally {
      await camera.close();
    }
  });

  test('fps sets the playback rate', async (ctx) => {
    requireSetup(ctx, 'ffmpeg');
    const camera = new OpenCvCamera({ source: video, fps: 50 });
    try {
      const frames = await takeFrames(camera, 26);
      expect(rate(frames)).toBeGreaterThan(30); // not the file's own 20 fps, even on a loaded machine
      expect(rate(frames)).toBeLessThan(60);
      expect(camera.actual?.fps).toBe(50);
    } finally {
      await camera.close();
    }
  });

  test('with loop: false, ends after its last frame with SOURCE_ENDED naming the file', async (ctx) => {
    requireSetup(ctx, 'ffmpeg');
    const camera = new OpenCvCamera({ source: video, loop: false, fps: 200 }, { retryInitialDelay: 60_000 });
    try {
      const viewer = camera.subscribe();
      let frames = 0;
      const error = await (async () => {
        for (;;) {
          await viewer.next();
          frames += 1;
        }
      })().catch((e: unknown) => e as CameraError);
      expect(frames).toBe(20);
      expect(error).toBeInstanceOf(CameraError);
      expect(error.code).toBe('SOURCE_ENDED');
      expect(error.message).toBe(`[cam] [opencv] file ${video} has no more frames`);
      expect(camera.state.status).toBe('error');
    } finally {
      await camera.close();
    }
  });

  test('encodes at the quality asked for', async (ctx) => {
    requireSetup(ctx, 'ffmpeg');
    const sizes: number[] = [];
    for (const quality of [20, 95]) {
      const camera = new OpenCvCamera({ source: video, quality, fps: 100 });
      try {
        const [frame] = await takeFrames(camera, 1);
        sizes.push(frame!.data.length);
      } finally {
        await camera.close();
      }
    }
    expect(sizes[1]).toBeGreaterThan(sizes[0]! * 2);
  });
});

describe('an MJPEG file', () => {
  test("passes the file's own JPEG bytes through, in order and looped, at the file's rate", async (ctx) => {
    requireSetup(ctx, 'ffmpeg');
    const camera = new OpenCvCamera({ source: mjpeg.avi });
    try {
      const frames = await takeFrames(camera, 16);
      const indexes = frames.map((frame) => mjpeg.jpegs.findIndex((jpeg) => jpeg.equals(frame.data)));
      expect(indexes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1, 2, 3]);
      expect(rate(frames)).toBeGreaterThan(5);
      expect(rate(frames)).toBeLessThan(12);
      expect(camera.actual).toEqual({ width: 320, height: 240, fps: 10, fourcc: 'MJPG', passthrough: true });
    } finally {
      await camera.close();
    }
  });

  test('with passthrough: false, decodes and re-encodes each frame', async (ctx) => {
    requireSetup(ctx, 'ffmpeg');
    const camera = new OpenCvCamera({ source: mjpeg.avi, passthrough: false, fps: 100 });
    try {
      const frames = await takeFrames(camera, 3);
      for (const frame of frames) {
        expect(mjpeg.jpegs.some((jpeg) => jpeg.equals(frame.data))).toBe(false);
        expect(frame.data.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      }
      expect(camera.actual).toMatchObject({ width: 320, height: 240, passthrough: false });
    } finally {
      await camera.close();
    }
  });
});
