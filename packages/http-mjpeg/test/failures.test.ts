import type { IncomingMessage } from 'node:http';
import type { CameraError } from '@cam/core';
import { expect, test, vi } from 'vitest';
import { createStreamHandler } from '../src/index.js';
import { type RawClient, type RawClientOptions, request, Scope, WAIT } from './support.js';

const scope = new Scope();

const RETRY = 150;

function recordErrors() {
  const errors: Array<{ code: string; url: string | undefined }> = [];
  const onError = (error: CameraError, req: IncomingMessage) =>
    errors.push({ code: error.code, url: req.url });
  return { errors, onError };
}

test('a driver that fails to open: 503 JSON with Retry-After at once, then frames after the backoff', async () => {
  const camera = scope.camera({ interval: 10, failOpens: 1, retryInitialDelay: RETRY });
  const failedAt: number[] = [];
  const startedAt: number[] = [];
  camera.on('failure', () => failedAt.push(Date.now()));
  camera.on('start', () => startedAt.push(Date.now()));
  const { errors, onError } = recordErrors();
  const server = await scope.serve({ '/stream': createStreamHandler(camera, { onError }) });

  // Answered, not left hanging: a request still open after its timeout rejects.
  const failed = await request(server.port, '/stream?first', { timeout: 3000 });
  expect(failed.status).toBe(503);
  expect(failed.headers['content-type']).toMatch(/^application\/json\b/);
  expect(failed.headers['retry-after']).toMatch(/^\d+$/);
  expect(failed.headers['cache-control']).toContain('no-store');
  expect(Number(failed.headers['content-length'])).toBe(failed.body.length);
  const json = JSON.parse(failed.body.toString('utf8'));
  expect(json).toEqual({
    error: { code: 'DRIVER_FAILED', message: expect.stringContaining('injected open failure') },
  });
  expect(errors).toEqual([{ code: 'DRIVER_FAILED', url: '/stream?first' }]);
  expect(camera.state.status).toBe('error');
  expect(camera.state.viewers).toBe(0);

  // The next request is served: the camera retries once the backoff has passed.
  const client = await scope.connect(server.port, '/stream?second');
  await vi.waitFor(() => expect(client.parts.length >= 2, 'frames after the retry').toBe(true), {
    ...WAIT,
    timeout: 3000,
  });
  expect(client.status).toBe(200);
  expect(client.error).toBeUndefined();
  expect(camera.opens).toBe(2);
  expect(startedAt).toHaveLength(2);
  expect(startedAt[1]! - failedAt[0]!).toBeGreaterThanOrEqual(RETRY - 5);
  expect(camera.state.failures).toBe(0);
  expect(errors).toHaveLength(1);
});

test('a driver that fails mid-stream ends every open stream with the close delimiter; a new request retries', async () => {
  const camera = scope.camera({ retryInitialDelay: RETRY });
  const { errors, onError } = recordErrors();
  const server = await scope.serve({ '/stream': createStreamHandler(camera, { onError }) });
  const clients: RawClient[] = [];
  const feeds: RawClientOptions['feed'][] = ['whole', 'bytes', [5, 3]];
  for (const feed of feeds) clients.push(await scope.connect(server.port, '/stream', { feed }));
  await vi.waitFor(() => expect(camera.state.viewers === 3, 'three viewers').toBe(true), WAIT);
  camera.push(2);
  await vi.waitFor(
    () =>
      expect(
        clients.every((client) => client.parts.length === 2),
        'two frames on every client',
      ).toBe(true),
    WAIT,
  );

  camera.failNext(new Error('device unplugged'));
  // Each client sees its response end the close delimiter, then the connection end, which ends the (close-delimited) body.
  await vi.waitFor(
    () =>
      expect(
        clients.every((client) => client.bodyEnded && client.socketEnded),
        'every stream to end',
      ).toBe(true),
    { ...WAIT, timeout: 3000 },
  );
  for (const client of clients) {
    expect(client.error).toBeUndefined();
    expect(client.status).toBe(200);
    expect(client.parser.closed).toBe(true);
    expect(client.bodyTail.toString('latin1').endsWith('--frame--\r\n')).toBe(true);
    expect(client.frameNumbers).toEqual([1, 2]);
    expect(client.extraBytes).toBe(0);
  }
  expect(errors.map((error) => error.code)).toEqual(['DRIVER_FAILED', 'DRIVER_FAILED', 'DRIVER_FAILED']);
  expect(camera.state.status).toBe('error');
  expect(camera.state.lastError?.message).toContain('device unplugged');
  await vi.waitFor(() => expect(camera.state.viewers === 0, 'the failed viewers to leave').toBe(true), WAIT);
  expect(camera.isOpen).toBe(false);

  // A new request gets frames again: the retry opens the driver after the backoff.
  const again = await scope.connect(server.port, '/stream');
  await vi.waitFor(() => expect(camera.opens === 2, 'the retry to open the driver').toBe(true), {
    ...WAIT,
    timeout: 3000,
  });
  camera.push();
  await vi.waitFor(() => expect(again.parts.length === 1, 'a frame after the retry').toBe(true), WAIT);
  expect(again.status).toBe(200);
  expect(again.frameNumbers).toEqual([3]);
  expect(again.error).toBeUndefined();
});
