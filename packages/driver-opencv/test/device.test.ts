// A V4L2 camera, scripted (test/fake-binding.ts): what the driver asks of it and in which order, MJPEG
// passthrough when it agrees, encoding when it does not, and a camera that is unplugged. Runs everywhere.
import { CameraError } from '@cam/core';
import { testJpeg, testJpegNumber } from '@cam/core/testing';
import { describe, expect, test, vi } from 'vitest';
import { OpenCvCamera } from '../src/index.js';
import { fakeCamera } from './fake-binding.js';
import { takeFrames } from './support.js';

describe('a camera (V4L2)', () => {
  test('that offers MJPEG: asked for it before the size, then RGB conversion off; its JPEGs pass through', async () => {
    const jpegs = [
      testJpeg(1),
      Buffer.concat([testJpeg(2), Buffer.alloc(64)]), // padded after the end marker, as some cameras do
      testJpeg(3).subarray(0, 40), // truncated: skipped
      testJpeg(4),
    ];
    const device = fakeCamera({ formats: ['YUYV', 'MJPG'], jpegs });
    const camera = new OpenCvCamera(
      { source: 0, width: 1280, height: 720, fps: 15 },
      { loadBinding: device.loadBinding },
    );
    try {
      const frames = await takeFrames(camera, 3);
      expect(device.sets).toEqual([
        ['CAP_PROP_FOURCC', 0x47504a4d], // 'MJPG'
        ['CAP_PROP_FRAME_WIDTH', 1280],
        ['CAP_PROP_FRAME_HEIGHT', 720],
        ['CAP_PROP_FPS', 15],
        ['CAP_PROP_CONVERT_RGB', 0],
      ]);
      expect(frames.map((frame) => testJpegNumber(frame.data))).toEqual([1, 2, 4]);
      expect(frames[0]!.data.equals(jpegs[0]!)).toBe(true);
      expect(frames[1]!.data.equals(testJpeg(2))).toBe(true); // the padding cut off
      expect(device.encodes).toEqual([]);
      // the size is read from the JPEG itself (16x16 here), not from what was asked
      expect(camera.actual).toEqual({ width: 16, height: 16, fps: 15, fourcc: 'MJPG', passthrough: true });
    } finally {
      await camera.close();
    }
    await vi.waitFor(() => expect(device.releases).toBe(1)); // once the read in progress returned
  });

  test('that does not offer MJPEG: RGB conversion stays on, frames are encoded at quality', async () => {
    const device = fakeCamera({ formats: ['YUYV'], jpegs: [] });
    const camera = new OpenCvCamera({ source: 0, quality: 65 }, { loadBinding: device.loadBinding });
    try {
      const [frame] = await takeFrames(camera, 1);
      expect(device.sets).toEqual([['CAP_PROP_FOURCC', 0x47504a4d]]);
      expect(frame!.data.toString('latin1')).toContain('encoded 640x480');
      expect(device.encodes).toEqual([65]);
      expect(camera.actual).toEqual({ width: 640, height: 480, fps: 30, fourcc: 'YUYV', passthrough: false });
    } finally {
      await camera.close();
    }
  });

  test('with passthrough: false, MJPEG is not asked for and every frame is encoded', async () => {
    const device = fakeCamera({ formats: ['MJPG', 'YUYV'], jpegs: [testJpeg(1)] });
    const camera = new OpenCvCamera({ source: 0, passthrough: false }, { loadBinding: device.loadBinding });
    try {
      await takeFrames(camera, 2);
      expect(device.sets).toEqual([]);
      expect(device.encodes).toEqual([80, 80]); // the default quality
    } finally {
      await camera.close();
    }
  });

  test('unplugged mid-stream: DRIVER_FAILED naming the camera, and the capture is released', async () => {
    const device = fakeCamera({ formats: ['MJPG'], jpegs: [testJpeg(1)], framesUntilUnplugged: 2 });
    const camera = new OpenCvCamera(
      { source: 0 },
      { loadBinding: device.loadBinding, retryInitialDelay: 60_000 },
    );
    try {
      const viewer = camera.subscribe();
      await viewer.next();
      await viewer.next();
      const error = (await viewer.next().catch((e: unknown) => e)) as CameraError;
      expect(error).toBeInstanceOf(CameraError);
      expect(error.code).toBe('DRIVER_FAILED');
      expect(error.message).toBe('[cam] [opencv] camera 0 stopped delivering frames (was it disconnected?)');
      expect(camera.state.status).toBe('error');
      await vi.waitFor(() => expect(device.releases).toBe(1));
    } finally {
      await camera.close();
    }
  });

  test('a camera index that is not there: DEVICE_NOT_FOUND', async () => {
    const device = fakeCamera({ formats: ['MJPG'], jpegs: [] });
    const camera = new OpenCvCamera({ source: 1 }, { loadBinding: device.loadBinding });
    try {
      const error = (await camera
        .subscribe()
        .next()
        .catch((e: unknown) => e)) as CameraError;
      expect(error.code).toBe('DEVICE_NOT_FOUND');
      expect(error.message).toMatch(
        /^\[cam\] \[opencv\] cannot open camera 1: no such camera, or it is busy/,
      );
    } finally {
      await camera.close();
    }
  });
});
