import http from 'node:http';
import { testJpegNumber } from '@cam/core/testing';
import { expect, test, vi } from 'vitest';
import { createSnapshotHandler } from '../src/index.js';
import { Scope, WAIT } from './support.js';

const scope = new Scope();

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  ms: number;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: Buffer.concat(chunks),
          ms: performance.now() - start,
        }),
      );
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${path}`)));
    req.on('error', reject);
  });
}

/** A manual camera that already holds frames 1..3, kept running by a viewer. */
async function runningCamera() {
  const camera = scope.camera({});
  const watcher = camera.subscribe('keeps it running');
  const first = watcher.next();
  camera.push(3);
  await first;
  await vi.waitFor(() => expect(camera.state.framesCaptured === 3, 'three frames').toBe(true), WAIT);
  return camera;
}

test('the ETag names the frame: If-None-Match with the current tag is a 304 without a body', async () => {
  const camera = await runningCamera();
  const server = await scope.serve({ '/snapshot': createSnapshotHandler(camera) });
  const first = await get(server.port, '/snapshot');
  expect(first.status).toBe(200);
  expect(first.headers['x-frame-seq']).toBe('3');
  const etag = first.headers.etag!;

  const unchanged = await get(server.port, '/snapshot', { 'If-None-Match': etag });
  expect(unchanged.status).toBe(304);
  expect(unchanged.body.length).toBe(0);
  expect(unchanged.headers.etag).toBe(etag);

  camera.push();
  await vi.waitFor(() => expect(camera.state.framesCaptured === 4, 'frame 4').toBe(true), WAIT);
  const changed = await get(server.port, '/snapshot', { 'If-None-Match': etag });
  expect(changed.status).toBe(200);
  expect(testJpegNumber(changed.body)).toBe(4);
  expect(changed.headers.etag).not.toBe(etag);
});

test('tags of two handlers (two server runs) never match each other for the same sequence number', async () => {
  const camera = await runningCamera();
  const server = await scope.serve({
    '/a': createSnapshotHandler(camera),
    '/b': createSnapshotHandler(camera),
  });
  const a = await get(server.port, '/a');
  const b = await get(server.port, '/b', { 'If-None-Match': a.headers.etag! });
  expect(b.status).toBe(200);
  expect(a.headers['x-frame-seq']).toBe(b.headers['x-frame-seq']);
});

test('?after=<seq> answers a newer frame at once when there is one', async () => {
  const camera = await runningCamera();
  const server = await scope.serve({ '/snapshot': createSnapshotHandler(camera) });
  const answer = await get(server.port, '/snapshot?after=1');
  expect(answer.status).toBe(200);
  expect(testJpegNumber(answer.body)).toBe(3); // the newest, skipping 2
});

test('?after=<newest seq> waits for the next frame, then answers it', async () => {
  const camera = await runningCamera();
  const server = await scope.serve({ '/snapshot': createSnapshotHandler(camera) });
  const pending = get(server.port, '/snapshot?after=3');
  await new Promise((resolve) => setTimeout(resolve, 150));
  camera.push();
  const answer = await pending;
  expect(answer.status).toBe(200);
  expect(testJpegNumber(answer.body)).toBe(4);
  expect(answer.ms).toBeGreaterThanOrEqual(140);
});

test('?after=<newest seq> answers 304 when no newer frame comes within the timeout', async () => {
  const camera = await runningCamera();
  const server = await scope.serve({ '/snapshot': createSnapshotHandler(camera, { timeout: 200 }) });
  const answer = await get(server.port, '/snapshot?after=3');
  expect(answer.status).toBe(304);
  expect(answer.headers['x-frame-seq']).toBe('3');
  expect(answer.ms).toBeGreaterThanOrEqual(190);
});

test.each([['abc'], ['-1'], ['1.5'], ['%20']])('?after=%j is a 400 naming the parameter', async (after) => {
  const camera = scope.camera({ interval: 10 });
  const server = await scope.serve({ '/snapshot': createSnapshotHandler(camera) });
  const answer = await get(server.port, `/snapshot?after=${after}`);
  expect(answer.status).toBe(400);
  const body = JSON.parse(answer.body.toString());
  expect(body.error).toMatchObject({ code: 'BAD_PARAMETER', parameter: 'after' });
  expect(body.error.message).toMatch(/^parameter "after" must be an integer >= 0, got /);
  expect(camera.opens).toBe(0); // a bad request is no demand
});
