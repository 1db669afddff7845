// Shared by this package's tests: what real-OpenCV tests need (and the skip-or-fail rule when it is
// missing), test media made with ffmpeg, and small measuring helpers.
import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { BaseCamera, Frame } from '@cam/core';
import { afterAll } from 'vitest';
import { isOpenCvAvailable, loadOpenCv, type OpenCv } from '../src/index.js';
import { videoBackends } from '../src/video-backends.js';

const run = promisify(execFile);

export const STRICT = process.env.CAM_TEST_STRICT === '1';

/** What a real-OpenCV test may need. */
export type Need = 'opencv' | 'gstreamer' | 'jpegenc' | 'ffmpeg';

const HOW_TO_ENABLE: Record<Need, string> = {
  opencv:
    'the OpenCV binding is not built: `sudo apt install libopencv-dev` then ' +
    '`pnpm --filter @cam/driver-opencv build:binding` enables this test',
  gstreamer:
    "OpenCV's GStreamer back-end or GStreamer's videotestsrc is missing: " +
    '`sudo apt install gstreamer1.0-plugins-base` enables this test',
  jpegenc:
    "GStreamer's jpegenc and multifilesrc are missing: `sudo apt install gstreamer1.0-plugins-good` " +
    'enables this test',
  ffmpeg: 'ffmpeg is not installed: `sudo apt install ffmpeg` enables this test',
};

interface SkipContext {
  skip(note?: string): never;
}

/**
 * Skips the test with a note saying how to enable it when something it needs is missing; with
 * CAM_TEST_STRICT=1 (as on CI, which installs everything) the test fails instead.
 */
export function requireSetup(ctx: SkipContext, ...needs: Need[]): void {
  for (const need of ['opencv', ...needs] as Need[]) {
    if (has(need)) continue;
    const note = HOW_TO_ENABLE[need];
    if (STRICT) throw new Error(`${note} (CAM_TEST_STRICT=1 turns this skip into a failure)`);
    console.warn(`skipped: ${note}`);
    ctx.skip(note);
  }
}

/** True when everything in `needs` (and OpenCV) is there; for set-up code, which cannot skip. */
export function isSetUp(...needs: Need[]): boolean {
  return (['opencv', ...needs] as Need[]).every(has);
}

const found = new Map<Need, boolean>();

function has(need: Need): boolean {
  let result = found.get(need);
  if (result === undefined) {
    result = probe(need);
    found.set(need, result);
  }
  return result;
}

function probe(need: Need): boolean {
  switch (need) {
    case 'opencv':
      return isOpenCvAvailable();
    case 'ffmpeg':
      return onPath('ffmpeg');
    case 'gstreamer':
      return videoBackends(cv()).gstreamer && opens('videotestsrc num-buffers=1 ! videoconvert ! appsink');
    case 'jpegenc':
      // jpegenc and multifilesrc come in the same package
      return videoBackends(cv()).gstreamer && opens('videotestsrc num-buffers=1 ! jpegenc ! appsink');
  }
}

/** Whether OpenCV can start `pipeline`: GStreamer has its elements. */
function opens(pipeline: string): boolean {
  try {
    new (cv().VideoCapture)(pipeline, cv().CAP_GSTREAMER).release();
    return true;
  } catch {
    return false;
  }
}

export function cv(): OpenCv {
  return loadOpenCv();
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

// ---------------------------------------------------------------------------------------------------
// Test media

/** A temporary directory, removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cam-opencv-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function ffmpeg(args: string[], cwd?: string): Promise<void> {
  await run('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', ...args], { cwd, timeout: 30_000 });
}

/** An H.264 MP4 of ffmpeg's test pattern: `seconds` long at `fps`. */
export async function makeVideo(
  dir: string,
  { fps, seconds, width = 320, height = 240, name = 'test.mp4' }: VideoSpec,
): Promise<string> {
  const file = join(dir, name);
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${width}x${height}:rate=${fps}`,
    '-t',
    String(seconds),
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    file,
  ]);
  return file;
}

export interface VideoSpec {
  fps: number;
  seconds: number;
  width?: number;
  height?: number;
  name?: string;
}

/**
 * `count` distinct JPEG files (f01.jpg…) and an MJPEG AVI made of exactly those bytes (`-c:v copy`),
 * at `fps`: an MJPEG source whose every frame is known byte for byte.
 */
export async function makeMjpeg(
  dir: string,
  { count, fps, width = 320, height = 240 }: { count: number; fps: number; width?: number; height?: number },
): Promise<{ avi: string; pattern: string; jpegs: Buffer[] }> {
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${width}x${height}:rate=${fps}`,
    '-frames:v',
    String(count),
    '-q:v',
    '4',
    join(dir, 'f%02d.jpg'),
  ]);
  const avi = join(dir, 'mjpeg.avi');
  await ffmpeg(['-framerate', String(fps), '-i', join(dir, 'f%02d.jpg'), '-c:v', 'copy', avi]);
  const jpegs = Array.from({ length: count }, (_, i) =>
    readFileSync(join(dir, `f${String(i + 1).padStart(2, '0')}.jpg`)),
  );
  return { avi, pattern: join(dir, 'f%02d.jpg'), jpegs };
}

/**
 * Serves `jpegs` in a loop as a Motion-JPEG stream, from a child process: opening a URL blocks the
 * opening thread (the binding has no async open), so a server in this process could not answer it.
 */
export async function serveMjpeg(files: string[], intervalMs: number): Promise<{ url: string }> {
  const script = `
    const http = require('node:http');
    const fs = require('node:fs');
    const frames = process.argv.slice(2).map((file) => fs.readFileSync(file));
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=frame' });
      let n = 0;
      const timer = setInterval(() => {
        const jpeg = frames[n++ % frames.length];
        res.write('--frame\\r\\nContent-Type: image/jpeg\\r\\nContent-Length: ' + jpeg.length + '\\r\\n\\r\\n');
        res.write(jpeg);
        res.write('\\r\\n');
      }, ${intervalMs});
      res.on('close', () => clearInterval(timer));
    });
    server.listen(0, '127.0.0.1', () => console.log(server.address().port));
    process.stdin.on('end', () => process.exit(0)).resume();
  `;
  const child = spawn(process.execPath, ['-e', script, ...files], { stdio: ['pipe', 'pipe', 'inherit'] });
  afterAll(() => {
    child.kill();
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
  });
  return { url: `http://127.0.0.1:${port}/video_feed` };
}

// ---------------------------------------------------------------------------------------------------
// Measuring

/** `count` frames from a new viewer, then closes it. */
export async function takeFrames(camera: BaseCamera, count: number): Promise<Frame[]> {
  const viewer = camera.subscribe('test');
  try {
    const frames: Frame[] = [];
    for (let i = 0; i < count; i++) frames.push(await viewer.next());
    return frames;
  } finally {
    viewer.close();
  }
}

/** Frames per second over `frames` (from the first frame's arrival to the last's). */
export function rate(frames: Frame[]): number {
  const span = frames.at(-1)!.capturedAt - frames[0]!.capturedAt;
  return ((frames.length - 1) * 1000) / span;
}

/**
 * How many times the event loop turned (a chain of setImmediate callbacks ran) while `work` ran. A loop
 * held by synchronous work turns once per hold; a free one turns thousands of times per second.
 */
export async function loopTurnsDuring(work: () => Promise<void>): Promise<number> {
  let turns = 0;
  let running = true;
  const turn = () => {
    if (!running) return;
    turns += 1;
    setImmediate(turn);
  };
  setImmediate(turn);
  try {
    await work();
  } finally {
    running = false;
  }
  return turns;
}
