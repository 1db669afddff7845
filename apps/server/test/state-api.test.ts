// GET /api/cameras and /api/cameras/:id over a camera's life (idle, running for its viewers, idle again
// after its idle timeout), per-viewer figures, slow viewers' skipped frames, and snapshots as demand.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  BACK_LABELS,
  type CameraStateJson,
  cameraStateOf,
  FRAME_FILES,
  frameNumber,
  getJson,
  jpegLabel,
  labelledJpeg,
  metricValue,
  openStream,
  paddedJpeg,
  scrapeMetrics,
  sleep,
  startTwoCameras,
  startWithConfig,
  tempDir,
  waitFor,
} from './helpers.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Asserts `time` is an ISO timestamp between `from` and `to` (ms since the epoch), with a little slack. */
function expectTimeBetween(time: string | null | undefined, from: number, to: number): void {
  expect(time).toMatch(ISO);
  const at = Date.parse(time!);
  expect(at).toBeGreaterThanOrEqual(from - 50);
  expect(at).toBeLessThanOrEqual(to + 50);
}

/** What an idle camera that has not run since `captured` frames reports. */
function idleState(id: string, framesCaptured = 0): Partial<CameraStateJson> {
  return {
    id,
    driver: 'emulated',
    status: 'idle',
    lastError: null,
    retryAt: null,
    fps: 0,
    frameBytes: null,
    resolution: null,
    framesCaptured,
    uptimeSeconds: 0,
    viewers: [],
  };
}

describe('GET /api/cameras', () => {
  test('lists every camera, idle before anyone watches', async () => {
    const { url } = await startTwoCameras();
    const res = await getJson<{ cameras: CameraStateJson[] }>(`${url}/api/cameras`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/no-cache/);
    expect(res.body.cameras).toHaveLength(2);
    expect(res.body.cameras[0]).toMatchObject(idleState('front'));
    expect(res.body.cameras[1]).toMatchObject(idleState('back'));
    expect(res.body.cameras[0]!.lastFrameAt).toBeNull();
    // /api/cameras/:id answers the same object.
    expect(await cameraStateOf(url, 'back')).toEqual(res.body.cameras[1]);
  });

  test('idle → running with a viewer (fps, frame size, resolution, counts, uptime, the viewer) → idle', {
    timeout: 15_000,
  }, async () => {
    const { proc, port, url } = await startTwoCameras({ frontFps: 10, backFps: 5, idleTimeout: 1 });
    const openedAt = Date.now();
    const back = await openStream(port, '/cameras/back/stream');
    await back.waitForParts(1);
    await sleep(2000);
    const before = Date.now();
    const running = await cameraStateOf(url, 'back');
    const after = Date.now();

    expect(running).toMatchObject({ id: 'back', driver: 'emulated', status: 'running', lastError: null });
    // lower bounds at half the camera's rate: a loaded machine slows the cameras, it does not halve them
    expect(running.fps, 'capture fps of a 5 fps camera').toBeGreaterThanOrEqual(2.5);
    expect(running.fps).toBeLessThanOrEqual(5.5);
    expect(running.frameBytes).toBe(labelledJpeg(BACK_LABELS[0]).length);
    expect(running.resolution).toEqual({ width: 320, height: 240 });
    expect(running.framesCaptured).toBeGreaterThanOrEqual(10);
    // At most 5 fps over the time that really passed since the viewer came (a loaded machine sleeps longer).
    expect(running.framesCaptured).toBeLessThanOrEqual(Math.ceil((5 * (after - openedAt)) / 1000) + 3);
    expect(running.uptimeSeconds).toBeGreaterThanOrEqual(1.9);
    expect(running.uptimeSeconds).toBeLessThanOrEqual((after - openedAt) / 1000 + 0.1);
    expectTimeBetween(running.lastFrameAt, before - 300, after);
    expect(running.viewers).toHaveLength(1);
    const viewer = running.viewers[0]!;
    expect(viewer.address).toBe('127.0.0.1');
    expectTimeBetween(viewer.connectedAt, openedAt, openedAt + 1000);
    // The viewer was sent what the client received (give or take the frame in flight).
    expect(Math.abs(viewer.framesSent - back.parts.length), `${viewer.framesSent} sent`).toBeLessThanOrEqual(
      1,
    );
    expect(viewer.framesSkipped).toBe(0);
    expect(viewer.fps).toBeGreaterThanOrEqual(2.5);
    expect(viewer.fps).toBeLessThanOrEqual(6);
    // The other camera is untouched.
    expect(await cameraStateOf(url, 'front')).toMatchObject(idleState('front'));

    // A second later: more frames, more uptime.
    await sleep(1000);
    const later = await cameraStateOf(url, 'back');
    expect(later.framesCaptured).toBeGreaterThanOrEqual(running.framesCaptured + 4);
    expect(later.uptimeSeconds).toBeGreaterThan(running.uptimeSeconds + 0.8);
    expect(later.viewers[0]!.framesSent).toBeGreaterThan(viewer.framesSent);

    // The viewer leaves: after the idle timeout (1 s) the camera is idle again, and keeps its count.
    back.close();
    await proc.waitForLog({ msg: 'camera stopped', camera: 'back' }, { timeout: 5000 });
    const idle = await cameraStateOf(url, 'back');
    expect(idle).toMatchObject(idleState('back', idle.framesCaptured));
    expect(idle.framesCaptured).toBeGreaterThanOrEqual(later.framesCaptured);
    expect(idle.lastFrameAt).toMatch(ISO); // when it last captured, kept
  });

  test('the default frames are 640x480, captured at the configured 10 fps', async () => {
    const { port, url } = await startTwoCameras({ frontFps: 10 });
    const stream = await openStream(port, '/cameras/front/stream');
    await stream.waitForParts(1);
    await sleep(1500);
    const state = await cameraStateOf(url, 'front');
    expect(state.status).toBe('running');
    expect(state.resolution).toEqual({ width: 640, height: 480 });
    expect(FRAME_FILES.map((file) => file.length)).toContain(state.frameBytes);
    expect(state.fps).toBeGreaterThanOrEqual(5);
    expect(state.fps).toBeLessThanOrEqual(11);
    expect(state.viewers[0]!.fps).toBeGreaterThanOrEqual(5);
    expect(state.viewers[0]!.fps).toBeLessThanOrEqual(12);
  });

  test('every viewer is listed with its own figures; one that leaves is gone at once', async () => {
    const { port, url } = await startTwoCameras({ frontFps: 10 });
    const first = await openStream(port, '/cameras/front/stream');
    await first.waitForParts(10);
    const second = await openStream(port, '/cameras/front/stream');
    await second.waitForParts(2);
    const both = await cameraStateOf(url, 'front');
    expect(both.viewers).toHaveLength(2);
    const [older, newer] = [...both.viewers].sort((a, b) => a.connectedAt.localeCompare(b.connectedAt));
    expect(older!.framesSent).toBeGreaterThan(newer!.framesSent);
    expect(both.viewers.every((viewer) => viewer.address === '127.0.0.1')).toBe(true);

    first.close();
    const one = await waitFor(
      async () => {
        const state = await cameraStateOf(url, 'front');
        return state.viewers.length === 1 && state;
      },
      { timeout: 2000, message: 'one viewer left' },
    );
    expect(one.viewers[0]!.connectedAt).toBe(newer!.connectedAt);
    expect(one.status).toBe('running');
  });

  test('a viewer slower than the camera skips frames, counted for it and for the camera', {
    timeout: 15_000,
  }, async () => {
    // 1 MB frames at 20 fps: a client that stops reading fills the socket buffers within a second.
    const dir = tempDir();
    for (const n of [1, 2, 3]) writeFileSync(join(dir, `${n}.jpg`), paddedJpeg(`big ${n}`, 1_000_000));
    const { port, url } = await startWithConfig({
      cameras: [{ id: 'big', options: { fps: 20, frames: dir } }],
    });
    const stream = await openStream(port, '/cameras/big/stream');
    await stream.waitForParts(2);
    stream.response.pause(); // a slow client: reads nothing for 2 s (less than the 5 s viewer timeout)
    await sleep(2000);
    stream.response.resume();
    await stream.waitForParts(stream.parts.length + 10, 5000);

    const state = await cameraStateOf(url, 'big');
    expect(state.framesSkipped, 'frames the slow viewer missed').toBeGreaterThanOrEqual(10);
    expect(state.viewers).toHaveLength(1);
    expect(state.viewers[0]!.framesSkipped).toBe(state.framesSkipped);
    const metrics = await scrapeMetrics(url);
    expect(metricValue(metrics, 'cam_frames_skipped_total', 'big')).toBeGreaterThanOrEqual(
      state.framesSkipped,
    );
    expect(state.viewers[0]!.framesSent + state.viewers[0]!.framesSkipped).toBeLessThanOrEqual(
      state.framesCaptured,
    );
    // What it got is still whole frames of the loop: skipping drops frames, never corrupts them.
    expect(stream.parseError).toBeUndefined();
    expect(stream.parts.every((part) => /^big [123]$/.test(jpegLabel(part.body) ?? ''))).toBe(true);
  });
});

describe('a snapshot counts as demand', () => {
  test('on an idle camera it starts it, answers its first frame, and the camera stops after its idle timeout', {
    timeout: 15_000,
  }, async () => {
    const { proc, url } = await startTwoCameras({ backFps: 5, idleTimeout: 1 });
    expect((await cameraStateOf(url, 'back')).status).toBe('idle');

    const asked = Date.now();
    const res = await fetch(`${url}/cameras/back/snapshot.jpg`);
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(jpegLabel(body), 'the first frame of a fresh start').toBe('back 1');

    const started = await proc.waitForLog({ msg: 'camera started', camera: 'back' });
    expect(started.time).toBeGreaterThanOrEqual(asked - 50);
    const running = await cameraStateOf(url, 'back');
    expect(running.status).toBe('running');
    expect(running.viewers, 'the snapshot does not stay as a viewer').toEqual([]);
    expect(running.framesCaptured).toBeGreaterThanOrEqual(1);

    const stopped = await proc.waitForLog({ msg: 'camera stopped', camera: 'back' }, { timeout: 5000 });
    expect(stopped.reason).toBe('idle');
    expect(stopped.time - asked, 'ms from the snapshot to the idle stop').toBeGreaterThanOrEqual(900);
    expect(await cameraStateOf(url, 'back')).toMatchObject(
      idleState('back', stopped.framesCaptured as number),
    );

    // The next snapshot starts it again, and again gets a fresh first frame, not a stale one.
    const again = await fetch(`${url}/cameras/back/snapshot.jpg`);
    expect(jpegLabel(Buffer.from(await again.arrayBuffer()))).toBe('back 1');
    expect(proc.find({ msg: 'camera started', camera: 'back' })).toHaveLength(2);
    // The front camera never ran.
    expect(proc.find({ msg: 'camera started', camera: 'front' })).toEqual([]);
  });

  test('on a running camera it answers the newest frame without restarting it', async () => {
    const { proc, port, url } = await startTwoCameras({ frontFps: 10 });
    const stream = await openStream(port, '/cameras/front/stream');
    await stream.waitForParts(5);
    const res = await fetch(`${url}/cameras/front/snapshot.jpg`);
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    expect(frameNumber(body)).toBeDefined();
    // From the running camera: it did not stop or start again for the snapshot.
    expect((await cameraStateOf(url, 'front')).status).toBe('running');
    expect(proc.find({ msg: 'camera started', camera: 'front' })).toHaveLength(1);
  });
});
