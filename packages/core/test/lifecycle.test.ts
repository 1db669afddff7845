import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { TestCamera, testJpegNumber } from '../src/testing/index.js';
import { advance, flush, patientWatchdogs, recordEvents, SlowReleaseCamera, track } from './support.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A camera that has delivered its first frame to `viewer`, at fake time 0. */
async function runningCamera(options: ConstructorParameters<typeof TestCamera>[0] = {}) {
  const camera = new TestCamera({ ...patientWatchdogs, ...options });
  const viewer = camera.subscribe();
  const first = viewer.next();
  camera.push();
  await first;
  return { camera, viewer };
}

describe('starting on demand', () => {
  test('subscribing alone does not open the device', async () => {
    const camera = new TestCamera();
    camera.subscribe();
    await advance(1000);
    expect(camera.opens).toBe(0);
    expect(camera.state.status).toBe('idle');
    expect(camera.state.viewers).toBe(1);
  });

  test('the first next() opens the device', async () => {
    const camera = new TestCamera();
    const events = recordEvents(camera);
    track(camera.subscribe().next());
    await flush();
    expect(camera.opens).toBe(1);
    expect(camera.isOpen).toBe(true);
    expect(camera.state.status).toBe('starting');
    expect(camera.state.startedAt).toBe(Date.now());
    expect(events.starts).toBe(1);
  });

  test('publishes the frames the driver yields', async () => {
    const camera = new TestCamera();
    const events = recordEvents(camera);
    const viewer = camera.subscribe();
    const pending = viewer.next();
    camera.push();
    const frame = await pending;
    expect(testJpegNumber(frame.data)).toBe(1);
    expect(frame.seq).toBe(1);
    expect(frame.capturedAt).toBe(Date.now());
    expect(camera.latestFrame).toBe(frame);
    expect(events.frames).toEqual([1]);
    expect(camera.state).toMatchObject({ status: 'running', framesCaptured: 1, lastFrameAt: Date.now() });
  });

  test('a second viewer does not open the device again', async () => {
    const { camera } = await runningCamera();
    track(camera.subscribe().next());
    await flush();
    expect(camera.opens).toBe(1);
  });
});

describe('stopping when idle', () => {
  test('keeps the device open until idleTimeout has passed without demand', async () => {
    const { camera } = await runningCamera();
    await advance(9_999);
    expect(camera.isOpen).toBe(true);
    expect(camera.state.status).toBe('running');
  });

  test('ends the generator after the default idleTimeout of 10 s, so its finally releases the device', async () => {
    const { camera } = await runningCamera();
    const events = recordEvents(camera);
    await advance(10_000);
    expect(camera.releases).toBe(1);
    expect(camera.isOpen).toBe(false);
    expect(events.stops).toEqual(['idle']);
    expect(events.failures).toEqual([]);
    expect(camera.state.status).toBe('idle');
    expect(camera.state.startedAt).toBeUndefined();
  });

  test('forgets the newest frame when it stops', async () => {
    const { camera } = await runningCamera();
    await advance(10_000);
    expect(camera.latestFrame).toBeUndefined();
  });

  test('does not capture frames while idle', async () => {
    const { camera } = await runningCamera();
    await advance(10_000);
    camera.push(2);
    await advance(1000);
    expect(camera.state.framesCaptured).toBe(1);
  });

  test('honours a custom idleTimeout', async () => {
    const { camera } = await runningCamera({ idleTimeout: 500 });
    await advance(499);
    expect(camera.isOpen).toBe(true);
    await advance(1);
    expect(camera.isOpen).toBe(false);
  });

  test('counts idleTimeout from the last demand, not from the start', async () => {
    const { camera, viewer } = await runningCamera();
    await advance(6000);
    const second = viewer.next();
    camera.push();
    await second;
    await advance(9_999);
    expect(camera.isOpen).toBe(true);
    await advance(1);
    expect(camera.isOpen).toBe(false);
  });

  test('the next demand after an idle stop opens the device again', async () => {
    const { camera, viewer } = await runningCamera();
    await advance(10_000);
    const pending = viewer.next();
    await flush();
    expect(camera.opens).toBe(2);
    expect(camera.state.status).toBe('starting');
    camera.push();
    const frame = await pending;
    expect(frame.seq).toBe(2);
    expect(camera.state.status).toBe('running');
  });

  test('a viewer waiting in next() keeps the camera running past idleTimeout', async () => {
    const { camera, viewer } = await runningCamera();
    const waiting = track(viewer.next());
    await advance(35_000);
    expect(camera.isOpen).toBe(true);
    expect(camera.releases).toBe(0);
    expect(camera.state.status).toBe('running');
    camera.push();
    await flush();
    expect(waiting.value?.seq).toBe(2);
  });

  test('once the waiting viewer is served, the camera stops idleTimeout after its last demand', async () => {
    const { camera, viewer } = await runningCamera();
    const waiting = viewer.next();
    await advance(35_000);
    camera.push();
    await waiting;
    await advance(9_999);
    expect(camera.isOpen).toBe(true);
    await advance(1);
    expect(camera.isOpen).toBe(false);
  });
});

describe('stop()', () => {
  test('ends the generator at once, and the next demand restarts it', async () => {
    const { camera, viewer } = await runningCamera();
    const events = recordEvents(camera);
    await camera.stop();
    expect(camera.isOpen).toBe(false);
    expect(events.stops).toEqual(['idle']);
    expect(camera.state.status).toBe('idle');
    track(viewer.next());
    await flush();
    expect(camera.opens).toBe(2);
  });

  test('restarts at once for a viewer that is waiting', async () => {
    const camera = new TestCamera();
    const waiting = track(camera.subscribe().next());
    await flush();
    await camera.stop();
    await flush();
    expect(camera.opens).toBe(2);
    expect(camera.releases).toBe(1);
    camera.push();
    await flush();
    expect(waiting.value?.seq).toBe(1);
  });

  test('a camera restarted for a waiting viewer still stops when idle afterwards', async () => {
    const camera = new TestCamera();
    const viewer = camera.subscribe();
    const waiting = viewer.next();
    await flush();
    await camera.stop();
    camera.push();
    await waiting;
    viewer.close();
    await advance(10_000);
    expect(camera.isOpen).toBe(false);
    expect(camera.state.status).toBe('idle');
  });
});

describe('start and stop are serialized', () => {
  /** A SlowReleaseCamera that served one frame at time 0 and is now releasing its device. */
  async function stoppingCamera() {
    const camera = new SlowReleaseCamera({ ...patientWatchdogs, releaseDelay: 1000 });
    const viewer = camera.subscribe();
    const first = viewer.next();
    camera.push();
    await first;
    await advance(10_000);
    return { camera, viewer };
  }

  test('the camera is "stopping" while the driver releases the device', async () => {
    const { camera } = await stoppingCamera();
    expect(camera.state.status).toBe('stopping');
    expect(camera.open).toBe(1);
    await advance(1000);
    expect(camera.state.status).toBe('idle');
    expect(camera.open).toBe(0);
  });

  test('a viewer arriving while stopping waits for the release before the device opens again', async () => {
    const { camera, viewer } = await stoppingCamera();
    track(viewer.next());
    await advance(999);
    expect(camera.opens).toBe(1);
    expect(camera.state.status).toBe('stopping');
    await advance(1);
    expect(camera.opens).toBe(2);
    expect(camera.maxOpen).toBe(1);
  });

  test('a viewer arriving while stopping gets a frame after the restart', async () => {
    const { camera, viewer } = await stoppingCamera();
    const events = recordEvents(camera);
    const waiting = track(viewer.next());
    await advance(1000);
    camera.push();
    await flush();
    expect(waiting.value?.seq).toBe(2);
    expect(events.stops).toEqual(['idle']);
    expect(events.starts).toBe(1);
    expect(camera.maxOpen).toBe(1);
  });

  test('several viewers arriving while stopping open the device once', async () => {
    const { camera, viewer } = await stoppingCamera();
    const others = [camera.subscribe(), camera.subscribe()];
    track(viewer.next());
    await advance(500);
    for (const other of others) track(other.next());
    await advance(500);
    camera.push();
    await flush();
    expect(camera.opens).toBe(2);
    expect(camera.maxOpen).toBe(1);
  });

  test('stop() while an idle stop is in progress does not open the device twice', async () => {
    const { camera, viewer } = await stoppingCamera();
    const events = recordEvents(camera);
    track(viewer.next());
    const stopped = camera.stop();
    await advance(1000);
    await stopped;
    await flush();
    expect(camera.opens).toBe(2);
    expect(camera.maxOpen).toBe(1);
    expect(events.stops).toEqual(['idle']);
  });

  test('close() while an idle stop is in progress ends for good, reporting "closed"', async () => {
    const { camera, viewer } = await stoppingCamera();
    const events = recordEvents(camera);
    const waiting = track(viewer.next());
    const closed = camera.close();
    await advance(1000);
    await closed;
    expect(camera.opens).toBe(1);
    expect(camera.open).toBe(0);
    expect(events.stops).toEqual(['closed']);
    expect(waiting.error).toMatchObject({ code: 'CAMERA_CLOSED' });
  });
});

describe('state is per instance', () => {
  test('two cameras number their frames independently', async () => {
    const [a, b] = [new TestCamera(), new TestCamera()];
    const [fromA, fromB] = [a.subscribe().next(), b.subscribe().next()];
    a.push();
    b.push();
    const [frameA, frameB] = await Promise.all([fromA, fromB]);
    expect([frameA.seq, frameB.seq]).toEqual([1, 1]);
    expect([testJpegNumber(frameA.data), testJpegNumber(frameB.data)]).toEqual([1, 1]);
  });

  test('a frame from one camera does not reach the viewers of the other', async () => {
    const [a, b] = [new TestCamera(), new TestCamera()];
    const waitingA = track(a.subscribe().next());
    const waitingB = track(b.subscribe().next());
    a.push();
    await flush();
    expect(waitingA.settled).toBe(true);
    expect(waitingB.settled).toBe(false);
    expect(a.state.framesCaptured).toBe(1);
    expect(b.state.framesCaptured).toBe(0);
  });

  test('each camera keeps its own counters and viewers', async () => {
    const [a, b] = [new TestCamera(), new TestCamera()];
    a.subscribe();
    a.subscribe();
    track(b.subscribe().next());
    await flush();
    expect([a.opens, b.opens]).toEqual([0, 1]);
    expect([a.state.viewers, b.state.viewers]).toEqual([2, 1]);
    expect([a.state.status, b.state.status]).toEqual(['idle', 'starting']);
  });

  test('one camera stops when idle while the other keeps running for its waiting viewer', async () => {
    const [a, b] = [new TestCamera(patientWatchdogs), new TestCamera(patientWatchdogs)];
    const [fromA, fromB] = [a.subscribe().next(), b.subscribe()];
    a.push();
    await fromA;
    const waitingB = track(fromB.next());
    await advance(10_000);
    expect(a.isOpen).toBe(false);
    expect(a.state.status).toBe('idle');
    expect(b.isOpen).toBe(true);
    b.push();
    await flush();
    expect(waitingB.value?.seq).toBe(1);
  });

  test('the default name is per class, and a name can be given per instance', () => {
    expect(new TestCamera().name).toBe('test');
    expect(new TestCamera({ name: 'porch' }).name).toBe('porch');
  });
});

describe('constructor options', () => {
  test.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])(
    'throws a TypeError for idleTimeout %s',
    (value) => {
      expect(() => new TestCamera({ idleTimeout: value })).toThrow(TypeError);
      expect(() => new TestCamera({ idleTimeout: value })).toThrow(/idleTimeout must be a positive number/);
    },
  );

  test.each(['viewerTimeout', 'retryInitialDelay', 'retryMaxDelay'] as const)(
    'throws a TypeError naming %s when it is not positive',
    (option) => {
      expect(() => new TestCamera({ [option]: 0 })).toThrow(new RegExp(`^${option} must be a positive`));
    },
  );

  test('exposes idleTimeout, default 10 000 ms', () => {
    expect(new TestCamera().idleTimeout).toBe(10_000);
    expect(new TestCamera({ idleTimeout: 250 }).idleTimeout).toBe(250);
  });
});
