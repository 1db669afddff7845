// /healthz, /readyz and /metrics (Prometheus text format, parsed with parse-prometheus-text-format) of
// the real server: values that follow the cameras as viewers come and go, a camera that stalls, and a
// camera whose device (its frame files) disappears after the start.
import { rmSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  cameraStateOf,
  frameNumber,
  getJson,
  isWholeJpeg,
  type MetricFamily,
  type MjpegStream,
  metricValue,
  openStream,
  parseMetrics,
  scrapeMetrics,
  sleep,
  startTwoCameras,
  startWithConfig,
  waitFor,
} from './helpers.js';

/** Every metric the server exports, with its type. */
const METRICS = {
  cam_capture_fps: 'GAUGE',
  cam_frames_captured_total: 'COUNTER',
  cam_frames_skipped_total: 'COUNTER',
  cam_viewers: 'GAUGE',
  cam_camera_up: 'GAUGE',
  cam_driver_starts_total: 'COUNTER',
  cam_driver_errors_total: 'COUNTER',
  cam_bytes_sent_total: 'COUNTER',
} as const;

type Metrics = Map<string, MetricFamily>;

/** The value of every metric for `camera`, by name. */
function valuesOf(metrics: Metrics, camera: string): Record<keyof typeof METRICS, number> {
  return Object.fromEntries(
    Object.keys(METRICS).map((name) => [name, metricValue(metrics, name, camera)]),
  ) as Record<keyof typeof METRICS, number>;
}

/** Bytes of stream body the clients have received so far. */
function received(streams: MjpegStream[]): number {
  return streams.reduce((sum, stream) => sum + stream.raw.length, 0);
}

describe('/healthz', () => {
  test('200 {status: "ok"} while the process runs, whatever the cameras do', async () => {
    const { url } = await startTwoCameras();
    const res = await getJson(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/no-cache/);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe('/readyz', () => {
  test('200 when no camera has viewers, and while a watched camera delivers frames', async () => {
    const { port, url } = await startTwoCameras({ frontFps: 10 });
    expect(await getJson(`${url}/readyz`)).toMatchObject({ status: 200, body: { status: 'ready' } });
    const stream = await openStream(port, '/cameras/front/stream');
    await stream.waitForParts(1);
    for (let i = 0; i < 5; i++) {
      const res = await getJson(`${url}/readyz`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toMatch(/no-cache/);
      expect(res.body).toEqual({ status: 'ready' });
      await sleep(300);
    }
    expect(stream.parts.length).toBeGreaterThanOrEqual(10);
  });

  test('503 naming the camera when a watched camera has produced no frame for 10 s', {
    timeout: 20_000,
  }, async () => {
    // 0.05 fps: a frame at the start, the next one 20 s later. Its viewer waits in between.
    const { port, url } = await startWithConfig({
      cameras: [
        { id: 'ok', options: { fps: 10 } },
        // Longer than its frame interval: the camera is silent, not failed (no TIMEOUT, no restart).
        { id: 'slow', options: { fps: 0.05 }, stallTimeout: 60 },
      ],
    });
    const ok = await openStream(port, '/cameras/ok/stream');
    const slow = await openStream(port, '/cameras/slow/stream');
    await slow.waitForParts(1);
    const firstFrameAt = Date.now();
    expect((await getJson(`${url}/readyz`)).status).toBe(200);

    const stalled = await waitFor(
      async () => {
        const res = await getJson(`${url}/readyz`);
        return res.status === 503 && res;
      },
      { timeout: 13_000, interval: 200, message: '/readyz to answer 503' },
    );
    const after = Date.now() - firstFrameAt;
    // Not before the 10 s without a frame (the wait above allows 13 s for the other side on a busy machine).
    expect(after, 'ms from the last frame to not ready').toBeGreaterThanOrEqual(9_500);
    expect(stalled.body).toEqual({ status: 'stalled', cameras: ['slow'] });
    // The camera is up, and watched, just silent; the other camera is fine.
    const metrics = await scrapeMetrics(url);
    expect(metricValue(metrics, 'cam_viewers', 'slow')).toBe(1);
    expect(metricValue(metrics, 'cam_camera_up', 'slow')).toBe(1);
    expect(slow.parts).toHaveLength(1);
    // The other camera streamed all along (10 fps for 10 s: 100 frames; half of that leaves room for a
    // loaded machine) and still does.
    expect(ok.parts.length).toBeGreaterThanOrEqual(50);
    await ok.waitForParts(ok.parts.length + 3);

    // Without its viewer, a silent camera is no reason to be unready.
    slow.close();
    await waitFor(async () => (await getJson(`${url}/readyz`)).status === 200, {
      timeout: 2000,
      message: '/readyz to answer 200 again',
    });
  });
});

describe('/metrics', () => {
  test('is the Prometheus text format, with every metric per camera, all zero before anyone watches', async () => {
    const { url } = await startTwoCameras();
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const metrics = parseMetrics(await res.text());
    for (const [name, type] of Object.entries(METRICS)) {
      const family = metrics.get(name);
      expect(family, name).toBeDefined();
      expect(family!.type, name).toBe(type);
      expect(family!.help, `${name} has a help text`).not.toBe('');
      // One sample per camera, labelled with its id and nothing else.
      expect(family!.samples.map((sample) => sample.labels)).toEqual([
        { camera: 'front' },
        { camera: 'back' },
      ]);
      expect(family!.samples.map((sample) => sample.value)).toEqual([0, 0]);
    }
  });

  test('values follow the cameras: viewers, fps, frames and bytes while streaming; stops and restarts', {
    timeout: 15_000,
  }, async () => {
    const { proc, port, url } = await startTwoCameras({ frontFps: 10, backFps: 5, idleTimeout: 1 });
    const front = [await openStream(port, '/cameras/front/stream')];
    const back = [
      await openStream(port, '/cameras/back/stream'),
      await openStream(port, '/cameras/back/stream'),
    ];
    await Promise.all([...front, ...back].map((stream) => stream.waitForParts(2)));
    // The server's first scrape loads express and prom-client (src/app.ts, "loaded on first use"): on a
    // loaded machine that holds its event loop for a moment, in which no frame can arrive. The steady
    // state is what this test reads.
    await scrapeMetrics(url);
    await sleep(1500);

    const receivedBefore = { front: received(front), back: received(back) };
    const first = await scrapeMetrics(url);
    await sleep(300); // the bytes written before the scrape reach the clients
    const receivedAfter = { front: received(front), back: received(back) };
    const f1 = valuesOf(first, 'front');
    const b1 = valuesOf(first, 'back');

    expect(f1.cam_viewers).toBe(1);
    expect(b1.cam_viewers).toBe(2);
    expect([f1.cam_camera_up, b1.cam_camera_up]).toEqual([1, 1]);
    // The measured rate, never above the camera's own; a loaded machine may slow the cameras, not halve them.
    expect(f1.cam_capture_fps).toBeGreaterThanOrEqual(5);
    expect(f1.cam_capture_fps).toBeLessThanOrEqual(11);
    expect(b1.cam_capture_fps).toBeGreaterThanOrEqual(2.5);
    expect(b1.cam_capture_fps).toBeLessThanOrEqual(5.5);
    expect(f1.cam_frames_captured_total).toBeGreaterThanOrEqual(15);
    expect(b1.cam_frames_captured_total).toBeGreaterThanOrEqual(8);
    expect([f1.cam_driver_starts_total, b1.cam_driver_starts_total]).toEqual([1, 1]);
    expect([f1.cam_driver_errors_total, b1.cam_driver_errors_total]).toEqual([0, 0]);
    expect([f1.cam_frames_skipped_total, b1.cam_frames_skipped_total]).toEqual([0, 0]);
    // Bytes sent: at least the stream bodies the clients had, at most what they have a moment later plus
    // the HTTP framing (response head, chunk sizes).
    for (const camera of ['front', 'back'] as const) {
      const sent = metricValue(first, 'cam_bytes_sent_total', camera);
      expect(sent, `${camera} bytes sent`).toBeGreaterThanOrEqual(receivedBefore[camera]);
      expect(sent, `${camera} bytes sent`).toBeLessThanOrEqual(receivedAfter[camera] * 1.02 + 1000);
    }

    // A second later, the counters have moved by about a second of frames.
    await sleep(1000);
    const second = await scrapeMetrics(url);
    const f2 = valuesOf(second, 'front');
    const b2 = valuesOf(second, 'back');
    expect(f2.cam_frames_captured_total - f1.cam_frames_captured_total).toBeGreaterThanOrEqual(10);
    expect(f2.cam_frames_captured_total - f1.cam_frames_captured_total).toBeLessThanOrEqual(16);
    expect(b2.cam_frames_captured_total - b1.cam_frames_captured_total).toBeGreaterThanOrEqual(5);
    expect(b2.cam_frames_captured_total - b1.cam_frames_captured_total).toBeLessThanOrEqual(9);
    expect(f2.cam_bytes_sent_total).toBeGreaterThan(f1.cam_bytes_sent_total);
    expect(b2.cam_bytes_sent_total).toBeGreaterThan(b1.cam_bytes_sent_total);

    // One back viewer leaves: the gauge follows; the bytes sent to it stay counted.
    back[0]!.close();
    const third = await waitFor(
      async () => {
        const metrics = await scrapeMetrics(url);
        return metricValue(metrics, 'cam_viewers', 'back') === 1 && metrics;
      },
      { timeout: 2000, message: 'cam_viewers{camera="back"} to be 1' },
    );
    expect(metricValue(third, 'cam_bytes_sent_total', 'back')).toBeGreaterThanOrEqual(
      b2.cam_bytes_sent_total,
    );

    // Everyone leaves: after the idle timeout both cameras are down, their totals kept.
    for (const stream of [...front, ...back]) stream.close();
    await proc.waitForLog({ msg: 'camera stopped', camera: 'front' }, { timeout: 5000 });
    await proc.waitForLog({ msg: 'camera stopped', camera: 'back' }, { timeout: 5000 });
    const idle = await scrapeMetrics(url);
    for (const camera of ['front', 'back'] as const) {
      const values = valuesOf(idle, camera);
      expect(values.cam_viewers, camera).toBe(0);
      expect(values.cam_camera_up, camera).toBe(0);
      expect(values.cam_capture_fps, camera).toBe(0);
      expect(values.cam_driver_starts_total, camera).toBe(1);
    }
    expect(metricValue(idle, 'cam_frames_captured_total', 'back')).toBeGreaterThanOrEqual(
      b2.cam_frames_captured_total,
    );
    expect(metricValue(idle, 'cam_bytes_sent_total', 'front')).toBeGreaterThanOrEqual(
      f2.cam_bytes_sent_total,
    );

    // A new viewer starts the back camera again: one more start, for it only.
    const again = await openStream(port, '/cameras/back/stream');
    await again.waitForParts(1);
    const restarted = await scrapeMetrics(url);
    expect(metricValue(restarted, 'cam_driver_starts_total', 'back')).toBe(2);
    expect(metricValue(restarted, 'cam_driver_starts_total', 'front')).toBe(1);
    expect(metricValue(restarted, 'cam_camera_up', 'back')).toBe(1);
    expect(metricValue(restarted, 'cam_viewers', 'back')).toBe(1);
  });
});

describe('a camera whose frame files disappear after the start', () => {
  test('fails with DEVICE_NOT_FOUND: 503s with Retry-After, its state and metrics say so, /readyz while a viewer waits', {
    timeout: 15_000,
  }, async () => {
    const { proc, port, url, backFrames } = await startTwoCameras({ frontFps: 10, backFps: 5 });
    // /readyz is read below within the 1 s before the camera's retry; its first request loads express
    // (src/app.ts, "loaded on first use"), which on a loaded machine can take most of that second.
    expect((await getJson(`${url}/readyz`)).status).toBe(200);
    for (const file of backFrames) rmSync(file);

    // A snapshot starts the camera, whose driver cannot read its files.
    const askedAt = Date.now();
    const snapshot = await getJson(`${url}/cameras/back/snapshot.jpg`);
    expect(snapshot.status).toBe(503);
    expect(Number(snapshot.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(snapshot.body.error.code).toBe('DEVICE_NOT_FOUND');
    expect(snapshot.body.error.message).toMatch(/^\[cam\] \[back\] cannot read frame file .*[123]\.jpg$/);

    // A viewer now waits for the retry (1 s after the failure): the camera has viewers and no frame.
    const pending = openStream(port, '/cameras/back/stream', 5000);
    const notReady = await waitFor(
      async () => {
        const res = await getJson(`${url}/readyz`);
        return res.status === 503 && res;
      },
      { timeout: 900, interval: 20, message: '/readyz to answer 503 while the viewer waits' },
    );
    expect(notReady.body).toEqual({ status: 'stalled', cameras: ['back'] });

    const state = await cameraStateOf(url, 'back');
    const readAt = Date.now();
    expect(state.status).toBe('error');
    expect(state.lastError).toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    expect(state.lastError!.message).toMatch(/^\[cam\] \[back\] cannot read frame file /);
    // The time of a failure seen here (this one, or a retry's): after the snapshot was asked for, before
    // the state was read (ms precision).
    expect(Date.parse(state.lastError!.at)).toBeGreaterThanOrEqual(askedAt - 1);
    expect(Date.parse(state.lastError!.at)).toBeLessThanOrEqual(readAt + 1);
    expect(state.retryAt).not.toBeNull();
    expect(state.framesCaptured).toBe(0);
    const failing = await scrapeMetrics(url);
    expect(metricValue(failing, 'cam_driver_errors_total', 'back')).toBeGreaterThanOrEqual(1);
    expect(metricValue(failing, 'cam_camera_up', 'back')).toBe(0);
    expect(metricValue(failing, 'cam_driver_errors_total', 'front')).toBe(0);

    // The viewer is not left with an error or a blank image: its stream opens at once on a generated
    // "camera offline" frame, and stays open while the camera retries (and fails again).
    const stream = await pending;
    expect(stream.response.statusCode).toBe(200);
    const [offline] = await stream.waitForParts(1, 3000);
    expect(isWholeJpeg(offline!.body)).toBe(true);
    expect(frameNumber(offline!.body), "not one of the camera's frames").toBeUndefined();
    await proc.waitForLog(
      (line) => line.msg === 'camera failed' && line.camera === 'back' && line.failures === 2,
      {
        timeout: 5000,
      },
    );
    const retried = await scrapeMetrics(url);
    expect(metricValue(retried, 'cam_driver_errors_total', 'back')).toBe(2);
    expect(metricValue(retried, 'cam_driver_starts_total', 'back')).toBe(2);
    expect(metricValue(retried, 'cam_viewers', 'back')).toBe(1);
    const failures = proc.find({ msg: 'camera failed', camera: 'back' });
    expect(failures).toHaveLength(2);
    expect(failures.every((line) => line.level === 40)).toBe(true);
    expect(stream.closed).toBe(false);
    stream.close();
    await waitFor(async () => metricValue(await scrapeMetrics(url), 'cam_viewers', 'back') === 0, {
      timeout: 3000,
      interval: 50,
      message: 'the viewer to leave',
    });

    // Nobody waits any more: ready again. The other camera was never affected.
    expect((await getJson(`${url}/readyz`)).status).toBe(200);
    const front = await openStream(port, '/cameras/front/stream');
    await front.waitForParts(3);
    expect((await getJson(`${url}/readyz`)).body).toEqual({ status: 'ready' });
    expect((await cameraStateOf(url, 'front')).lastError).toBeNull();
  });
});
