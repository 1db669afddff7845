import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { TestCamera, testJpegNumber } from '../src/testing/index.js';
import { advance, flush, patientWatchdogs, recordEvents, track } from './support.js';

// keepRunning(): a standing demand without a viewer, for a consumer of the 'frame' event (a recorder).

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

test('a hold starts the camera and keeps it capturing past the idle timeout, with no viewer', async () => {
  const camera = new TestCamera({ ...patientWatchdogs, interval: 100, idleTimeout: 1000 });
  const events = recordEvents(camera);
  camera.keepRunning();
  await advance(5000);
  expect(camera.state.status).toBe('running');
  expect(camera.state.viewers).toBe(0);
  expect([...camera.viewers()]).toEqual([]);
  expect(events.stops).toEqual([]);
  // Every frame reaches the 'frame' event, in order, none skipped.
  expect(events.frames.length).toBeGreaterThanOrEqual(45);
  expect(events.frames).toEqual(events.frames.map((_, index) => index + 1));
  await camera.close();
});

test('releasing the last hold lets the idle stop count from the release', async () => {
  const camera = new TestCamera({ ...patientWatchdogs, interval: 100, idleTimeout: 1000 });
  const events = recordEvents(camera);
  const first = camera.keepRunning();
  const second = camera.keepRunning();
  await advance(3000);
  first.release();
  first.release(); // twice is harmless: the other hold still stands
  await advance(3000);
  expect(camera.state.status).toBe('running');
  second.release();
  await advance(900);
  expect(camera.state.status).toBe('running');
  await advance(1100);
  expect(camera.state.status).toBe('idle');
  expect(events.stops).toEqual(['idle']);
  expect(camera.isOpen).toBe(false);
  await camera.close();
});

test('after a failure, a held camera retries by itself once the backoff has passed', async () => {
  const camera = new TestCamera({ ...patientWatchdogs, retryInitialDelay: 1000 });
  const events = recordEvents(camera);
  const hold = camera.keepRunning();
  await flush();
  camera.push();
  await flush();
  camera.failNext();
  await flush();
  expect(camera.state.status).toBe('error');
  expect(camera.opens).toBe(1);
  await advance(999);
  expect(camera.opens).toBe(1);
  await advance(1);
  expect(camera.opens).toBe(2);
  camera.push();
  await flush();
  expect(camera.state.status).toBe('running');
  expect(events.frames).toEqual([1, 2]);
  expect(testJpegNumber(camera.latestFrame!.data)).toBe(2);
  hold.release();
  await camera.close();
});

test('stop() with a hold standing restarts at once, as with a waiting viewer', async () => {
  const camera = new TestCamera({ ...patientWatchdogs });
  camera.keepRunning();
  await flush();
  expect(camera.opens).toBe(1);
  await camera.stop();
  await flush();
  expect(camera.opens).toBe(2);
  expect(camera.state.status).toBe('starting');
  await camera.close();
});

test('a hold on a closed camera does nothing, and close() ends a held camera', async () => {
  const camera = new TestCamera({ ...patientWatchdogs, interval: 100 });
  camera.keepRunning();
  await advance(500);
  expect(camera.state.status).toBe('running');
  const closing = track(camera.close());
  await flush();
  expect(closing.settled).toBe(true);
  expect(camera.isOpen).toBe(false);
  const late = camera.keepRunning();
  await advance(1000);
  expect(camera.state.status).toBe('closed');
  expect(camera.opens).toBe(1);
  late.release();
});
