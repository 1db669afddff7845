// Viewer caps (in all, from MAX_VIEWERS or the config file, and per camera) refuse a stream at once with a
// 503 and Retry-After while the viewers already there go on; idle HTTP connections are closed, streams not.
import { describe, expect, test } from 'vitest';
import {
  getJson,
  type MjpegStream,
  openStream,
  type RunningServer,
  rawConnect,
  sleep,
  startServer,
  startTwoCameras,
  startWithConfig,
} from './helpers.js';
import { waitForViewerCount } from './viewer-count.js';

/**
 * Asserts that a stream request to `path` is refused with TOO_MANY_VIEWERS and `message`. The viewers
 * already there never leave, so an answer at all shows the request was refused at once, not queued for a
 * free place.
 */
async function expectRefused(server: RunningServer, path: string, message: string): Promise<void> {
  const res = await getJson(`${server.url}${path}`, 3000);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('10');
  expect(res.headers.get('cache-control')).toMatch(/no-cache/);
  expect(res.body).toEqual({ error: { code: 'TOO_MANY_VIEWERS', message } });
}

/** Asserts every stream still receives frames: `count` more each, within `timeout`. */
async function expectStillStreaming(streams: MjpegStream[], count = 5, timeout = 3000): Promise<void> {
  await Promise.all(streams.map((stream) => stream.waitForParts(stream.parts.length + count, timeout)));
  for (const stream of streams) {
    expect(stream.parseError).toBeUndefined();
    expect(stream.closed, 'not closed by the server').toBe(false);
  }
}

/** Opens a stream and waits for its first frame. */
async function watch(port: number, path: string): Promise<MjpegStream> {
  const stream = await openStream(port, path);
  expect(stream.response.statusCode).toBe(200);
  await stream.waitForParts(1);
  return stream;
}

describe('viewer caps', () => {
  test('MAX_VIEWERS=2: the third stream is refused at once, the two others go on; a leaving viewer frees a place', async () => {
    const server = await startServer({ CAMERA_FPS: '10', MAX_VIEWERS: '2' });
    const { port, proc, url } = server;
    const viewers = [await watch(port, '/video_feed'), await watch(port, '/video_feed')];

    await expectRefused(server, '/video_feed', 'the server has its maximum of 2 viewers');
    await expectRefused(server, '/?action=stream', 'the server has its maximum of 2 viewers');
    await expectRefused(server, '/cameras/emulated/stream', 'the server has its maximum of 2 viewers');
    await expectStillStreaming(viewers);
    // The refusals never reached the camera.
    expect(proc.find({ msg: 'viewers changed', viewers: 3 })).toEqual([]);
    // The cap is on streams: a snapshot is still served.
    const snapshot = await fetch(`${url}/snapshot.jpg`);
    expect(snapshot.status).toBe(200);
    await snapshot.arrayBuffer();

    viewers[0]!.close();
    await waitForViewerCount(port, 1);
    const third = await watch(port, '/video_feed');
    await expectStillStreaming([viewers[1]!, third]);
    await expectRefused(server, '/video_feed', 'the server has its maximum of 2 viewers');
  });

  test("a camera's maxViewers caps that camera only", async () => {
    const server = await startTwoCameras({ frontFps: 10, backFps: 10, back: { maxViewers: 1 } });
    const { port } = server;
    const back = await watch(port, '/cameras/back/stream');
    await expectRefused(server, '/cameras/back/stream', 'camera "back" has its maximum of 1 viewers');

    // The front camera has no cap of its own, nor is there one in all.
    const fronts = await Promise.all([1, 2, 3].map(() => watch(port, '/cameras/front/stream')));
    await expectStillStreaming([back, ...fronts]);
    await expectRefused(server, '/cameras/back/stream', 'camera "back" has its maximum of 1 viewers');

    back.close();
    await waitForViewerCount(port, 0, 'back');
    const next = await watch(port, '/cameras/back/stream');
    await expectStillStreaming([next, ...fronts]);
  });

  test('the maxViewers of the file counts the viewers of every camera; MAX_VIEWERS overrides it', async () => {
    const capped = await startTwoCameras({ top: { maxViewers: 2 } });
    await watch(capped.port, '/cameras/front/stream');
    await watch(capped.port, '/cameras/back/stream');
    await expectRefused(capped, '/cameras/front/stream', 'the server has its maximum of 2 viewers');
    await expectRefused(capped, '/cameras/back/stream', 'the server has its maximum of 2 viewers');
    await expectRefused(capped, '/video_feed', 'the server has its maximum of 2 viewers');

    const overridden = await startTwoCameras({ top: { maxViewers: 2 }, env: { MAX_VIEWERS: '3' } });
    await watch(overridden.port, '/cameras/front/stream');
    await watch(overridden.port, '/cameras/back/stream');
    await watch(overridden.port, '/video_feed');
    await expectRefused(overridden, '/cameras/back/stream', 'the server has its maximum of 3 viewers');
  });

  test('with both caps, the first one reached refuses', async () => {
    const server = await startWithConfig(
      {
        maxViewers: 3,
        cameras: [
          { id: 'a', options: { fps: 10 }, maxViewers: 2 },
          { id: 'b', options: { fps: 10 } },
        ],
      },
      {},
    );
    await watch(server.port, '/cameras/a/stream');
    await watch(server.port, '/cameras/a/stream');
    await expectRefused(server, '/cameras/a/stream', 'camera "a" has its maximum of 2 viewers');
    await watch(server.port, '/cameras/b/stream');
    await expectRefused(server, '/cameras/b/stream', 'the server has its maximum of 3 viewers');
    await expectRefused(server, '/cameras/a/stream', 'the server has its maximum of 3 viewers');
  });
});

describe('idle connections', () => {
  test('a kept-alive connection left idle after its response is closed by the server', {
    timeout: 15_000,
  }, async () => {
    const { port } = await startServer();
    const connection = await rawConnect(port);
    connection.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const closedAfter = await connection.closed;
    expect(connection.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(connection.received()).toMatch(/\r\nKeep-Alive: timeout=5\r\n/i);
    // Closed at all (the test would time out otherwise), and not before the keep-alive timeout it announced.
    expect(closedAfter, 'ms until the server closed the idle connection').toBeGreaterThanOrEqual(4500);
  });

  test('a stream is not closed while its camera is quiet for longer than the keep-alive and header timeouts', {
    timeout: 20_000,
  }, async () => {
    // 0.09 fps: one frame at the start, the next 11.1 s later, and nothing on the connection in between.
    // A slow camera is not a stalled one: its stall watchdog must allow for its frame interval.
    const { port } = await startWithConfig({
      cameras: [{ id: 'slow', options: { fps: 0.09 }, stallTimeout: 60 }],
    });
    const stream = await watch(port, '/cameras/slow/stream');
    const first = Date.now();
    await stream.waitForParts(2, 13_000);
    expect(Date.now() - first, 'ms between the two frames').toBeGreaterThanOrEqual(10_500);
    expect(stream.parseError).toBeUndefined();
    expect(stream.closed).toBe(false);
  });

  test('a connection that sends no complete request is closed after about 10 s; a quiet stream is not', {
    timeout: 30_000,
  }, async () => {
    const { port } = await startWithConfig({ cameras: [{ id: 'slow', options: { fps: 0.02 } }] });
    const stream = await watch(port, '/cameras/slow/stream'); // next frame in 50 s
    const silent = await rawConnect(port);
    const partial = await rawConnect(port);
    partial.socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n'); // headers never finished
    const [silentAfter, partialAfter] = await Promise.all([silent.closed, partial.closed]);
    // headersTimeout is 10 s, checked every second: not closed before it ran out.
    expect(silentAfter).toBeGreaterThanOrEqual(9_000);
    expect(partialAfter).toBeGreaterThanOrEqual(9_000);
    // Node answers both with 408 as it closes them: the headers timeout closed them, nothing else.
    expect(partial.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(silent.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    await sleep(2000);
    expect(stream.closed).toBe(false);
    expect(stream.response.destroyed, 'the stream connection is still open').toBe(false);
    expect(stream.response.complete).toBe(false);
  });
});
