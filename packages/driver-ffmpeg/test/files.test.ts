import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCameraError, JpegSplitter } from '@cam/core';
import { afterAll, beforeAll, describe, expect, onTestFinished, test, vi } from 'vitest';
import { FfmpegCamera, type FfmpegCameraOptions } from '../src/index.js';
import { decodeJpegs, isRunning, makeVideo } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'cam-ffmpeg-'));
const h264 = join(dir, 'pattern.mp4');
const mjpeg = join(dir, 'pattern.avi');

beforeAll(async () => {
  const pattern = ['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=20', '-t', '2'];
  await makeVideo([...pattern, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', h264]);
  await makeVideo([...pattern, '-c:v', 'mjpeg', '-q:v', '5', '-pix_fmt', 'yuvj420p', mjpeg]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function camera(options: FfmpegCameraOptions): FfmpegCamera {
  const camera = new FfmpegCamera(options, { idleTimeout: 60_000 });
  onTestFinished(() => camera.close());
  return camera;
}

async function take(cam: FfmpegCamera, count: number): Promise<Buffer[]> {
  const viewer = cam.subscribe();
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) frames.push((await viewer.next()).data);
  viewer.close();
  return frames;
}

describe('files', () => {
  test('an H.264 file is encoded to JPEGs that ffmpeg decodes; close() ends the child', async () => {
    const cam = camera({ input: h264, quality: 60 });
    const frames = await take(cam, 4);
    expect(await decodeJpegs(frames)).toEqual({ frames: 4, width: 320, height: 240 });
    expect(cam.args).toContain('mjpeg');
    expect(cam.args).toContain('-re'); // a file plays at its own rate, not as fast as it decodes
    const pid = cam.pid!;
    expect(isRunning(pid)).toBe(true);
    await cam.close();
    expect(isRunning(pid)).toBe(false);
  });

  test('an MJPEG source is copied without re-encoding: the frames are the file’s own bytes', async () => {
    const own = new JpegSplitter().push(
      execFileSync('ffmpeg', ['-v', 'error', '-i', mjpeg, '-c:v', 'copy', '-f', 'mjpeg', '-']),
    );
    const cam = camera({ input: mjpeg });
    const frames = await take(cam, 3);
    expect(cam.args.join(' ')).toContain('-c:v copy');
    for (const frame of frames) expect(own.some((jpeg) => jpeg.equals(frame))).toBe(true);
  });

  test('the same source with a size asked for is re-encoded', async () => {
    const cam = camera({ input: mjpeg, width: 96 });
    const frames = await take(cam, 2);
    expect(cam.args.join(' ')).not.toContain('copy');
    expect(await decodeJpegs(frames)).toEqual({ frames: 2, width: 96, height: 72 });
  });

  test('a file that ends: SOURCE_ENDED, retried; with loop, it plays on', async () => {
    const short = join(dir, 'short.mp4');
    await makeVideo([
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=64x48:rate=10',
      '-t',
      '0.5',
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      short,
    ]);
    const once = camera({ input: short });
    const viewer = once.subscribe();
    const error = await (async () => {
      for (;;) await viewer.next();
    })().catch((e: unknown) => e);
    expect(isCameraError(error) && error.code).toBe('SOURCE_ENDED');

    const looping = camera({ input: short, loop: true });
    expect(await take(looping, 10)).toHaveLength(10); // 10 frames from a file of 5
  });

  test('a file that does not exist: DEVICE_NOT_FOUND, naming the file', async () => {
    const cam = camera({ input: join(dir, 'missing.mp4') });
    const error = await cam
      .subscribe()
      .next()
      .catch((e: unknown) => e);
    if (!isCameraError(error)) throw error;
    expect(error.code).toBe('DEVICE_NOT_FOUND');
    expect(error.message).toMatch(/missing\.mp4: No such file or directory/);
  });

  test('no ffmpeg on PATH: DEPENDENCY_MISSING saying how to install it', async () => {
    const cam = camera({ input: h264, command: join(dir, 'no-ffmpeg-here') });
    const error = await cam
      .subscribe()
      .next()
      .catch((e: unknown) => e);
    expect(isCameraError(error) && error.code).toBe('DEPENDENCY_MISSING');
    const saved = process.env.PATH;
    process.env.PATH = dir;
    onTestFinished(() => {
      process.env.PATH = saved;
    });
    const missing = await import('../src/index.js')
      .then((m) => m.checkFfmpegAvailable())
      .catch((e: unknown) => e);
    expect(isCameraError(missing) && missing.message).toMatch(/sudo apt install ffmpeg/);
  });

  test('the child is gone after an idle stop', async () => {
    const cam = new FfmpegCamera({ input: h264, loop: true }, { idleTimeout: 300 });
    onTestFinished(() => cam.close());
    await take(cam, 2);
    const pid = cam.pid!;
    await vi.waitFor(() => expect(cam.state.status).toBe('idle'), { timeout: 10_000 });
    expect(isRunning(pid)).toBe(false);
  });
});
