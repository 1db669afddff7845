import { expect, test } from 'vitest';
import { createSnapshotHandler, createStreamHandler } from '../src/index.js';
import { request, Scope } from './support.js';

const scope = new Scope();

test('HEAD on the stream answers the stream headers and ends, instead of streaming forever', async () => {
  const camera = scope.camera({ interval: 10 });
  const server = await scope.serve({ '/stream': createStreamHandler(camera) });
  const response = await request(server.port, '/stream', { method: 'HEAD', timeout: 3000 });
  expect(response.status).toBe(200);
  expect(response.headers['content-type']).toBe('multipart/x-mixed-replace; boundary=frame');
  expect(response.body.length).toBe(0);
});

test('Retry-After tells when the camera will retry, following its backoff', async () => {
  // Three failed opens in a row: retries after 4 s, 8 s, 16 s... (retryInitialDelay 4000).
  const camera = scope.camera({ interval: 10, failOpens: 3, retryInitialDelay: 4000 });
  const server = await scope.serve({ '/snapshot': createSnapshotHandler(camera) });
  const first = await request(server.port, '/snapshot');
  expect(first.status).toBe(503);
  expect(Number(first.headers['retry-after'])).toBe(4);
  expect(camera.state.retryAt).toBeGreaterThan(Date.now() + 3000);
});
