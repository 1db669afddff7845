import { afterEach, expect, test, vi } from 'vitest';
import { EmulatedCamera } from '../src/index.js';

afterEach(() => {
  vi.useRealTimers();
});

test("a rate slower than core's stall timeout is no stall: the camera allows three frame intervals", async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }); // file reads stay real
  const camera = new EmulatedCamera({ fps: 0.1 }, { idleTimeout: 600_000 });
  try {
    const viewer = camera.subscribe();
    const first = await viewer.next();
    const second = viewer.next();
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await second).seq).toBe(first.seq + 1);
    expect(camera.state).toMatchObject({ status: 'running', timeouts: 0, failures: 0 });
  } finally {
    await camera.close();
  }
});

test('the stall timeout is three frame intervals when that is longer than 5 s, unless the camera options say', () => {
  expect(new EmulatedCamera().stallTimeout).toBe(5000);
  expect(new EmulatedCamera({ fps: 0.1 }).stallTimeout).toBe(30_000);
  expect(new EmulatedCamera({ fps: 0.1 }, { stallTimeout: 2000 }).stallTimeout).toBe(2000);
});
