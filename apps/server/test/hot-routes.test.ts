// The stream and snapshot routes are served from node:http's `request` event before express, so their
// `req` and `res` keep Node's own prototypes (express's Object.setPrototypeOf slows every later write of
// a long-lived stream: issue 12); every other route is express's, as before.
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { describe, expect, onTestFinished, test } from 'vitest';
import { configFromEnv } from '../src/config.js';
import { createApp, createCameras } from '../src/index.js';
import { openStream } from './helpers.js';
import { rawGet } from './raw-http.js';

/** The app in this process, on a real socket, noting each request's prototypes after the app took it. */
async function serveApp() {
  const config = configFromEnv({ CAMERA_FPS: '20' });
  const entries = await createCameras(config.cameras);
  const app = createApp(entries, pino({ level: 'silent' }));
  const seen: { url: string; nodeReq: boolean; nodeRes: boolean }[] = [];
  const server = createServer((req, res) => {
    app.listener(req, res);
    seen.push({
      url: req.url!,
      nodeReq: Object.getPrototypeOf(req) === IncomingMessage.prototype,
      nodeRes: Object.getPrototypeOf(res) === ServerResponse.prototype,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    app.close();
    await Promise.all(entries.map((entry) => entry.camera.close()));
  });
  return { port: (server.address() as AddressInfo).port, seen };
}

describe('routes served before express', () => {
  test.each([
    '/video_feed',
    '/?action=stream',
    '/cameras/emulated/stream',
    '/VIDEO_FEED/', // express matches any case and a trailing slash: so do these routes
    '/Cameras/emulated/Stream/',
  ])('stream %s: 200 multipart, with Node’s own req and res', async (path) => {
    const { port, seen } = await serveApp();
    const stream = await openStream(port, path);
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['content-type']).toBe('multipart/x-mixed-replace; boundary=frame');
    await stream.waitForParts(2);
    stream.close();
    expect(seen).toEqual([{ url: path, nodeReq: true, nodeRes: true }]);
  });

  test.each(['/snapshot.jpg', '/?action=snapshot', '/cameras/emulated/snapshot.jpg'])(
    'snapshot %s: one JPEG, with Node’s own req and res',
    async (path) => {
      const { port, seen } = await serveApp();
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await res.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      expect(seen).toEqual([{ url: path, nodeReq: true, nodeRes: true }]);
    },
  );

  test.each(['/', '/api/cameras', '/healthz', '/metrics', '/nope'])(
    '%s is express’s (which gives req and res its prototypes)',
    async (path) => {
      const { port, seen } = await serveApp();
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      await res.arrayBuffer();
      expect(seen).toEqual([{ url: path, nodeReq: false, nodeRes: false }]);
    },
  );

  test('a repeated or unknown ?action is answered by express as before: 400 naming the parameter', async () => {
    const { port } = await serveApp();
    for (const query of ['action=stream&action=snapshot', 'action=record']) {
      const res = await rawGet(port, `/?${query}`, 'localhost');
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).error).toMatchObject({ code: 'BAD_PARAMETER', parameter: 'action' });
    }
  });

  test('HEAD of a stream answers its headers only; POST is a 404 as for any unknown route', async () => {
    const { port } = await serveApp();
    const head = await fetch(`http://127.0.0.1:${port}/video_feed`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('multipart/x-mixed-replace; boundary=frame');
    const post = await fetch(`http://127.0.0.1:${port}/cameras/emulated/stream`, { method: 'POST' });
    expect(post.status).toBe(404);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});
