// A camera whose driver goes quiet without an error (a wedged device) fails by core's start or stall
// watchdog: stream viewers must see it as any failure, never hang.
import type { CameraError } from '@cam/core';
import { testJpeg, testJpegNumber } from '@cam/core/testing';
import { expect, test, vi } from 'vitest';
import { createStreamHandler } from '../src/index.js';
import { request, Scope } from './support.js';

const scope = new Scope();

const OFFLINE = testJpeg(999_999);
const OFFLINE_NUMBER = 999_999;

test('no first frame within startTimeout: a stream without offlineFrame is answered 503 with Retry-After', async () => {
  const camera = scope.camera({ startTimeout: 300, retryInitialDelay: 2000 }); // never pushed: it hangs
  const errors: string[] = [];
  const server = await scope.serve({
    '/stream': createStreamHandler(camera, { onError: (error) => errors.push(error.code) }),
  });
  const answer = await request(server.port, '/stream', { timeout: 5000 });
  expect(answer.status).toBe(503);
  expect(answer.headers['retry-after']).toBe('2');
  expect(JSON.parse(answer.body.toString('utf8'))).toEqual({
    error: { code: 'TIMEOUT', message: '[cam] [test] no first frame within 0.3 s' },
  });
  expect(errors).toEqual(['TIMEOUT']);
  expect(camera.state).toMatchObject({ status: 'error', timeouts: 1, viewers: 0 });
});

test('no first frame within startTimeout: with offlineFrame, the stream shows it, then live frames after the retry', async () => {
  const camera = scope.camera({ startTimeout: 300, retryInitialDelay: 100 });
  const reasons: CameraError[] = [];
  const server = await scope.serve({
    '/stream': createStreamHandler(camera, {
      offlineFrame: (error) => {
        reasons.push(error);
        return OFFLINE;
      },
    }),
  });
  const client = await scope.connect(server.port, '/stream');
  await vi.waitFor(() => expect(client.frameNumbers).toEqual([OFFLINE_NUMBER]), { timeout: 5000 });
  expect(client.status).toBe(200);
  expect(reasons[0]).toMatchObject({ code: 'TIMEOUT' });
  // The viewer asked again, which retries the camera: this time the device answers.
  await vi.waitFor(() => expect(camera.opens).toBe(2), { timeout: 5000 });
  camera.push(2);
  await vi.waitFor(() => expect(client.frameNumbers.slice(-2)).toEqual([1, 2]), { timeout: 5000 });
  expect(client.error).toBeUndefined();
  expect(client.closed).toBe(false);
});

test('frames stop for stallTimeout: a running stream gets the offline frame, and live frames again after the retry', async () => {
  const camera = scope.camera({ stallTimeout: 300, retryInitialDelay: 100 });
  const server = await scope.serve({
    '/stream': createStreamHandler(camera, { offlineFrame: () => OFFLINE }),
  });
  const client = await scope.connect(server.port, '/stream');
  await vi.waitFor(() => expect(camera.state.viewers).toBe(1));
  camera.push(2);
  await vi.waitFor(() => expect(client.frameNumbers).toEqual([1, 2]));
  // No more frames: the stall watchdog fails the run.
  await vi.waitFor(() => expect(client.frameNumbers).toEqual([1, 2, OFFLINE_NUMBER]), { timeout: 5000 });
  expect(camera.state).toMatchObject({ timeouts: 1, lastError: { code: 'TIMEOUT' } });
  await vi.waitFor(() => expect(camera.opens).toBe(2), { timeout: 5000 });
  camera.push();
  await vi.waitFor(() => expect(client.frameNumbers).toEqual([1, 2, OFFLINE_NUMBER, 3]), { timeout: 5000 });
  const [viewer] = [...camera.viewers()];
  expect(viewer?.framesSent).toBe(3); // the offline frame is not one of the camera's
});

test('frames stop for stallTimeout: without offlineFrame, a running stream ends with the close delimiter', async () => {
  const camera = scope.camera({ stallTimeout: 300 });
  const server = await scope.serve({ '/stream': createStreamHandler(camera) });
  const client = await scope.connect(server.port, '/stream');
  await vi.waitFor(() => expect(camera.state.viewers).toBe(1));
  camera.push();
  await vi.waitFor(() => expect(client.frameNumbers).toEqual([1]));
  await vi.waitFor(() => expect(client.bodyEnded && client.socketEnded).toBe(true), { timeout: 5000 });
  expect(client.parser.closed).toBe(true);
  expect(client.error).toBeUndefined();
  expect(camera.state.lastError?.code).toBe('TIMEOUT');
  expect(testJpegNumber(client.parts[0]!.body)).toBe(1);
});
