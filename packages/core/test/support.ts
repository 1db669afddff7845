import { vi } from 'vitest';
import { type BaseCamera, type CameraError, delay, type StopReason } from '../src/index.js';
import { TestCamera, type TestCameraOptions } from '../src/testing/index.js';

/** Runs every pending promise callback (one real event-loop turn) without moving fake time. */
export async function flush(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

/** Moves fake time forward by `ms`, running the timers and promise callbacks due on the way. */
export async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

export interface Tracked<T> {
  readonly settled: boolean;
  readonly value: T | undefined;
  readonly error: unknown;
}

/**
 * Observes a promise without awaiting it, so a test can assert that it is still pending. The handlers
 * are attached at once, so a later rejection is never reported as unhandled.
 */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked = { settled: false, value: undefined as T | undefined, error: undefined as unknown };
  promise.then(
    (value) => {
      tracked.settled = true;
      tracked.value = value;
    },
    (error: unknown) => {
      tracked.settled = true;
      tracked.error = error;
    },
  );
  return tracked;
}

/** Records the events a camera emits, in order. */
export function recordEvents(camera: BaseCamera) {
  const events = {
    starts: 0,
    stops: [] as StopReason[],
    failures: [] as CameraError[],
    viewerCounts: [] as number[],
    frames: [] as number[],
  };
  camera.on('start', () => events.starts++);
  camera.on('stop', (reason) => events.stops.push(reason));
  camera.on('failure', (error) => events.failures.push(error));
  camera.on('viewers', (count) => events.viewerCounts.push(count));
  camera.on('frame', (frame) => events.frames.push(frame.seq));
  return events;
}

/**
 * A TestCamera whose driver takes `releaseDelay` ms (on the global, fakeable clock) to release its
 * device in `finally`, and which counts how many of its generators are open at the same moment.
 */
export class SlowReleaseCamera extends TestCamera {
  open = 0;
  maxOpen = 0;
  readonly releaseDelay: number;

  constructor(options: TestCameraOptions & { releaseDelay?: number } = {}) {
    super(options);
    this.releaseDelay = options.releaseDelay ?? 1000;
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    this.open += 1;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    try {
      yield* super.frames(signal);
    } finally {
      await delay(this.releaseDelay);
      this.open -= 1;
    }
  }
}

/**
 * Camera options for tests whose driver is silent on purpose for longer than the watchdogs allow (it
 * yields only when the test pushes a frame): the start and stall watchdogs stay out of the way. The
 * watchdogs themselves are tested in watchdog.test.ts.
 */
export const patientWatchdogs = { startTimeout: 3_600_000, stallTimeout: 3_600_000 } as const;
