// Live sources through real OpenCV: GStreamer's videotestsrc as an endless synthetic camera, a GStreamer
// pipeline delivering JPEG, an MJPEG stream over HTTP, and what happens when a source fails.
import { CameraError } from '@cam/core';
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { driver, type OpenCv, OpenCvCamera } from '../src/index.js';
import {
  cv,
  isSetUp,
  loopTurnsDuring,
  makeMjpeg,
  rate,
  requireSetup,
  serveMjpeg,
  takeFrames,
  tempDir,
} from './support.js';

const live = (width: number, height: number, fps = 30) =>
  `videotestsrc is-live=true ! video/x-raw,width=${width},height=${height},framerate=${fps}/1 ! videoconvert ! appsink`;

/** The real binding, with every VideoCapture's opens and releases counted. */
function countingBinding(): { counts: { opens: number; releases: number }; loadBinding: () => OpenCv } {
  const real = cv();
  const counts = { opens: 0, releases: 0 };
  function VideoCapture(...args: ConstructorParameters<OpenCv['VideoCapture']>) {
    const capture = new real.VideoCapture(...args);
    counts.opens += 1;
    const release = capture.release.bind(capture);
    capture.release = () => {
      counts.releases += 1;
      release();
    };
    return capture;
  }
  const binding = Object.create(real, { VideoCapture: { value: VideoCapture } }) as OpenCv;
  return { counts, loadBinding: () => binding };
}

describe('a live GStreamer source', () => {
  test('delivers frames at its own rate and reports what it delivers', async (ctx) => {
    requireSetup(ctx, 'gstreamer');
    const camera = new OpenCvCamera({ source: live(320, 240, 30) });
    try {
      const frames = await takeFrames(camera, 31);
      // The source paces itself: never faster than 30 fps; a loaded machine may lose some frames.
      expect(rate(frames)).toBeGreaterThan(15);
      expect(rate(frames)).toBeLessThan(35);
      expect(camera.actual).toEqual({ width: 320, height: 240, fps: 30, fourcc: '', passthrough: false });
    } finally {
      await camera.close();
    }
  });

  // A behaviour, not a time: a read or encode on the main thread would hold the event loop for each frame,
  // so the loop would turn about once per frame; off the main thread it turns freely while the device
  // works. The lag itself, in milliseconds, is a figure of `pnpm bench`.
  test('keeps the event loop turning while it captures and encodes 640x480 at 30 fps', async (ctx) => {
    requireSetup(ctx, 'gstreamer');
    const camera = new OpenCvCamera({ source: live(640, 480, 30) });
    try {
      const viewer = camera.subscribe();
      await viewer.next(); // the open is synchronous (the binding has none other); watch the capture
      let frames = 0;
      const turns = await loopTurnsDuring(async () => {
        for (; frames < 30; frames++) await viewer.next();
      });
      expect(turns / frames, `${turns} turns of the event loop for ${frames} frames`).toBeGreaterThan(10);
    } finally {
      await camera.close();
    }
  });

  test('releases the capture on idle stop and on close, and opens it again on demand', async (ctx) => {
    requireSetup(ctx, 'gstreamer');
    const { counts, loadBinding } = countingBinding();
    const camera = new OpenCvCamera({ source: live(160, 120) }, { idleTimeout: 200, loadBinding });
    try {
      await takeFrames(camera, 2);
      await new Promise<void>((resolve) => camera.once('stop', () => resolve()));
      // released once the read in progress returns: within a frame interval
      await vi.waitFor(() => expect(counts).toEqual({ opens: 1, releases: 1 }), { timeout: 500 });
      await takeFrames(camera, 2);
      expect(counts).toEqual({ opens: 2, releases: 1 });
    } finally {
      await camera.close();
    }
    await vi.waitFor(() => expect(counts).toEqual({ opens: 2, releases: 2 }), { timeout: 500 });
  });

  test('a stream that ends mid-way fails the camera with SOURCE_ENDED; the next demand retries', async (ctx) => {
    requireSetup(ctx, 'gstreamer');
    const pipeline = 'videotestsrc num-buffers=5 ! video/x-raw,width=160,height=120 ! videoconvert ! appsink';
    const { counts, loadBinding } = countingBinding();
    const camera = new OpenCvCamera({ source: pipeline }, { retryInitialDelay: 100, loadBinding });
    try {
      const viewer = camera.subscribe();
      let frames = 0;
      const error = await (async () => {
        for (;;) {
          await viewer.next();
          frames += 1;
        }
      })().catch((e: unknown) => e as CameraError);
      expect(frames).toBeGreaterThanOrEqual(1);
      expect(frames).toBeLessThanOrEqual(5);
      expect(error.code).toBe('SOURCE_ENDED');
      expect(error.message).toBe(`[cam] [opencv] GStreamer pipeline "${pipeline}" has no more frames`);
      expect(camera.state.status).toBe('error');
      await vi.waitFor(() => expect(counts.releases).toBe(1), { timeout: 500 }); // released although it failed
      const again = await viewer.next(); // asking again retries after the backoff
      expect(again.data.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      expect(counts.opens).toBe(2);
    } finally {
      await camera.close();
    }
  });
});

describe('sources that deliver JPEG', () => {
  const dir = tempDir();
  let mjpeg: { avi: string; pattern: string; jpegs: Buffer[] };
  beforeAll(async () => {
    if (isSetUp('ffmpeg')) mjpeg = await makeMjpeg(dir, { count: 6, fps: 10 });
  }, 60_000);

  test('a GStreamer pipeline ending in image/jpeg: its JPEG bytes pass through as they are', async (ctx) => {
    requireSetup(ctx, 'ffmpeg', 'jpegenc');
    const source = `multifilesrc location=${mjpeg.pattern} start-index=1 loop=true caps=image/jpeg,width=320,height=240,framerate=30/1 ! appsink`;
    const camera = new OpenCvCamera({ source, quality: 100 });
    try {
      const frames = await takeFrames(camera, 8);
      const indexes = frames.map((frame) => mjpeg.jpegs.findIndex((jpeg) => jpeg.equals(frame.data)));
      expect(indexes).toEqual([0, 1, 2, 3, 4, 5, 0, 1]);
      expect(camera.actual).toMatchObject({ width: 320, height: 240, passthrough: true });
    } finally {
      await camera.close();
    }
  });

  test('an MJPEG stream over HTTP (a URL): its JPEG bytes pass through as they are', async (ctx) => {
    requireSetup(ctx, 'ffmpeg');
    const files = mjpeg.jpegs.map((_, i) => mjpeg.pattern.replace('%02d', String(i + 1).padStart(2, '0')));
    const { url } = await serveMjpeg(files, 40);
    const camera = new OpenCvCamera({ source: url });
    try {
      const frames = await takeFrames(camera, 8);
      const indexes = frames.map((frame) => mjpeg.jpegs.findIndex((jpeg) => jpeg.equals(frame.data)));
      expect(indexes).not.toContain(-1);
      // the stream's frames in its order (a viewer may skip some: it gets the newest)
      for (let i = 1; i < indexes.length; i++) expect(indexes[i]).not.toBe(indexes[i - 1]);
      expect(camera.actual).toMatchObject({ width: 320, height: 240, passthrough: true });
    } finally {
      await camera.close();
    }
  });
});

describe('a source that cannot open', () => {
  test.for([
    ['a camera that is not there', 9, 'cannot open camera 9: no such camera, or it is busy'],
    ['a missing file', '/nonexistent/cam/video.mp4', 'cannot open file /nonexistent/cam/video.mp4: '],
    [
      'an unreachable URL',
      'http://127.0.0.1:9/video.mjpg',
      'cannot open URL http://127.0.0.1:9/video.mjpg: ',
    ],
    [
      'a broken pipeline',
      'videotestsrc ! no-such-element ! appsink',
      'cannot open GStreamer pipeline "videotestsrc ! no-such-element ! appsink": GStreamer cannot start it',
    ],
  ] as const)(
    '%s: DEVICE_NOT_FOUND naming the source, and a retry later',
    async ([, source, message], ctx) => {
      requireSetup(ctx);
      const camera = new OpenCvCamera({ source }, { retryInitialDelay: 60_000 });
      try {
        const error = (await camera
          .subscribe()
          .next()
          .catch((e: unknown) => e)) as CameraError;
        expect(error).toBeInstanceOf(CameraError);
        expect(error.code).toBe('DEVICE_NOT_FOUND');
        expect(error.message).toContain(`[cam] [opencv] ${message}`);
        expect(String((error.cause as Error).message)).toBe('VideoCapture::New - failed to open capture');
        expect(camera.state).toMatchObject({ status: 'error', failures: 1 });
        expect(camera.state.retryAt).toBeGreaterThan(Date.now());
      } finally {
        await camera.close();
      }
    },
  );
});

describe('driver.checkAvailable', () => {
  test('passes where the binding loads and has the back-ends the source needs', (ctx) => {
    requireSetup(ctx);
    expect(() => driver.checkAvailable?.(driver.parseOptions({}))).not.toThrow();
    expect(() => driver.checkAvailable?.(driver.parseOptions({ source: live(320, 240) }))).not.toThrow();
  });
});
