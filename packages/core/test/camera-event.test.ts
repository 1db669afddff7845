import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { CameraError, CameraEvent, type Frame } from '../src/index.js';
import { TestCamera, testJpeg } from '../src/testing/index.js';
import { advance, flush, patientWatchdogs, recordEvents, track } from './support.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A camera whose `viewer` has received frame 1, at fake time 0. */
async function cameraWithViewer() {
  const camera = new TestCamera();
  const viewer = camera.subscribe('first');
  const first = viewer.next();
  camera.push();
  await first;
  return { camera, viewer };
}

describe('frames reach each viewer once, newest first', () => {
  test('a viewer never receives the same frame twice', async () => {
    const { viewer } = await cameraWithViewer();
    const again = track(viewer.next());
    await advance(1000);
    expect(again.settled).toBe(false);
  });

  test('the sequence numbers a viewer receives strictly increase', async () => {
    const { camera, viewer } = await cameraWithViewer();
    const seqs = [viewer.lastSeq];
    for (const burst of [1, 2, 1, 3, 1]) {
      const next = viewer.next();
      camera.push(burst);
      seqs.push((await next).seq);
      await flush();
    }
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number);
  });

  test('a viewer faster than the camera waits in next() until the next frame', async () => {
    const { camera, viewer } = await cameraWithViewer();
    const waiting = track(viewer.next());
    await flush();
    expect(waiting.settled).toBe(false);
    expect(viewer.isWaiting).toBe(true);
    camera.push();
    await flush();
    expect(waiting.value?.seq).toBe(2);
    expect(viewer.isWaiting).toBe(false);
  });

  test('a viewer slower than the camera gets the newest frame next and counts the ones it skipped', async () => {
    const { camera, viewer } = await cameraWithViewer();
    camera.push(3);
    await flush();
    expect(camera.latestFrame?.seq).toBe(4);
    const frame = await viewer.next();
    expect(frame.seq).toBe(4);
    expect(frame).toBe(camera.latestFrame);
    expect(viewer.framesSkipped).toBe(2);
    expect(viewer.framesReceived).toBe(2);
  });

  test('a new viewer gets the newest existing frame at once', async () => {
    const { camera } = await cameraWithViewer();
    camera.push(2);
    await flush();
    const latecomer = track(camera.subscribe('late').next());
    await Promise.resolve();
    expect(latecomer.value).toBe(camera.latestFrame);
    expect(latecomer.value?.seq).toBe(3);
  });

  test('a new viewer skips nothing for the frames before it arrived', async () => {
    const { camera } = await cameraWithViewer();
    camera.push(2);
    await flush();
    const latecomer = camera.subscribe();
    await latecomer.next();
    expect(latecomer.framesSkipped).toBe(0);
  });

  test('every waiting viewer receives the same Frame object', async () => {
    const { camera, viewer } = await cameraWithViewer();
    const other = camera.subscribe();
    await other.next();
    const [a, b] = [viewer.next(), other.next()];
    camera.push();
    const [frameA, frameB] = await Promise.all([a, b]);
    expect(frameA).toBe(frameB);
  });

  test('a second next() before the first settles throws a TypeError', async () => {
    const { viewer } = await cameraWithViewer();
    track(viewer.next());
    expect(() => viewer.next()).toThrow(TypeError);
  });
});

describe('viewers that leave', () => {
  test('close() forgets the viewer at once', async () => {
    const { camera, viewer } = await cameraWithViewer();
    camera.subscribe();
    const events = recordEvents(camera);
    viewer.close();
    expect(events.viewerCounts).toEqual([1]);
    expect(camera.state.viewers).toBe(1);
    expect([...camera.viewers()]).not.toContain(viewer);
    expect(viewer.closed).toBe(true);
  });

  test('close() rejects a pending next() with CAMERA_CLOSED', async () => {
    const { viewer } = await cameraWithViewer();
    const waiting = track(viewer.next());
    viewer.close();
    await flush();
    expect(waiting.error).toBeInstanceOf(CameraError);
    expect(waiting.error).toMatchObject({ code: 'CAMERA_CLOSED' });
  });

  test('next() on a closed viewer rejects with CAMERA_CLOSED', async () => {
    const { viewer } = await cameraWithViewer();
    viewer.close();
    await expect(viewer.next()).rejects.toMatchObject({ code: 'CAMERA_CLOSED' });
  });

  test('closing a viewer twice reports the departure once', async () => {
    const { camera, viewer } = await cameraWithViewer();
    const events = recordEvents(camera);
    viewer.close();
    viewer.close();
    expect(events.viewerCounts).toEqual([0]);
  });

  test('subscribing reports the new viewer count', () => {
    const camera = new TestCamera();
    const events = recordEvents(camera);
    camera.subscribe('a');
    const b = camera.subscribe('b');
    expect(events.viewerCounts).toEqual([1, 2]);
    expect(b.label).toBe('b');
    expect([...camera.viewers()].map((viewer) => viewer.label)).toEqual(['a', 'b']);
  });
});

describe('viewers that stop asking', () => {
  /**
   * `silent` received frame 1 at time 0 and asks no more; `active` waits in next() all along, which
   * keeps the camera running. Each `publish()` captures one frame and re-arms `active`.
   */
  async function withSilentViewer(viewerTimeout?: number) {
    const camera = new TestCamera({
      ...patientWatchdogs,
      ...(viewerTimeout === undefined ? {} : { viewerTimeout }),
    });
    const silent = camera.subscribe('silent');
    const active = camera.subscribe('active');
    const first = Promise.all([silent.next(), active.next()]);
    camera.push();
    await first;
    let pending = active.next();
    const publish = async () => {
      camera.push();
      await pending;
      pending = active.next();
    };
    return { camera, silent, active, publish };
  }

  test('is kept while a frame is published within 5 s of its last ask', async () => {
    const { camera, publish } = await withSilentViewer();
    await advance(5000);
    await publish();
    expect(camera.state.viewers).toBe(2);
  });

  test('is not dropped until a frame is published', async () => {
    const { camera } = await withSilentViewer();
    await advance(20_000);
    expect(camera.state.viewers).toBe(2);
  });

  test('is dropped by the first frame published more than 5 s after its last ask', async () => {
    const { camera, silent, publish } = await withSilentViewer();
    const events = recordEvents(camera);
    await advance(5001);
    await publish();
    expect(camera.state.viewers).toBe(1);
    expect([...camera.viewers()]).not.toContain(silent);
    expect(events.viewerCounts).toEqual([1]);
  });

  test('honours a custom viewerTimeout', async () => {
    const { camera, publish } = await withSilentViewer(200);
    await advance(201);
    await publish();
    expect(camera.state.viewers).toBe(1);
  });

  test('a dropped viewer re-joins when it asks again, and gets the newest frame', async () => {
    const { camera, silent, publish } = await withSilentViewer();
    await advance(5001);
    await publish();
    const frame = await silent.next();
    expect(camera.state.viewers).toBe(2);
    expect([...camera.viewers()]).toContain(silent);
    expect(frame).toBe(camera.latestFrame);
    expect(silent.closed).toBe(false);
  });

  test('a viewer waiting in next() is never dropped for silence', async () => {
    const { camera, active, publish } = await withSilentViewer();
    await advance(60_000);
    await publish();
    expect([...camera.viewers()]).toContain(active);
  });
});

describe('for await over a viewer', () => {
  test('yields frames in order', async () => {
    const camera = new TestCamera();
    const viewer = camera.subscribe();
    const seqs: number[] = [];
    camera.push();
    for await (const frame of viewer) {
      seqs.push(frame.seq);
      if (seqs.length === 3) break;
      camera.push();
    }
    expect(seqs).toEqual([1, 2, 3]);
  });

  test('closes the viewer when the loop breaks', async () => {
    const camera = new TestCamera();
    const viewer = camera.subscribe();
    camera.push();
    for await (const _frame of viewer) break;
    expect(viewer.closed).toBe(true);
    expect(camera.state.viewers).toBe(0);
  });

  test('ends quietly when the viewer is closed while the loop waits', async () => {
    const camera = new TestCamera();
    const viewer = camera.subscribe();
    const seqs: number[] = [];
    const loop = (async () => {
      for await (const frame of viewer) seqs.push(frame.seq);
    })();
    camera.push();
    await flush();
    viewer.close();
    await expect(loop).resolves.toBeUndefined();
    expect(seqs).toEqual([1]);
  });
});

describe('CameraEvent on its own', () => {
  function frame(seq: number): Frame {
    return { seq, data: testJpeg(seq), capturedAt: Date.now() };
  }

  function hub(viewerTimeout?: number) {
    const hooks = { demands: 0, counts: [] as number[] };
    const event = new CameraEvent(
      { onDemand: () => hooks.demands++, onViewerCountChange: (count) => hooks.counts.push(count) },
      viewerTimeout === undefined ? {} : { viewerTimeout },
    );
    return { event, hooks };
  }

  test('subscribe() is not demand; next() is', () => {
    const { event, hooks } = hub();
    const viewer = event.subscribe();
    expect(hooks.demands).toBe(0);
    track(viewer.next());
    expect(hooks.demands).toBe(1);
  });

  test('publish() gives a frame only to waiters that have not seen its seq', async () => {
    const { event } = hub();
    const poller = event.subscribe();
    poller.lastSeq = 5; // e.g. a snapshot with ?after=5
    const plain = event.subscribe();
    const fromPoller = track(poller.next());
    const fromPlain = track(plain.next());
    event.publish(frame(2));
    await flush();
    expect(fromPlain.value?.seq).toBe(2);
    expect(fromPoller.settled).toBe(false);
    expect(poller.isWaiting).toBe(true);
    event.publish(frame(5));
    await flush();
    expect(fromPoller.settled).toBe(false);
    event.publish(frame(6));
    await flush();
    expect(fromPoller.value?.seq).toBe(6);
  });

  test('hasWaiters is true only while a viewer waits in next()', () => {
    const { event } = hub();
    const viewer = event.subscribe();
    expect(event.hasWaiters).toBe(false);
    track(viewer.next());
    expect(event.hasWaiters).toBe(true);
    event.publish(frame(1));
    expect(event.hasWaiters).toBe(false);
  });

  test('fail() rejects the waiting viewers, who stay subscribed and may ask again', async () => {
    const { event } = hub();
    const viewer = event.subscribe();
    const waiting = track(viewer.next());
    const error = new Error('boom');
    event.fail(error);
    await Promise.resolve();
    expect(waiting.error).toBe(error);
    expect(event.viewerCount).toBe(1);
    const again = track(viewer.next());
    event.publish(frame(1));
    await Promise.resolve();
    expect(again.value?.seq).toBe(1);
  });

  test('forgetLatest() makes a new viewer wait for a new frame', () => {
    const { event } = hub();
    event.publish(frame(1));
    event.forgetLatest();
    expect(event.latest).toBeUndefined();
    const waiting = track(event.subscribe().next());
    expect(waiting.settled).toBe(false);
  });

  test('close() rejects waiting viewers with its error and refuses new ones', async () => {
    const { event, hooks } = hub();
    const waiting = track(event.subscribe().next());
    const error = new CameraError('CAMERA_CLOSED', 'gone');
    event.close(error);
    await Promise.resolve();
    expect(waiting.error).toBe(error);
    expect(event.viewerCount).toBe(0);
    expect(hooks.counts.at(-1)).toBe(0);
    expect(() => event.subscribe()).toThrow(error);
  });

  test('the default viewerTimeout is 5000 ms', () => {
    const { event } = hub();
    const viewer = event.subscribe();
    vi.advanceTimersByTime(5001);
    event.publish(frame(1));
    expect(event.viewerCount).toBe(0);
    expect([...event.viewers()]).not.toContain(viewer);
  });
});

describe('ending a loop and a stop', () => {
  test('a for-await loop over a viewer ends quietly when the camera closes', async () => {
    const { camera, viewer } = await cameraWithViewer();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const frame of viewer) seen.push(frame.seq);
    })();
    camera.push();
    await flush();
    await camera.close();
    await expect(loop).resolves.toBeUndefined();
    expect(seen).toEqual([2]);
    expect(viewer.closed).toBe(true);
  });

  test('a viewer arriving while the camera is stopping waits for a fresh frame instead of the stale one', async () => {
    const { camera, viewer } = await cameraWithViewer();
    viewer.close();
    const stopping = camera.stop();
    const late = camera.subscribe('late');
    const next = track(late.next());
    await flush();
    expect(next.settled).toBe(false); // not the stale frame 1
    await stopping;
    await flush();
    camera.push();
    await flush();
    expect((next.value as Frame).seq).toBe(2);
    await camera.close();
  });
});
