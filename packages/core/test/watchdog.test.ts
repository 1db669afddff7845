import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { BaseCamera, type CameraOptions, delay, type StopReason } from '../src/index.js';
import { TestCamera, testJpeg } from '../src/testing/index.js';
import { advance, flush, recordEvents, track } from './support.js';

/**
 * How a {@link FaultyCamera}'s driver misbehaves, as real devices do:
 * - `ok`: a frame every `interval` ms;
 * - `hang`: after `framesBeforeHang` frames, waits forever, but honours its abort signal;
 * - `ignore-abort`: after `framesBeforeHang` frames, waits forever, abort or not (a wedged native call);
 * - `finally-never-ends`: frames as `ok`, but its `finally` never finishes (a release that blocks).
 */
type Fault = 'ok' | 'hang' | 'ignore-abort' | 'finally-never-ends';

class FaultyCamera extends BaseCamera {
  /** Applies to the runs that start from now on; a run keeps the fault it started with. */
  fault: Fault;
  framesBeforeHang = 0;
  opens = 0;
  releases = 0;
  readonly #interval: number;
  #frameNumber = 0;

  constructor(fault: Fault, options: CameraOptions & { interval?: number } = {}) {
    super({ name: 'faulty', ...options });
    this.fault = fault;
    this.#interval = options.interval ?? 100;
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    this.opens += 1;
    const fault = this.fault;
    try {
      for (let yielded = 0; ; yielded++) {
        if (yielded >= this.framesBeforeHang) {
          if (fault === 'hang') await untilAborted(signal);
          if (fault === 'ignore-abort') await new Promise(() => {});
        }
        await delay(this.#interval, signal);
        this.#frameNumber += 1;
        yield testJpeg(this.#frameNumber);
      }
    } finally {
      if (fault === 'finally-never-ends') await new Promise(() => {});
      this.releases += 1;
    }
  }
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
  );
}

function recordAbandoned(camera: BaseCamera) {
  const abandoned: { reason: StopReason; waited: number }[] = [];
  camera.on('abandoned', (info) => abandoned.push(info));
  return abandoned;
}

describe('with fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  describe('start timeout', () => {
    test('a driver that yields no first frame within 10 s fails the run with TIMEOUT', async () => {
      const camera = new FaultyCamera('hang');
      const events = recordEvents(camera);
      const waiting = track(camera.subscribe().next());
      await advance(9_999);
      expect(waiting.settled).toBe(false);
      expect(camera.state.status).toBe('starting');
      await advance(1);
      expect(waiting.error).toMatchObject({
        code: 'TIMEOUT',
        message: '[cam] [faulty] no first frame within 10 s',
      });
      expect(camera.state).toMatchObject({
        status: 'error',
        failures: 1,
        timeouts: 1,
        lastError: { code: 'TIMEOUT', message: '[cam] [faulty] no first frame within 10 s', at: Date.now() },
        retryAt: Date.now() + 1000,
      });
      expect(events.failures.map((error) => error.code)).toEqual(['TIMEOUT']);
      expect(events.stops).toEqual(['failed']);
      await flush();
      expect(camera.releases).toBe(1); // the abort ended the driver's wait, and its finally ran
    });

    test('honours startTimeout, and names it in the message', async () => {
      const camera = new FaultyCamera('hang', { startTimeout: 2500 });
      const waiting = track(camera.subscribe().next());
      await advance(2499);
      expect(waiting.settled).toBe(false);
      await advance(1);
      expect(waiting.error).toMatchObject({ code: 'TIMEOUT', detail: 'no first frame within 2.5 s' });
    });

    test('the viewer that asks again gets a frame from a fresh run after the backoff', async () => {
      const camera = new FaultyCamera('hang');
      const viewer = camera.subscribe();
      const failed = track(viewer.next());
      await advance(10_000);
      expect(failed.error).toMatchObject({ code: 'TIMEOUT' });
      camera.fault = 'ok'; // the device recovers
      const again = track(viewer.next());
      await advance(999);
      expect(camera.opens).toBe(1);
      await advance(1 + 100);
      expect(camera.opens).toBe(2);
      expect(again.value?.seq).toBe(1);
      expect(camera.state).toMatchObject({ status: 'running', failures: 0, timeouts: 1 });
    });

    test('timeouts in a row back off like any failure: 1 s, then 2 s', async () => {
      const camera = new FaultyCamera('hang', { startTimeout: 500 });
      const viewer = camera.subscribe();
      track(viewer.next());
      await advance(500);
      track(viewer.next());
      await advance(1000 + 500); // backoff, then a second start that times out
      expect(camera.state).toMatchObject({ failures: 2, timeouts: 2 });
      track(viewer.next());
      await advance(1999);
      expect(camera.opens).toBe(2);
      await advance(1);
      expect(camera.opens).toBe(3);
    });
  });

  describe('stall timeout', () => {
    test('a driver that stops yielding fails the run 5 s after its last frame', async () => {
      const camera = new FaultyCamera('hang');
      camera.framesBeforeHang = 3;
      const viewer = camera.subscribe();
      for (let i = 0; i < 3; i++) {
        const next = viewer.next();
        await advance(100);
        await next;
      }
      const lastFrameAt = camera.state.lastFrameAt!;
      expect(camera.state.status).toBe('running');
      const waiting = track(viewer.next());
      await advance(lastFrameAt + 4999 - Date.now());
      expect(waiting.settled).toBe(false);
      expect(camera.state.status).toBe('running');
      await advance(1);
      expect(waiting.error).toMatchObject({ code: 'TIMEOUT', message: '[cam] [faulty] no frame for 5 s' });
      expect(camera.state).toMatchObject({ status: 'error', failures: 1, timeouts: 1, fps: 0 });
      expect(camera.state.lastError?.code).toBe('TIMEOUT');
    });

    test('fires with no viewer waiting too: a wedged device is a failure, demand or not', async () => {
      const camera = new FaultyCamera('hang', { stallTimeout: 1000 });
      camera.framesBeforeHang = 1;
      const first = camera.subscribe().next();
      await advance(100);
      await first;
      await advance(1000);
      expect(camera.state).toMatchObject({ status: 'error', timeouts: 1 });
    });

    test('allows three average frame intervals when that is longer than stallTimeout', async () => {
      const camera = new FaultyCamera('hang', { interval: 3000, stallTimeout: 5000, idleTimeout: 600_000 });
      camera.framesBeforeHang = 6;
      const viewer = camera.subscribe();
      for (let i = 0; i < 6; i++) {
        const next = viewer.next();
        await advance(3000);
        await next;
      }
      const lastFrameAt = camera.state.lastFrameAt!;
      const waiting = track(viewer.next());
      await advance(lastFrameAt + 8999 - Date.now());
      expect(waiting.settled).toBe(false);
      await advance(1);
      expect(waiting.error).toMatchObject({ code: 'TIMEOUT', detail: 'no frame for 9 s' });
    });

    test('a slow but steady camera never trips it', async () => {
      const camera = new FaultyCamera('ok', { interval: 4000, stallTimeout: 5000, idleTimeout: 600_000 });
      const viewer = camera.subscribe();
      for (let i = 0; i < 30; i++) {
        const next = viewer.next();
        await advance(4000);
        await next;
      }
      expect(camera.state).toMatchObject({ status: 'running', timeouts: 0, failures: 0 });
    });

    test('re-checks with one pending timer, not a new timer per frame', async () => {
      const camera = new TestCamera();
      const viewer = camera.subscribe();
      const first = viewer.next();
      camera.push();
      await first;
      const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
      const clearTimeoutSpy = vi.spyOn(globalThis, 'clearTimeout');
      for (let i = 0; i < 100; i++) {
        const next = viewer.next();
        camera.push();
        await next;
      }
      expect(setTimeoutSpy).not.toHaveBeenCalled();
      expect(clearTimeoutSpy).not.toHaveBeenCalled();
    });
  });

  describe('fps', () => {
    // Twice the interval, and 1 s at least: a process busy for a moment may just not have seen frames.
    test.for([
      { camera: 'a 10 fps camera', interval: 100, frames: 12, quiet: 1000 },
      { camera: 'a slow camera', interval: 800, frames: 4, quiet: 1600 },
    ])('$camera falls to 0 once no frame has come for $quiet ms', async ({ interval, frames, quiet }) => {
      const camera = new FaultyCamera('hang', { interval, stallTimeout: 10_000 });
      camera.framesBeforeHang = frames;
      const viewer = camera.subscribe();
      for (let i = 0; i < frames; i++) {
        const next = viewer.next();
        await advance(interval);
        await next;
      }
      expect(camera.state.fps).toBeCloseTo(1000 / interval, 5);
      await advance(quiet);
      expect(camera.state.fps).toBeCloseTo(1000 / interval, 5);
      await advance(1);
      expect(camera.state.status).toBe('running');
      expect(camera.state.fps).toBe(0);
    });

    test('is 0 when the camera is not running', async () => {
      const camera = new FaultyCamera('ok', { idleTimeout: 1000 });
      const viewer = camera.subscribe();
      for (let i = 0; i < 3; i++) {
        const next = viewer.next();
        await advance(100);
        await next;
      }
      expect(camera.state.fps).toBeGreaterThan(0);
      await camera.stop();
      expect(camera.state.fps).toBe(0);
    });
  });

  describe('stop timeout: runs that do not end are abandoned', () => {
    test('an idle stop of a driver that ignores abort leaves "stopping" after 3 s, and a new demand gets a fresh run', async () => {
      const camera = new FaultyCamera('ignore-abort', { stallTimeout: 600_000 });
      camera.framesBeforeHang = 1;
      const abandoned = recordAbandoned(camera);
      const events = recordEvents(camera);
      const viewer = camera.subscribe();
      const first = viewer.next();
      await advance(100);
      await first;
      await advance(10_000); // idle stop
      expect(camera.state.status).toBe('stopping');
      camera.fault = 'ok';
      await advance(2999);
      expect(camera.state.status).toBe('stopping');
      expect(abandoned).toEqual([]);
      await advance(1);
      expect(camera.state).toMatchObject({ status: 'idle', abandonedRuns: 1 });
      expect(abandoned).toEqual([{ reason: 'idle', waited: 3000 }]);
      expect(events.stops).toEqual(['idle']);
      expect(camera.releases).toBe(0); // it leaked: the driver never finished
      const next = track(viewer.next());
      await advance(100);
      expect(camera.opens).toBe(2);
      expect(next.value?.seq).toBe(2);
      await advance(60_000);
      expect(abandoned).toHaveLength(1); // once per run
    });

    test('a viewer that arrives while such a run is stopping is served by the fresh run', async () => {
      const camera = new FaultyCamera('ignore-abort', { stallTimeout: 600_000 });
      camera.framesBeforeHang = 1;
      const viewer = camera.subscribe();
      const first = viewer.next();
      await advance(100);
      await first;
      await advance(10_000);
      camera.fault = 'ok';
      const waiting = track(viewer.next());
      await advance(3000 + 100);
      expect(waiting.value?.seq).toBe(2);
      expect(camera.opens).toBe(2);
    });

    test('a driver hung before its first frame that ignores abort: TIMEOUT at once, then the retry abandons it', async () => {
      const camera = new FaultyCamera('ignore-abort');
      const abandoned = recordAbandoned(camera);
      const viewer = camera.subscribe();
      const failed = track(viewer.next());
      await advance(10_000);
      expect(failed.error).toMatchObject({ code: 'TIMEOUT' }); // not delayed by the hung driver
      expect(camera.state.status).toBe('error');
      camera.fault = 'ok';
      const again = track(viewer.next());
      await advance(1000); // the retry is due, but the failed run has not ended
      expect(camera.state.status).toBe('stopping');
      expect(camera.opens).toBe(1);
      await advance(2000); // 3 s after the failure asked it to end
      expect(abandoned).toEqual([{ reason: 'failed', waited: 3000 }]);
      expect(camera.opens).toBe(2);
      await advance(100);
      expect(again.value?.seq).toBe(1);
      expect(camera.state).toMatchObject({ status: 'running', abandonedRuns: 1, timeouts: 1 });
    });

    test('a driver whose finally never ends is abandoned too', async () => {
      const camera = new FaultyCamera('finally-never-ends');
      const abandoned = recordAbandoned(camera);
      const viewer = camera.subscribe();
      const first = viewer.next();
      await advance(100);
      await first;
      const stopped = track(camera.stop());
      await advance(2999);
      expect(stopped.settled).toBe(false);
      await advance(1);
      expect(stopped.settled).toBe(true);
      expect(abandoned).toEqual([{ reason: 'idle', waited: 3000 }]);
      expect(camera.state.status).toBe('idle');
    });

    test('close() resolves within stopTimeout whatever the driver does', async () => {
      const camera = new FaultyCamera('ignore-abort', { stopTimeout: 500 });
      const events = recordEvents(camera);
      const abandoned = recordAbandoned(camera);
      const waiting = track(camera.subscribe().next());
      await flush();
      const closed = track(camera.close());
      await advance(499);
      expect(waiting.error).toMatchObject({ code: 'CAMERA_CLOSED' });
      expect(closed.settled).toBe(false);
      await advance(1);
      expect(closed.settled).toBe(true);
      expect(closed.error).toBeUndefined();
      expect(abandoned).toEqual([{ reason: 'closed', waited: 500 }]);
      expect(events.stops).toEqual(['closed']);
      expect(camera.state).toMatchObject({ status: 'closed', abandonedRuns: 1 });
    });

    test('a release slower than stopTimeout is abandoned, one within it is waited for', async () => {
      class SlowRelease extends TestCamera {
        releaseDelay = 0;
        protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
          try {
            yield* super.frames(signal);
          } finally {
            await delay(this.releaseDelay);
          }
        }
      }
      const camera = new SlowRelease({ stopTimeout: 1000 });
      const abandoned = recordAbandoned(camera);
      const viewer = camera.subscribe();
      let next = viewer.next();
      camera.push();
      await next;
      camera.releaseDelay = 900;
      const stopped = track(camera.stop());
      await advance(900);
      expect(stopped.settled).toBe(true);
      expect(abandoned).toEqual([]);

      next = viewer.next();
      camera.push();
      await advance(0);
      await next;
      camera.releaseDelay = 5000;
      const again = track(camera.stop());
      await advance(1000);
      expect(again.settled).toBe(true);
      expect(abandoned).toEqual([{ reason: 'idle', waited: 1000 }]);
    });
  });

  describe('options', () => {
    test('defaults: startTimeout 10 s, stallTimeout 5 s, stopTimeout 3 s', () => {
      const camera = new TestCamera();
      expect([camera.startTimeout, camera.stallTimeout, camera.stopTimeout]).toEqual([10_000, 5000, 3000]);
      expect(camera.state).toMatchObject({ timeouts: 0, abandonedRuns: 0 });
    });

    test.each(['startTimeout', 'stallTimeout', 'stopTimeout'] as const)(
      'throws a TypeError naming %s when it is not a positive number',
      (option) => {
        for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
          expect(() => new TestCamera({ [option]: value })).toThrow(
            new RegExp(`^${option} must be a positive`),
          );
        }
      },
    );
  });
});

describe('with real timers', () => {
  const quick = { startTimeout: 200, stallTimeout: 200, stopTimeout: 200, retryInitialDelay: 20 };

  test.each([
    ['hang', 0],
    ['hang', 2],
    ['ignore-abort', 0],
    ['ignore-abort', 2],
  ] as const)(
    'a driver in mode %s after %i frames releases its viewer with TIMEOUT and recovers',
    async (fault, framesBeforeHang) => {
      const camera = new FaultyCamera(fault, { ...quick, interval: 10 });
      camera.framesBeforeHang = framesBeforeHang;
      const viewer = camera.subscribe();
      try {
        let error: unknown;
        try {
          for (;;) await viewer.next();
        } catch (caught) {
          error = caught;
        }
        expect(error).toMatchObject({ code: 'TIMEOUT' });
        expect(camera.state).toMatchObject({ status: 'error', timeouts: 1, failures: 1, fps: 0 });
        camera.fault = 'ok';
        const frame = await viewer.next(); // the retry, after the failed run ended or was abandoned
        expect(frame.seq).toBe(framesBeforeHang + 1);
        expect(camera.state).toMatchObject({
          status: 'running',
          failures: 0,
          abandonedRuns: fault === 'ignore-abort' ? 1 : 0,
        });
      } finally {
        await camera.close();
      }
    },
  );

  test('close() ends for a driver whose finally never ends', async () => {
    const camera = new FaultyCamera('finally-never-ends', quick);
    const abandoned = recordAbandoned(camera);
    await camera.subscribe().next();
    await camera.close();
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0]?.reason).toBe('closed');
    expect(camera.state).toMatchObject({ status: 'closed', abandonedRuns: 1 });
  });
});
