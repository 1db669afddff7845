// Limits on by default: streams whose client stopped reading are shown as stalled, then closed after
// STALLED_VIEWER_TIMEOUT and counted; the viewer cap (sized for the machine by default) refuses the
// excess with 503 + Retry-After while the viewers already there keep their rate; snapshot long-polls
// (`?after`) count against the caps.
import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { defaultMaxViewers } from '../src/limits.js';
import {
  cameraStateOf,
  getJson,
  metricValue,
  onCleanup,
  openStream,
  paddedJpeg,
  scrapeMetrics,
  startServer,
  tempDir,
} from './helpers.js';

/** A client that asks for a stream and never reads a byte of it: its socket's buffers fill and stay full. */
function stalledClient(
  port: number,
  path = '/video_feed',
): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    onCleanup(() => socket.destroy());
    socket.on('error', () => {}); // the server cuts it: that is the point
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('connect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      socket.pause(); // no 'data' listener either: nothing is read past Node's own small buffer
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

/** Three big frames (about 300 KB each), so that a client that does not read fills its buffers at once. */
function bigFrames(): string {
  const dir = tempDir();
  const files = [1, 2, 3].map((n) => {
    const file = join(dir, `${n}.jpg`);
    writeFileSync(file, paddedJpeg(`big ${n}`, 300_000));
    return file;
  });
  return files.join(',');
}

describe('stalled viewers', () => {
  test('100 streams that stop reading: shown as stalled, closed after the timeout and counted; the cap refuses the excess; live viewers keep their rate', {
    timeout: 90_000,
  }, async () => {
    const { port, url } = await startServer({
      CAMERA_FPS: '10',
      CAMERA_FRAMES: bigFrames(),
      STALLED_VIEWER_TIMEOUT: '4',
      MAX_VIEWERS: '103',
    });
    const live = await Promise.all([1, 2, 3].map(() => openStream(port)));
    await Promise.all(live.map((stream) => stream.waitForParts(2, 10_000)));

    const stalled = [];
    for (let i = 0; i < 100; i++) stalled.push(await stalledClient(port));
    // Every request reached the server (the camera counts them all while they are fresh).
    await vi.waitFor(async () => expect((await cameraStateOf(url, 'emulated')).viewers).toHaveLength(103), {
      timeout: 10_000,
      interval: 100,
    });
    const framesAtFull = live.map((stream) => stream.parts.length);
    const capturedAtFull = (await cameraStateOf(url, 'emulated')).framesCaptured;

    // Full: 103 viewers. The next one is refused at once, with a Retry-After.
    const refused = await getJson(`${url}/video_feed`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(refused.body.error).toEqual({
      code: 'TOO_MANY_VIEWERS',
      message: 'the server has its maximum of 103 viewers',
    });

    // Until they are closed, the stalled streams are shown: in the state (even once the camera stopped
    // counting them) and in the metrics.
    await vi.waitFor(
      async () => {
        const state = await cameraStateOf(url, 'emulated');
        const marked = state.viewers.filter((viewer) => (viewer as { stalled?: boolean }).stalled);
        expect(marked.length).toBe(100);
        const metrics = await scrapeMetrics(url);
        expect(metricValue(metrics, 'cam_stalled_viewers', 'emulated')).toBe(100);
      },
      { timeout: 10_000, interval: 200 },
    );

    // Then they are closed by the server, and counted.
    await vi.waitFor(
      async () => {
        const metrics = await scrapeMetrics(url);
        expect(metricValue(metrics, 'cam_stalled_viewers_closed_total', 'emulated')).toBe(100);
      },
      { timeout: 10_000, interval: 200 },
    );
    // The clients, reading again, find their connection reset.
    for (const client of stalled) client.socket.resume();
    await Promise.all(stalled.map((client) => client.closed));
    const metrics = await scrapeMetrics(url);
    expect(metricValue(metrics, 'cam_stalled_viewers', 'emulated')).toBe(0);
    const state = await cameraStateOf(url, 'emulated');
    expect(state.viewers).toHaveLength(3);
    expect(state.viewers.every((viewer) => !(viewer as { stalled?: boolean }).stalled)).toBe(true);

    // The live viewers got (nearly) every frame the camera captured meanwhile, and were never closed.
    const captured = state.framesCaptured - capturedAtFull;
    expect(captured).toBeGreaterThan(20);
    live.forEach((stream, index) => {
      expect(stream.parseError).toBeUndefined();
      expect(stream.closed).toBe(false);
      expect(stream.parts.length - framesAtFull[index]!, 'frames a live viewer got').toBeGreaterThanOrEqual(
        captured * 0.8,
      );
    });

    // Their places are free again.
    const again = await openStream(port);
    expect(again.response.statusCode).toBe(200);
    await again.waitForParts(1);
  });
});

describe('the viewer cap', () => {
  test('by default it is sized for the machine: min(250 × cores, memory / 4 MiB), at least 10', async () => {
    const { url } = await startServer();
    const metrics = await scrapeMetrics(url);
    expect(metrics.get('cam_max_viewers')!.samples[0]!.value).toBe(defaultMaxViewers());
    expect(defaultMaxViewers(4, 1024 * 2 ** 20)).toBe(256); // a Raspberry Pi 4 with 1 GiB
    expect(defaultMaxViewers(2, 24 * 2 ** 30)).toBe(500);
    expect(defaultMaxViewers(1, 16 * 2 ** 20)).toBe(10);
  });

  test('snapshot long-polls (?after) count against it while they wait; plain snapshots do not', {
    timeout: 30_000,
  }, async () => {
    // One frame every 20 s: a long-poll for the next frame waits.
    const { port, url } = await startServer({ CAMERA_FPS: '0.05', MAX_VIEWERS: '2' });
    const first = await fetch(`${url}/snapshot.jpg`);
    const seq = first.headers.get('x-frame-seq');
    await first.arrayBuffer();

    const waiting = [1, 2].map(() => {
      const controller = new AbortController();
      const done = fetch(`${url}/snapshot.jpg?after=${seq}`, { signal: controller.signal }).catch(() => {});
      return { controller, done };
    });
    await vi.waitFor(async () => {
      expect((await cameraStateOf(url, 'emulated')).viewers.length).toBe(2);
    });
    const stream = await getJson(`${url}/video_feed`);
    expect(stream.status).toBe(503);
    expect(stream.body.error.code).toBe('TOO_MANY_VIEWERS');
    const poll = await getJson(`${url}/snapshot.jpg?after=${seq}`);
    expect(poll.status).toBe(503);
    expect(poll.headers.get('retry-after')).toBe('10');
    const plain = await fetch(`${url}/snapshot.jpg`);
    expect(plain.status).toBe(200);
    await plain.arrayBuffer();

    for (const waiter of waiting) waiter.controller.abort();
    await Promise.all(waiting.map((waiter) => waiter.done));
    await vi.waitFor(async () => {
      const viewer = await openStream(port);
      expect(viewer.response.statusCode).toBe(200);
      viewer.close();
    });
  });
});
