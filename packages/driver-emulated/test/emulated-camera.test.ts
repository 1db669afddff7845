import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CameraError } from '@cam/core';
import { testJpeg, testJpegNumber } from '@cam/core/testing';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { defaultFrameFiles, defaultFrames, driver, EmulatedCamera } from '../src/index.js';

async function framesFrom(camera: EmulatedCamera, count: number): Promise<Buffer[]> {
  const viewer = camera.subscribe();
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) frames.push((await viewer.next()).data);
  viewer.close();
  return frames;
}

describe('EmulatedCamera', () => {
  test('loops its own frames "1", "2", "3" in order by default', async () => {
    const camera = new EmulatedCamera({ fps: 50 });
    const expected = await Promise.all(defaultFrameFiles().map((file) => readFile(file)));
    try {
      const frames = await framesFrom(camera, 4);
      expect(frames.map((frame) => expected.findIndex((image) => image.equals(frame)))).toEqual([0, 1, 2, 0]);
    } finally {
      await camera.close();
    }
  });

  test('the embedded default frames are frames/1.jpg, 2.jpg, 3.jpg (run embed-frames after render-frames)', async () => {
    const files = await Promise.all(defaultFrameFiles().map((file) => readFile(file)));
    expect(defaultFrames()).toEqual(files);
  });

  test('defaults to 1 fps, as the original', () => {
    expect(new EmulatedCamera().fps).toBe(1);
  });

  test('paces frames at the requested rate: one every 1000 / fps ms', async () => {
    // Fake clock: the pacing is checked exactly, whatever the load on the machine.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const camera = new EmulatedCamera({ fps: 20 });
    try {
      await camera.subscribe().next(); // the files are read, the first frame is out
      const first = camera.state.framesCaptured;
      await vi.advanceTimersByTimeAsync(49);
      expect(camera.state.framesCaptured).toBe(first);
      await vi.advanceTimersByTimeAsync(1);
      expect(camera.state.framesCaptured).toBe(first + 1);
      await vi.advanceTimersByTimeAsync(500);
      expect(camera.state.framesCaptured).toBe(first + 11);
    } finally {
      await camera.close();
    }
  });

  test('loops a directory of JPEG files in natural name order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cam-emulated-'));
    for (const n of [10, 2, 1]) await writeFile(join(dir, `${n}.jpg`), testJpeg(n));
    await writeFile(join(dir, 'notes.txt'), 'not a frame');
    const options = driver.parseOptions({ frames: dir, fps: '50' });
    const camera = driver.createCamera(options) as EmulatedCamera;
    try {
      const frames = await framesFrom(camera, 4);
      expect(frames.map((frame) => testJpegNumber(frame))).toEqual([1, 2, 10, 1]);
    } finally {
      await camera.close();
    }
  });

  test('a frame file that vanished fails the camera with DEVICE_NOT_FOUND, naming the file', async () => {
    const camera = new EmulatedCamera({ files: ['/nonexistent/cam/frame.jpg'] });
    try {
      const error = await camera
        .subscribe()
        .next()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CameraError);
      expect((error as CameraError).code).toBe('DEVICE_NOT_FOUND');
      expect((error as CameraError).message).toContain('/nonexistent/cam/frame.jpg');
      expect(camera.state.status).toBe('error');
    } finally {
      await camera.close();
    }
  });

  test('a file that is not a JPEG fails the camera with INVALID_FRAME', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cam-emulated-'));
    const file = join(dir, 'fake.jpg');
    await writeFile(file, 'plain text');
    const camera = new EmulatedCamera({ files: [file] });
    try {
      const error = (await camera
        .subscribe()
        .next()
        .catch((e: unknown) => e)) as CameraError;
      expect(error.code).toBe('INVALID_FRAME');
    } finally {
      await camera.close();
    }
  });
});

describe('emulated driver options', () => {
  test('accepts fps as a string from the environment', () => {
    expect(driver.parseOptions({ fps: '2.5' })).toEqual({ fps: 2.5 });
  });

  test.each([['0'], ['-1'], ['fast'], ['5000']])('rejects fps %j, saying what it accepts', (fps) => {
    expect(() => driver.parseOptions({ fps })).toThrow(/option "fps" must be a number from 0.01 to 1000/);
  });

  test('a relative frames path that does not exist names the absolute path it was taken as', () => {
    expect(() => driver.parseOptions({ frames: './no-such-frames' })).toThrow(
      `"./no-such-frames" does not exist (looked for ${join(process.cwd(), 'no-such-frames')})`,
    );
  });

  test('rejects a frames path that does not exist, naming it', () => {
    const error = (() => {
      try {
        driver.parseOptions({ frames: '/nonexistent/cam' });
      } catch (e) {
        return e as CameraError;
      }
    })();
    expect(error?.code).toBe('INVALID_OPTION');
    expect(error?.option).toBe('frames');
    expect(error?.message).toContain('"/nonexistent/cam" does not exist');
  });

  test('rejects a directory without JPEG files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cam-emulated-'));
    expect(() => driver.parseOptions({ frames: dir })).toThrow(/holds no .jpg or .jpeg files/);
  });

  test('rejects an unknown option, listing the known ones', () => {
    expect(() => driver.parseOptions({ colour: 'red' })).toThrow(
      /unknown option "colour" \(known options: fps, frames\)/,
    );
  });
});
