import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { jpegDimensions } from '../src/index.js';
import { TestCamera, testJpeg } from '../src/testing/index.js';
import { advance, flush } from './support.js';

describe('jpegDimensions', () => {
  test('reads the size from the start-of-frame segment, past comment segments', () => {
    expect(jpegDimensions(testJpeg(1, 70_000))).toEqual({ width: 16, height: 16 });
  });

  test('is undefined for something that is not a JPEG, or is cut before its frame header', () => {
    expect(jpegDimensions(Buffer.from('not a jpeg at all'))).toBeUndefined();
    expect(jpegDimensions(testJpeg(1).subarray(0, 30))).toBeUndefined();
    // an end-of-image marker before any frame header
    expect(jpegDimensions(Buffer.from([0xff, 0xd8, 0xff, 0xd9, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined();
  });
});

describe('state.fps', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('follows the capture rate, and is 0 once the camera stopped', async () => {
    const camera = new TestCamera({ interval: 40, idleTimeout: 1000 });
    const viewer = camera.subscribe();
    const reading = (async () => {
      for (let i = 0; i < 30; i++) await viewer.next();
    })();
    await advance(40 * 31);
    await reading;
    expect(camera.state.fps).toBeCloseTo(25, 0);
    viewer.close();
    await advance(2000);
    await flush();
    expect(camera.state.status).toBe('idle');
    expect(camera.state.fps).toBe(0);
    await camera.close();
  });
});

describe('maxFps', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("publishes at most maxFps frames per second, dropping the driver's extra frames", async () => {
    const camera = new TestCamera({ interval: 10, maxFps: 20 }); // the driver yields 100 fps
    const viewer = camera.subscribe();
    const seen: number[] = [];
    const reading = (async () => {
      for (;;) {
        const frame = await viewer.next().catch(() => undefined);
        if (!frame) return;
        seen.push(frame.capturedAt);
      }
    })();
    await advance(2000);
    viewer.close();
    await reading;
    expect(camera.state.framesCaptured).toBeGreaterThanOrEqual(38);
    expect(camera.state.framesCaptured).toBeLessThanOrEqual(42);
    for (let i = 1; i < seen.length; i++) expect(seen[i]! - seen[i - 1]!).toBeGreaterThanOrEqual(45);
    await camera.close();
  });

  test('rejects a maxFps that is not a positive number', () => {
    expect(() => new TestCamera({ maxFps: 0 })).toThrow(/maxFps must be a positive number/);
  });
});
