import { expect, test } from 'vitest';
import { FrameClock } from '../src/frame-clock.js';

test('frames are due on a fixed grid, so timer lateness does not lower the rate', () => {
  const clock = new FrameClock(10, 0); // every 100 ms from t = 0
  expect(clock.next(0)).toBe(0);
  expect(clock.next(1)).toBe(99);
  expect(clock.next(130)).toBe(70); // the timer fired 30 ms late: the next frame is still due at 200
  expect(clock.next(205)).toBe(95);
});

test('a slot missed entirely is dropped, not made up in a burst', () => {
  const clock = new FrameClock(10, 0);
  clock.next(0);
  expect(clock.next(350)).toBe(0); // slots 100 and 200 were missed: the frame for 300 goes now
  expect(clock.next(351)).toBe(49); // then back on the grid, at 400
});

test('rejects a rate that is not positive', () => {
  expect(() => new FrameClock(0)).toThrow(RangeError);
});
