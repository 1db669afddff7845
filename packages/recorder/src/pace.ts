import { delay } from '@cam/core';

/**
 * Re-emits frames at the pace they were captured (times `speed`): the first at once, each next one when
 * as much time has passed since the first as passed between their captures. Never faster; a slow consumer
 * makes it later, and it does not try to catch up by bursting beyond that.
 */
export async function* pace<T extends { capturedAt: number }>(
  frames: AsyncIterable<T> | Iterable<T>,
  speed = 1,
  signal?: AbortSignal,
): AsyncGenerator<T> {
  if (!(speed > 0) || !Number.isFinite(speed))
    throw new TypeError(`speed must be a positive number, got ${speed}`);
  let origin: { captured: number; wall: number } | undefined;
  for await (const frame of frames) {
    signal?.throwIfAborted();
    if (!origin) origin = { captured: frame.capturedAt, wall: performance.now() };
    const wait = origin.wall + (frame.capturedAt - origin.captured) / speed - performance.now();
    if (wait > 0) await delay(wait, signal);
    yield frame;
  }
}
