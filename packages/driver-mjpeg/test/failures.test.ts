import { isCameraError } from '@cam/core';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { MjpegCamera } from '../src/index.js';
import { CAM_STYLE, FRAMES, frameIndex, part, serve, streamFrames } from './support.js';

/** A camera that fails fast and retries fast, so that the tests see a retry within a second or two. */
function camera(url: string): MjpegCamera {
  const camera = new MjpegCamera(
    { url },
    { idleTimeout: 60_000, startTimeout: 1500, stallTimeout: 600, retryInitialDelay: 50, retryMaxDelay: 200 },
  );
  onTestFinished(() => camera.close());
  return camera;
}

/** The error `promise` rejects with, as a CameraError. */
async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => expect.fail('expected a failure'),
    (error: unknown) => error,
  );
  if (!isCameraError(error)) throw error;
  return error;
}

describe('failing upstreams: a clear error, a retry, never a hang nor a garbled frame', () => {
  test('a stream that stalls fails with TIMEOUT, is closed, and is retried', async () => {
    const upstream = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=frame' });
      res.write(part(FRAMES[0]!, CAM_STYLE)); // then nothing more
    });
    const cam = camera(upstream.url);
    const viewer = cam.subscribe();
    expect(frameIndex((await viewer.next()).data)).toBe(0);
    const error = await failure(viewer.next());
    expect(error.code).toBe('TIMEOUT');
    await vi.waitFor(() => expect(upstream.open).toBe(0), { timeout: 5000 });
    // The next demand retries: a new connection, and its frame.
    expect(frameIndex((await cam.subscribe().next()).data)).toBe(0);
    expect(upstream.requests).toHaveLength(2);
  });

  test('a stream closed in the middle of a frame fails with SOURCE_ENDED; the half frame is never passed on', async () => {
    const upstream = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=frame' });
      const second = part(FRAMES[1]!, CAM_STYLE);
      res.write(part(FRAMES[0]!, CAM_STYLE));
      res.write(second.subarray(0, second.length / 2), () => setTimeout(() => res.destroy(), 50));
    });
    const cam = camera(upstream.url);
    const published: Buffer[] = [];
    cam.on('frame', (frame) => published.push(frame.data));
    const viewer = cam.subscribe();
    expect(frameIndex((await viewer.next()).data)).toBe(0);
    const error = await failure(viewer.next());
    expect(error.code).toBe('SOURCE_ENDED');
    expect(error.message).toMatch(/closed the stream after 1 frames, in the middle of a frame/);
    expect(error.message).toContain(`http://127.0.0.1:${new URL(upstream.url).port}/stream`);
    // Retried on the next demand; every frame ever published is one the upstream sent whole.
    await cam.subscribe().next();
    expect(upstream.requests.length).toBeGreaterThanOrEqual(2);
    expect(published.map(frameIndex)).not.toContain(-1);
  });

  test('a stream without lengths cut inside a frame and followed by a delimiter is garbled: INVALID_FRAME', async () => {
    const style = { ...CAM_STYLE, contentLength: false };
    const upstream = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=frame' });
      // Cut inside the entropy-coded data, just before the end of the image.
      const cut = part(FRAMES[2]!, style).subarray(0, -8);
      res.write(part(FRAMES[0]!, style));
      setTimeout(() => res.write(Buffer.concat([cut, part(FRAMES[2]!, style)])), 50);
    });
    const cam = camera(upstream.url);
    const viewer = cam.subscribe();
    expect(frameIndex((await viewer.next()).data)).toBe(0);
    const error = await failure(viewer.next());
    expect(error.code).toBe('INVALID_FRAME');
    expect(error.message).toMatch(/broken JPEG/);
  });

  test('a part that is not what its Content-Length says fails with INVALID_FRAME', async () => {
    const upstream = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=frame' });
      res.write(part(FRAMES[0]!, CAM_STYLE));
      // Later, so that the first part has been read: a stream that parsed once is held to its form.
      const bad = `--frame\r\nContent-Type: image/jpeg\r\nContent-Length: 10\r\n\r\n${'x'.repeat(40)}\r\n`;
      setTimeout(() => res.write(bad), 50);
    });
    const viewer = camera(upstream.url).subscribe();
    expect(frameIndex((await viewer.next()).data)).toBe(0);
    const error = await failure(viewer.next());
    expect(error.code).toBe('INVALID_FRAME');
    expect(error.message).toMatch(/garbled/);
  });

  test('text/html instead of a stream: INVALID_FRAME saying what it got, retried on the next demand', async () => {
    const upstream = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<html>camera login</html>');
    });
    const cam = camera(upstream.url);
    const error = await failure(cam.subscribe().next());
    expect(error.code).toBe('INVALID_FRAME');
    expect(error.message).toMatch(
      /answered with Content-Type "text\/html; charset=utf-8", not a Motion-JPEG/,
    );
    expect(error.message).toMatch(/web page/);
    await failure(cam.subscribe().next());
    expect(upstream.requests.length).toBeGreaterThanOrEqual(2);
  });

  test('404: DEVICE_NOT_FOUND; a refused connection: DEVICE_NOT_FOUND', async () => {
    const upstream = await serve((_req, res) => res.writeHead(404).end());
    expect((await failure(camera(upstream.url).subscribe().next())).code).toBe('DEVICE_NOT_FOUND');
    const closed = await serve(() => {});
    const port = new URL(closed.url).port;
    const refused = camera(`http://127.0.0.1:${Number(port) === 1 ? 2 : 1}/stream`);
    const error = await failure(refused.subscribe().next());
    expect(error.code).toBe('DEVICE_NOT_FOUND');
    expect(error.message).toMatch(/refused the connection/);
  });

  test('an upstream that recovers: frames flow again after the retry', async () => {
    let calls = 0;
    const stream = streamFrames(CAM_STYLE);
    const upstream = await serve((req, res) => {
      if (calls++ === 0) res.writeHead(503).end();
      else stream(req, res);
    });
    const cam = camera(upstream.url);
    expect((await failure(cam.subscribe().next())).message).toMatch(/answered 503/);
    expect(frameIndex((await cam.subscribe().next()).data)).not.toBe(-1);
    expect(cam.state.status).toBe('running');
  });
});
