import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { CameraError } from '../src/index.js';
import { TestCamera, testJpegNumber } from '../src/testing/index.js';
import { advance, flush, patientWatchdogs, recordEvents, track } from './support.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A camera running for a viewer that received frame 1. */
async function runningCamera() {
  const camera = new TestCamera();
  const viewer = camera.subscribe();
  const first = viewer.next();
  camera.push();
  await first;
  return { camera, viewer };
}

describe('snapshot()', () => {
  test('returns the newest frame at once when the camera is running', async () => {
    const { camera } = await runningCamera();
    camera.push(2);
    await flush();
    const snapshot = track(camera.snapshot());
    await flush(); // promise callbacks only: no time passes and no frame is pushed
    expect(snapshot.value).toBe(camera.latestFrame);
    expect(snapshot.value?.seq).toBe(3);
    expect(camera.state.framesCaptured).toBe(3);
  });

  test('starts an idle camera and resolves with its first frame', async () => {
    const camera = new TestCamera();
    const snapshot = track(camera.snapshot());
    await flush();
    expect(camera.opens).toBe(1);
    expect(snapshot.settled).toBe(false);
    camera.push();
    await flush();
    expect(testJpegNumber(snapshot.value?.data as Buffer)).toBe(1);
  });

  test('rejects with TIMEOUT when no frame arrives within its timeout', async () => {
    const camera = new TestCamera();
    const snapshot = track(camera.snapshot(500));
    await advance(499);
    expect(snapshot.settled).toBe(false);
    await advance(1);
    expect(snapshot.error).toBeInstanceOf(CameraError);
    expect(snapshot.error).toMatchObject({ code: 'TIMEOUT', message: '[cam] [test] no frame within 500 ms' });
  });

  test('waits 10 s by default', async () => {
    const camera = new TestCamera({ idleTimeout: 60_000 });
    const snapshot = track(camera.snapshot());
    await advance(9_999);
    expect(snapshot.settled).toBe(false);
    await advance(1);
    expect(snapshot.error).toMatchObject({ code: 'TIMEOUT' });
  });

  test('closes its viewer once it has a frame', async () => {
    const camera = new TestCamera();
    const events = recordEvents(camera);
    const snapshot = camera.snapshot();
    camera.push();
    await snapshot;
    expect(events.viewerCounts).toEqual([1, 0]);
    expect(camera.state.viewers).toBe(0);
  });

  test('closes its viewer when it times out', async () => {
    const camera = new TestCamera();
    const snapshot = track(camera.snapshot(500));
    await advance(500);
    expect(snapshot.error).toMatchObject({ code: 'TIMEOUT' });
    expect(camera.state.viewers).toBe(0);
  });

  test("rejects with the camera's error when the driver fails", async () => {
    const camera = new TestCamera({ failOpens: 1 });
    const snapshot = track(camera.snapshot());
    await flush();
    expect(snapshot.error).toMatchObject({ code: 'DRIVER_FAILED' });
    expect(camera.state.viewers).toBe(0);
  });

  test('lets the camera stop idleTimeout after it', async () => {
    const camera = new TestCamera();
    const snapshot = camera.snapshot();
    camera.push();
    await snapshot;
    await advance(10_000);
    expect(camera.isOpen).toBe(false);
  });

  test('with after beyond every frame, waits instead of returning an older frame', async () => {
    const camera = new TestCamera({ ...patientWatchdogs, idleTimeout: 60_000 });
    const snapshot = track(camera.snapshot(5000, 999_999));
    await flush();
    camera.push(3);
    await advance(4999);
    expect(camera.state.framesCaptured).toBe(3);
    expect(snapshot.settled).toBe(false);
    await advance(1);
    expect(snapshot.error).toMatchObject({ code: 'TIMEOUT' });
  });

  test('with after = 5, yields the first frame whose seq is greater, never an older one', async () => {
    const camera = new TestCamera(patientWatchdogs);
    const viewer = camera.subscribe();
    for (let i = 0; i < 3; i++) {
      const next = viewer.next();
      camera.push();
      await next;
    }
    const snapshot = track(camera.snapshot(10_000, 5)); // the newest frame is 3: it must wait
    for (let seq = 4; seq <= 5; seq++) {
      camera.push();
      await flush();
      expect(camera.state.framesCaptured).toBe(seq);
      expect(snapshot.settled).toBe(false);
    }
    camera.push();
    await flush();
    expect(snapshot.value?.seq).toBe(6);
  });

  test('with after below the newest frame, returns the newest at once', async () => {
    const camera = new TestCamera();
    const viewer = camera.subscribe();
    for (let i = 0; i < 4; i++) {
      const next = viewer.next();
      camera.push();
      await next;
    }
    await expect(camera.snapshot(1000, 2)).resolves.toMatchObject({ seq: 4 });
  });

  test('rejects with CAMERA_CLOSED on a closed camera', async () => {
    const camera = new TestCamera();
    await camera.close();
    await expect(camera.snapshot()).rejects.toMatchObject({ code: 'CAMERA_CLOSED' });
  });
});

describe('close()', () => {
  test('releases waiting viewers with CAMERA_CLOSED', async () => {
    const { camera, viewer } = await runningCamera();
    const other = camera.subscribe('other');
    await other.next();
    const waiting = [track(viewer.next()), track(other.next())];
    await camera.close();
    await flush();
    for (const released of waiting) {
      expect(released.error).toBeInstanceOf(CameraError);
      expect(released.error).toMatchObject({ code: 'CAMERA_CLOSED', camera: 'test' });
    }
  });

  test('ends the generator, so every open is released', async () => {
    const { camera } = await runningCamera();
    await camera.close();
    expect(camera.releases).toBe(camera.opens);
    expect(camera.isOpen).toBe(false);
  });

  test('ends a generator that is still starting', async () => {
    const camera = new TestCamera();
    track(camera.subscribe().next());
    await flush();
    expect(camera.state.status).toBe('starting');
    await camera.close();
    expect(camera.isOpen).toBe(false);
  });

  test('sets status "closed", forgets the viewers and emits "stop" with reason "closed"', async () => {
    const { camera } = await runningCamera();
    const events = recordEvents(camera);
    await camera.close();
    expect(camera.state.status).toBe('closed');
    expect(camera.state.viewers).toBe(0);
    expect(events.viewerCounts).toEqual([0]);
    expect(events.stops).toEqual(['closed']);
  });

  test('subscribe() afterwards throws CAMERA_CLOSED', async () => {
    const { camera } = await runningCamera();
    await camera.close();
    expect(() => camera.subscribe()).toThrow(CameraError);
    expect(() => camera.subscribe()).toThrow(expect.objectContaining({ code: 'CAMERA_CLOSED' }));
  });

  test('next() on a viewer of a closed camera rejects with CAMERA_CLOSED and opens nothing', async () => {
    const { camera, viewer } = await runningCamera();
    await camera.close();
    await expect(viewer.next()).rejects.toMatchObject({ code: 'CAMERA_CLOSED' });
    await advance(60_000);
    expect(camera.opens).toBe(1);
  });

  test('calling it twice is fine and reports the stop once', async () => {
    const { camera } = await runningCamera();
    const events = recordEvents(camera);
    await Promise.all([camera.close(), camera.close()]);
    await camera.close();
    expect(events.stops).toEqual(['closed']);
    expect(camera.releases).toBe(1);
    expect(camera.state.status).toBe('closed');
  });

  test('closing an idle camera opens nothing', async () => {
    const camera = new TestCamera();
    camera.subscribe();
    await camera.close();
    expect(camera.opens).toBe(0);
    expect(camera.state.status).toBe('closed');
  });

  test('cancels a pending retry', async () => {
    const camera = new TestCamera({ failOpens: 1 });
    const viewer = camera.subscribe();
    track(viewer.next());
    await flush();
    track(viewer.next());
    await camera.close();
    await advance(5000);
    expect(camera.opens).toBe(1);
    expect(camera.state.status).toBe('closed');
  });

  test('stop() after close() does nothing', async () => {
    const { camera } = await runningCamera();
    const events = recordEvents(camera);
    await camera.close();
    await camera.stop();
    expect(camera.state.status).toBe('closed');
    expect(events.stops).toEqual(['closed']);
  });
});
