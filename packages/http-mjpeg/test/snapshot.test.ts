import { testJpegNumber } from '@cam/core/testing';
import { expect, test, vi } from 'vitest';
import { createSnapshotHandler } from '../src/index.js';
import { isWholeJpeg, recordFrames, request, Scope, WAIT } from './support.js';

const scope = new Scope();

test('answers 200 image/jpeg with Content-Length and the newest frame of a running camera', async () => {
  const camera = scope.camera({ frameSize: 20_000 });
  const produced = recordFrames(camera);
  const server = await scope.serve({ '/snapshot': createSnapshotHandler(camera) });
  const watcher = camera.subscribe('keeps it running');
  const first = watcher.next();
  camera.push(3);
  await first;
  await vi.waitFor(() => expect(camera.state.framesCaptured === 3, 'three frames').toBe(true), WAIT);

  const response = await request(server.port, '/snapshot');
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('image/jpeg');
  expect(response.headers['content-length']).toBe(String(produced.get(3)!.data.length));
  expect(response.headers['cache-control']).toContain('no-cache');
  // Storable, but revalidated every time: the ETag then makes an unchanged frame a 304.
  expect(response.headers['cache-control']).toBe('no-cache');
  expect(response.headers.etag).toMatch(/^"[\w-]+-\d+"$/);
  expect(response.body.equals(produced.get(3)!.data)).toBe(true);
  expect(camera.opens).toBe(1);
  expect(camera.state.viewers).toBe(1); // the snapshot's own viewer has left

  camera.push();
  await vi.waitFor(() => expect(camera.state.framesCaptured === 4, 'frame 4').toBe(true), WAIT);
  const newer = await request(server.port, '/snapshot');
  expect(testJpegNumber(newer.body)).toBe(4);
});

test('starts an idle camera and answers its first frame', async () => {
  const camera = scope.camera({ interval: 10 });
  const produced = recordFrames(camera);
  const server = await scope.serve({ '/snapshot': createSnapshotHandler(camera) });
  expect(camera.state.status).toBe('idle');
  expect(camera.opens).toBe(0);

  const response = await request(server.port, '/snapshot', { timeout: 3000 });
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('image/jpeg');
  expect(isWholeJpeg(response.body)).toBe(true);
  expect(testJpegNumber(response.body)).toBe(1);
  expect(response.body.equals(produced.get(1)!.data)).toBe(true);
  expect(Number(response.headers['content-length'])).toBe(response.body.length);
  expect(camera.opens).toBe(1);
});

test('answers 503 JSON with Retry-After when the camera fails to open', async () => {
  const camera = scope.camera({ interval: 10, failOpens: 5 });
  const server = await scope.serve({ '/snapshot': createSnapshotHandler(camera) });

  const response = await request(server.port, '/snapshot', { timeout: 3000 });
  expect(response.status).toBe(503);
  expect(response.headers['content-type']).toMatch(/^application\/json\b/);
  expect(response.headers['retry-after']).toMatch(/^\d+$/);
  expect(JSON.parse(response.body.toString('utf8'))).toEqual({
    error: { code: 'DRIVER_FAILED', message: expect.stringContaining('injected open failure') },
  });
  expect(camera.opens).toBe(1);
});

test("answers 503 TIMEOUT when no frame comes within the handler's timeout", async () => {
  const camera = scope.camera(); // manual, and nothing is pushed
  const server = await scope.serve({ '/snapshot': createSnapshotHandler(camera, { timeout: 150 }) });

  const sentAt = Date.now();
  const response = await request(server.port, '/snapshot', { timeout: 3000 });
  const took = Date.now() - sentAt;
  expect(response.status).toBe(503);
  expect(response.headers['retry-after']).toBeDefined();
  const json = JSON.parse(response.body.toString('utf8'));
  expect(json.error.code).toBe('TIMEOUT');
  expect(typeof json.error.message).toBe('string');
  expect(took).toBeGreaterThanOrEqual(140); // it waited for the handler's timeout (the request's own is 3 s)
  expect(camera.opens).toBe(1); // it did try: the camera started and is still waiting for a frame
  expect(camera.state.viewers).toBe(0);
});

test('HEAD answers the headers of a snapshot and no body', async () => {
  const camera = scope.camera({ interval: 10, frameSize: 3000 });
  const produced = recordFrames(camera);
  const server = await scope.serve({ '/snapshot': createSnapshotHandler(camera) });

  // A raw client, so that body bytes the server sent after the head could not go unnoticed.
  const client = await scope.connect(server.port, '/snapshot', { method: 'HEAD' });
  await vi.waitFor(() => expect(client.closed, 'the server to answer and close').toBe(true), {
    ...WAIT,
    timeout: 3000,
  });
  expect(client.error).toBeUndefined();
  expect(client.status).toBe(200);
  expect(client.headers['content-type']).toBe('image/jpeg');
  const frame = produced.get(1)!;
  expect(client.headers['content-length']).toBe(String(frame.data.length));
  expect(client.bodyBytes).toBe(0);
  expect(client.extraBytes).toBe(0);

  // And with node:http.
  const response = await request(server.port, '/snapshot', { method: 'HEAD' });
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('image/jpeg');
  expect(Number(response.headers['content-length'])).toBeGreaterThanOrEqual(3000);
  expect(response.body.length).toBe(0);
});
