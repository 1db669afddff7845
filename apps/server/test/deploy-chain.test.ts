import { readFileSync } from 'node:fs';
import { defaultFrameFiles } from '@cam/driver-emulated';
import { describe, expect, test, vi } from 'vitest';
import { startCam, viewerCount, watch } from './deploy-support.js';

// docs/deploy: an origin cam and two edge cams relaying it with the mjpeg driver. Each edge holds one
// upstream connection however many viewers it has, and lets it go after its idle timeout.

const EMULATED_FRAMES = defaultFrameFiles().map((file) => readFileSync(file));
const VIEWERS_PER_EDGE = 20;

describe('origin → edges → viewers', () => {
  test(`${VIEWERS_PER_EDGE} viewers on each of two edges: the origin sees exactly 2, and none once the edges idle`, async () => {
    const origin = await startCam({ CAMERA: 'emulated', CAMERA_FPS: '30' });
    const source = `http://127.0.0.1:${origin.port}/video_feed`;
    const edges = await Promise.all(
      [1, 2].map(() => startCam({ CAMERA: 'mjpeg', CAMERA_URL: source, IDLE_TIMEOUT: '1' })),
    );
    expect(await viewerCount(origin.port)).toBe(0); // nothing opens an upstream before a viewer comes

    const viewers = edges.flatMap((edge) =>
      Array.from({ length: VIEWERS_PER_EDGE }, () => watch(`http://127.0.0.1:${edge.port}/video_feed`)),
    );
    await vi.waitFor(
      async () => {
        for (const edge of edges) expect(await viewerCount(edge.port)).toBe(VIEWERS_PER_EDGE);
      },
      { timeout: 10_000, interval: 100 },
    );
    // An edge counts its viewers as they subscribe, a moment before its upstream request reaches the origin.
    await vi.waitFor(async () => expect(await viewerCount(origin.port)).toBe(2), {
      timeout: 5000,
      interval: 100,
    });
    await vi.waitFor(
      () => expect(Math.min(...viewers.map((v) => v.frames.length))).toBeGreaterThanOrEqual(10),
      {
        timeout: 10_000,
        interval: 100,
      },
    );
    expect(await viewerCount(origin.port)).toBe(2);
    for (const viewer of viewers) {
      viewer.close();
      expect(viewer.error).toBeUndefined();
      // Relayed unchanged: every frame is one of the emulated camera's own JPEGs, byte for byte.
      for (const frame of viewer.frames)
        expect(EMULATED_FRAMES.some((jpeg) => jpeg.equals(frame))).toBe(true);
    }

    // The viewers left; each edge stops its camera after IDLE_TIMEOUT=1 and closes its upstream.
    await vi.waitFor(async () => expect(await viewerCount(origin.port)).toBe(0), {
      timeout: 10_000,
      interval: 200,
    });
    // (its log line comes through the edge's stdout, possibly a moment after the upstream closed)
    await vi.waitFor(() => {
      for (const edge of edges) {
        expect(
          edge.logs.some((line) => line.msg === 'camera stopped' || /stopped/.test(String(line.msg))),
        ).toBe(true);
      }
    }, 5000);
  });
});
