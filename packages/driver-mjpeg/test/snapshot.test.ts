import { isCameraError } from '@cam/core';
import { describe, expect, onTestFinished, test, vi } from 'vitest';
import { MjpegCamera } from '../src/index.js';
import { FRAMES, frameIndex, serve } from './support.js';

describe('snapshot URLs', () => {
  test('a URL answering image/jpeg is fetched at snapshotFps, each JPEG passed on unchanged', async () => {
    let served = 0;
    const upstream = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(FRAMES[served++ % FRAMES.length]);
    }, '/snapshot.jpg');
    const cam = new MjpegCamera({ url: upstream.url, snapshotFps: 10 }, { idleTimeout: 300 });
    onTestFinished(() => cam.close());
    const viewer = cam.subscribe();
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push(frameIndex((await viewer.next()).data));
    // Whole and unchanged; in the order served (a viewer slower than the polls may skip one, never repeat).
    expect(seen).not.toContain(-1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]);
    expect(new Set(seen).size).toBe(FRAMES.length);
    viewer.close();
    // Polling stops with the camera: no request after the idle stop.
    await vi.waitFor(() => expect(cam.state.status).toBe('idle'), { timeout: 5000 });
    const after = upstream.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(upstream.requests.length).toBe(after);
    await vi.waitFor(() => expect(upstream.open).toBe(0)); // no request left open
  });

  test('a snapshot that is not a JPEG fails the run with INVALID_FRAME', async () => {
    const upstream = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end('not a jpeg at all');
    });
    const cam = new MjpegCamera({ url: upstream.url }, { idleTimeout: 60_000 });
    onTestFinished(() => cam.close());
    const error = await cam
      .subscribe()
      .next()
      .catch((e: unknown) => e);
    expect(isCameraError(error) && error.code).toBe('INVALID_FRAME');
  });
});
