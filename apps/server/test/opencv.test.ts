// CAMERA=opencv end to end: the real server streams a GStreamer test source (an endless synthetic camera)
// through OpenCV to a real HTTP client and to ffmpeg; and where the binding is missing, it refuses to
// start with what to install. The streaming tests skip where OpenCV is not set up, with a note saying how
// to enable them; CAM_TEST_STRICT=1 (CI) turns the skip into a failure.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { installSteps, isOpenCvAvailable, loadOpenCv, systemOpenCvVersion } from '@cam/driver-opencv';
import { describe, expect, test, vi } from 'vitest';
import {
  CHROMIUM,
  decodeWithFfmpeg,
  isWholeJpeg,
  launchChromium,
  missingToolNote,
  onCleanup,
  openStream,
  requireTool,
  run,
  runServerToExit,
  startServer,
} from './helpers.js';
import { waitForViewerCount } from './viewer-count.js';

const WIDTH = 320;
const HEIGHT = 240;
/** A moving ball, so that consecutive frames differ. */
const SOURCE = `videotestsrc is-live=true pattern=ball ! video/x-raw,width=${WIDTH},height=${HEIGHT},framerate=15/1 ! videoconvert ! appsink`;

const ENABLE_OPENCV =
  '`sudo apt install libopencv-dev gstreamer1.0-plugins-base` then `pnpm --filter @cam/driver-opencv build:binding`';

/** True when OpenCV can run SOURCE; otherwise skips (or, with CAM_TEST_STRICT=1, fails). */
function requireOpenCv(ctx: { skip(note?: string): never }): void {
  if (isOpenCvAvailable() && gstreamerRuns()) return;
  const note = `OpenCV with GStreamer is not set up: ${ENABLE_OPENCV} enables this test`;
  if (process.env.CAM_TEST_STRICT === '1') {
    throw new Error(`${note} (CAM_TEST_STRICT=1 turns this skip into a failure)`);
  }
  console.warn(`skipped: ${note}`);
  ctx.skip(note);
}

function gstreamerRuns(): boolean {
  const cv = loadOpenCv();
  try {
    new cv.VideoCapture('videotestsrc num-buffers=1 ! videoconvert ! appsink', cv.CAP_GSTREAMER).release();
    return true;
  } catch {
    return false;
  }
}

/** JPEG frame size from its start-of-frame segment. */
function jpegSize(jpeg: Buffer): { width: number; height: number } | undefined {
  for (let at = 2; at + 9 < jpeg.length; at += 2 + jpeg.readUInt16BE(at + 2)) {
    const marker = jpeg[at + 1]!;
    if (marker >= 0xc0 && marker <= 0xc3) {
      return { height: jpeg.readUInt16BE(at + 5), width: jpeg.readUInt16BE(at + 7) };
    }
  }
  return undefined;
}

describe('CAMERA=opencv', () => {
  test('streams a GStreamer source to an HTTP client as whole, changing JPEG frames', async (ctx) => {
    requireOpenCv(ctx);
    const { proc, port } = await startServer({ CAMERA: 'opencv', CAMERA_SOURCE: SOURCE });
    const stream = await openStream(port);
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['content-type']).toBe('multipart/x-mixed-replace; boundary=frame');
    const parts = await stream.waitForParts(8, 10_000);
    for (const part of parts) {
      expect(part.headers['content-type']).toBe('image/jpeg');
      expect(isWholeJpeg(part.body), 'SOI ... EOI').toBe(true);
      expect(jpegSize(part.body)).toEqual({ width: WIDTH, height: HEIGHT });
    }
    for (let i = 1; i < parts.length; i++) expect(parts[i]!.body.equals(parts[i - 1]!.body)).toBe(false);
    expect(stream.parseError).toBeUndefined();
    await proc.waitForLog({ msg: 'camera started' });
    // Loading the binding printed nothing: every stdout line is the server's JSON.
    expect(proc.logs.filter((line) => line.level === -1)).toEqual([]);
    stream.close();
    await waitForViewerCount(port, 0);
  });

  test('ffmpeg reads 3 frames into decodable JPEGs (source given as OPENCV_CAMERA_SOURCE)', async (ctx) => {
    requireOpenCv(ctx);
    if (!requireTool('ffmpeg', 'apt-get install ffmpeg'))
      ctx.skip(missingToolNote('ffmpeg', 'apt-get install ffmpeg'));
    const { port, url } = await startServer({ CAMERA: 'opencv', OPENCV_CAMERA_SOURCE: SOURCE });
    const dir = await mkdtemp(join(tmpdir(), 'cam-opencv-ffmpeg-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));

    const result = await run(
      'ffmpeg',
      ['-nostdin', '-loglevel', 'error', '-i', `${url}/video_feed`, '-frames:v', '3', 'out%d.jpg'],
      { cwd: dir, timeout: 20_000 },
    );
    expect(result.code, `ffmpeg stderr: ${result.stderr}`).toBe(0);
    for (const n of [1, 2, 3]) {
      const file = join(dir, `out${n}.jpg`);
      expect(isWholeJpeg(await readFile(file)), `${file} is SOI ... EOI`).toBe(true);
      const decoded = await decodeWithFfmpeg(file);
      expect(decoded.code, decoded.stderr).toBe(0);
      expect(decoded.stdout.length, `a ${WIDTH} x ${HEIGHT} RGB image`).toBe(WIDTH * HEIGHT * 3);
    }
    await waitForViewerCount(port, 0);
  });

  test("a headless Chromium shows the OpenCV stream on the camera's page, and the picture moves", {
    timeout: 60_000,
  }, async (ctx) => {
    requireOpenCv(ctx);
    if (!requireTool(CHROMIUM, 'apt-get install chromium'))
      ctx.skip(missingToolNote(CHROMIUM, 'apt-get install chromium'));
    const { url } = await startServer({ CAMERA: 'opencv', CAMERA_SOURCE: SOURCE });
    const browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${url}/cameras/opencv`, { timeout: 10_000 }); // the default camera's page
    // (not page.waitForFunction: its polling evaluates strings in the page, which the page's CSP forbids)
    await vi.waitFor(
      async () =>
        expect(await page.evaluate(`document.getElementById('stream')?.naturalWidth === ${WIDTH}`)).toBe(
          true,
        ),
      { timeout: 15_000, interval: 100 },
    );
    // The whole displayed image, drawn into a canvas: it changes as the ball moves.
    const snapshot = `(() => {
      const img = document.getElementById('stream');
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      canvas.getContext('2d').drawImage(img, 0, 0);
      return canvas.toDataURL('image/png');
    })()`;
    const first = await page.evaluate(snapshot);
    // (not page.waitForFunction: its polling evaluates strings in the page, which the page's CSP forbids)
    await vi.waitFor(
      async () => expect(await page.evaluate(`${snapshot} !== ${JSON.stringify(first)}`)).toBe(true),
      { timeout: 10_000, interval: 200 },
    );
  });

  test('without the binding, the server stops at start saying what to install', async () => {
    // Simulates a machine where the binding was never built: the require of its .node file fails, as it
    // does there. Runs everywhere.
    const dir = await mkdtemp(join(tmpdir(), 'cam-opencv-missing-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const hide = join(dir, 'hide-binding.cjs');
    await writeFile(
      hide,
      `const Module = require('node:module');
       const resolve = Module._resolveFilename;
       Module._resolveFilename = function (request, ...rest) {
         if (/build[\\\\/](Release|Debug)[\\\\/]opencv4nodejs(\\.node)?$/.test(request)) {
           const error = new Error("Cannot find module '" + request + "'");
           error.code = 'MODULE_NOT_FOUND';
           throw error;
         }
         return resolve.call(this, request, ...rest);
       };`,
    );
    const result = await runServerToExit({ CAMERA: 'opencv', NODE_OPTIONS: `--require=${hide}` });
    expect(result.code, `stderr: ${result.stderr}`).toBe(1);
    expect(result.stderr.trim()).toBe(
      'cam: the opencv driver cannot run here: the OpenCV binding (@u4/opencv4nodejs) is not built: ' +
        // only the build step where OpenCV is installed (as in CI), the apt install step too otherwise
        installSteps(systemOpenCvVersion()),
    );
    expect(result.logs.map((line) => line.msg)).not.toContainEqual(expect.stringMatching(/^listening on/));
  });
});
