import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, onTestFinished, test, vi } from 'vitest';
import { BaseCamera, CameraError, isCameraError, toCameraError } from '../src/index.js';
import { TestCamera, testJpeg } from '../src/testing/index.js';
import { advance, flush, recordEvents, track } from './support.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A driver that runs `script` as its generator, and counts how often its `finally` ran. */
class ScriptedCamera extends BaseCamera {
  releases = 0;
  readonly #script: () => AsyncGenerator<unknown>;

  constructor(script: () => AsyncGenerator<unknown>) {
    super({ name: 'scripted' });
    this.#script = script;
  }

  protected override async *frames(): AsyncGenerator<Buffer> {
    try {
      yield* this.#script() as AsyncGenerator<Buffer>;
    } finally {
      this.releases += 1;
    }
  }
}

/** A camera whose open failed, with `viewer` released at fake time 0. */
async function failedCamera(options: ConstructorParameters<typeof TestCamera>[0] = {}) {
  const camera = new TestCamera({ failOpens: 1, ...options });
  const viewer = camera.subscribe();
  const failed = track(viewer.next());
  await flush();
  return { camera, viewer, failed };
}

describe('a driver that fails at open', () => {
  test('rejects the waiting viewer with DRIVER_FAILED, the original error as cause', async () => {
    const { failed } = await failedCamera();
    expect(failed.error).toBeInstanceOf(CameraError);
    const error = failed.error as CameraError;
    expect(error.code).toBe('DRIVER_FAILED');
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).message).toBe('injected open failure');
    expect(error.message).toBe('[cam] [test] driver failed: injected open failure');
    expect(error.camera).toBe('test');
  });

  test('rejects every waiting viewer with the same error', async () => {
    const camera = new TestCamera({ failOpens: 1 });
    const waiting = [1, 2, 3].map(() => track(camera.subscribe().next()));
    await flush();
    const errors = waiting.map((viewer) => viewer.error);
    expect(errors[0]).toBeInstanceOf(CameraError);
    expect(errors[1]).toBe(errors[0]);
    expect(errors[2]).toBe(errors[0]);
  });

  test('shows the failure in state', async () => {
    const { camera } = await failedCamera();
    expect(camera.state.status).toBe('error');
    expect(camera.state.failures).toBe(1);
    expect(camera.state.lastError).toEqual({
      code: 'DRIVER_FAILED',
      message: '[cam] [test] driver failed: injected open failure',
      at: Date.now(),
    });
  });

  test('emits "failure" with the error, and "stop" with reason "failed"', async () => {
    const camera = new TestCamera({ failOpens: 1 });
    const events = recordEvents(camera);
    const failed = track(camera.subscribe().next());
    await flush();
    expect(events.failures).toEqual([failed.error]);
    expect(events.stops).toEqual(['failed']);
  });

  test("runs the driver's finally, so the device is released", async () => {
    const { camera } = await failedCamera();
    expect(camera.opens).toBe(1);
    expect(camera.releases).toBe(1);
  });

  test('keeps the viewer subscribed, so it can ask again', async () => {
    const { camera, viewer } = await failedCamera();
    expect(camera.state.viewers).toBe(1);
    expect(viewer.closed).toBe(false);
  });
});

describe('a driver that fails mid-stream', () => {
  test('rejects the waiting viewer with DRIVER_FAILED, the thrown error as cause', async () => {
    const camera = new TestCamera();
    const viewer = camera.subscribe();
    const first = viewer.next();
    camera.push();
    await first;
    const waiting = track(viewer.next());
    const cause = new Error('cable pulled');
    camera.failNext(cause);
    await flush();
    expect(waiting.error).toMatchObject({ code: 'DRIVER_FAILED', cause });
    expect(camera.state.status).toBe('error');
    expect(camera.state.lastError?.message).toContain('cable pulled');
    expect(camera.releases).toBe(1);
  });

  test('forgets its newest frame, so that a new viewer waits for the retry', async () => {
    const camera = new TestCamera();
    const first = camera.subscribe().next();
    camera.push();
    await first;
    camera.failNext();
    await flush();
    expect(camera.latestFrame).toBeUndefined();
    const latecomer = track(camera.subscribe().next());
    await flush();
    expect(latecomer.settled).toBe(false);
  });
});

describe('retrying with a backoff', () => {
  test('does not reopen before retryInitialDelay (default 1 s) after the failure', async () => {
    const { camera, viewer } = await failedCamera();
    track(viewer.next());
    await advance(999);
    expect(camera.opens).toBe(1);
    expect(camera.state.status).toBe('error');
  });

  test('reopens for a waiting viewer once the delay has passed, and serves it', async () => {
    const { camera, viewer } = await failedCamera();
    const again = track(viewer.next());
    await advance(1000);
    expect(camera.opens).toBe(2);
    camera.push();
    await flush();
    expect(again.value?.seq).toBe(1);
    expect(camera.state.status).toBe('running');
  });

  test('shows when the retry may start in state.retryAt', async () => {
    const { camera, viewer } = await failedCamera();
    const failedAt = Date.now();
    await advance(300);
    track(viewer.next());
    await flush();
    expect(camera.state.retryAt).toBe(failedAt + 1000);
  });

  test('does not retry without demand', async () => {
    const { camera } = await failedCamera();
    await advance(5000);
    expect(camera.opens).toBe(1);
  });

  test('doubles the delay with each failure in a row: 1 s, then 2 s, then 4 s', async () => {
    const camera = new TestCamera({ failOpens: 3 });
    const viewer = camera.subscribe();
    const opensAt: number[] = [];
    const start = Date.now();
    camera.on('start', () => opensAt.push(Date.now() - start));
    viewer.next().catch(() => {});
    for (let i = 0; i < 8000; i += 100) {
      await advance(100);
      if (!viewer.isWaiting) viewer.next().catch(() => {});
    }
    expect(opensAt).toEqual([0, 1000, 3000, 7000]);
    expect(camera.state.status).toBe('starting');
  });

  test('counts failures in a row in state.failures', async () => {
    const camera = new TestCamera({ failOpens: 2 });
    const viewer = camera.subscribe();
    track(viewer.next());
    await flush();
    track(viewer.next());
    await advance(1000);
    expect(camera.state.failures).toBe(2);
    expect(camera.state.lastError?.at).toBe(Date.now());
  });

  test('caps the delay at retryMaxDelay', async () => {
    const camera = new TestCamera({ failOpens: 4, retryInitialDelay: 1000, retryMaxDelay: 1500 });
    const viewer = camera.subscribe();
    const opensAt: number[] = [];
    const start = Date.now();
    camera.on('start', () => opensAt.push(Date.now() - start));
    viewer.next().catch(() => {});
    for (let i = 0; i < 6000; i += 100) {
      await advance(100);
      if (!viewer.isWaiting) viewer.next().catch(() => {});
    }
    expect(opensAt).toEqual([0, 1000, 2500, 4000, 5500]);
  });

  test('honours retryInitialDelay', async () => {
    const { camera, viewer } = await failedCamera({ retryInitialDelay: 250 });
    track(viewer.next());
    await advance(249);
    expect(camera.opens).toBe(1);
    await advance(1);
    expect(camera.opens).toBe(2);
  });

  test('a frame resets failures to 0', async () => {
    const { camera, viewer } = await failedCamera();
    const again = viewer.next();
    await advance(1000);
    expect(camera.state.failures).toBe(1);
    camera.push();
    await again;
    expect(camera.state.failures).toBe(0);
  });

  test('after a frame, the next failure waits the initial delay again', async () => {
    const camera = new TestCamera({ failOpens: 2 });
    const viewer = camera.subscribe();
    track(viewer.next());
    await flush();
    track(viewer.next());
    await advance(1000); // second failure
    const third = viewer.next();
    await advance(2000); // opens for good
    camera.push();
    await third;
    const failing = track(viewer.next());
    camera.failNext();
    await flush();
    expect(failing.error).toMatchObject({ code: 'DRIVER_FAILED' });
    track(viewer.next());
    await advance(999);
    expect(camera.opens).toBe(3);
    await advance(1);
    expect(camera.opens).toBe(4);
  });

  test('a failed camera without demand goes idle after idleTimeout, and then starts at once on demand', async () => {
    const { camera, viewer } = await failedCamera();
    await advance(10_000);
    expect(camera.state.status).toBe('idle');
    track(viewer.next());
    await flush();
    expect(camera.opens).toBe(2);
  });

  test('stop() keeps the retry of a viewer waiting in a failed camera', async () => {
    const { camera, viewer } = await failedCamera();
    const again = track(viewer.next());
    await camera.stop();
    await advance(1000);
    expect(camera.opens).toBe(2);
    camera.push();
    await flush();
    expect(again.value?.seq).toBe(1);
  });
});

describe('what counts as a failure', () => {
  test('a generator that ends gives SOURCE_ENDED', async () => {
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    const camera = new ScriptedCamera(async function* () {
      yield testJpeg(1);
      await ended;
    });
    const viewer = camera.subscribe();
    await viewer.next();
    const waiting = track(viewer.next());
    end();
    await flush();
    expect(waiting.error).toMatchObject({ code: 'SOURCE_ENDED' });
    expect(camera.state.status).toBe('error');
    expect(camera.state.lastError?.code).toBe('SOURCE_ENDED');
  });

  test('yielding something that is not a JPEG gives INVALID_FRAME and ends the generator', async () => {
    const camera = new ScriptedCamera(async function* () {
      yield Buffer.from('not a jpeg at all');
      yield testJpeg(1);
    });
    const waiting = track(camera.subscribe().next());
    await flush();
    expect(waiting.error).toMatchObject({ code: 'INVALID_FRAME' });
    expect(camera.releases).toBe(1);
    expect(camera.state.framesCaptured).toBe(0);
  });

  test('yielding a string is INVALID_FRAME too', async () => {
    const camera = new ScriptedCamera(async function* () {
      yield '\xff\xd8 a string, not a Buffer';
    });
    const waiting = track(camera.subscribe().next());
    await flush();
    expect(waiting.error).toMatchObject({ code: 'INVALID_FRAME' });
  });

  test('a CameraError thrown by the driver reaches viewers unchanged', async () => {
    const notFound = new CameraError('DEVICE_NOT_FOUND', 'no camera at /dev/video9', { camera: 'scripted' });
    const camera = new ScriptedCamera(async function* () {
      yield* [];
      throw notFound;
    });
    const waiting = track(camera.subscribe().next());
    await flush();
    expect(waiting.error).toBe(notFound);
    expect(camera.state.lastError).toMatchObject({ code: 'DEVICE_NOT_FOUND', message: notFound.message });
  });

  test('a non-Error thrown by the driver becomes DRIVER_FAILED with it as cause', async () => {
    const camera = new ScriptedCamera(async function* () {
      yield* [];
      throw 'just a string';
    });
    const waiting = track(camera.subscribe().next());
    await flush();
    expect(waiting.error).toMatchObject({ code: 'DRIVER_FAILED', cause: 'just a string' });
    expect((waiting.error as CameraError).message).toContain('just a string');
  });

  test('an error the driver throws because it was stopped is not a failure', async () => {
    const camera = new TestCamera(); // throws the abort reason when stopped
    const events = recordEvents(camera);
    const first = camera.subscribe().next();
    camera.push();
    await first;
    await camera.stop();
    expect(events.failures).toEqual([]);
    expect(camera.state.status).toBe('idle');
    expect(camera.state.lastError).toBeUndefined();
  });
});

describe('CameraError', () => {
  test('prefixes the message with [cam] and the camera, and keeps the bare detail', () => {
    const error = new CameraError('TIMEOUT', 'too slow', { camera: 'porch' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CameraError');
    expect(error.message).toBe('[cam] [porch] too slow');
    expect(error.detail).toBe('too slow');
    expect(new CameraError('TIMEOUT', 'too slow').message).toBe('[cam] too slow');
  });

  test('carries code, option and cause', () => {
    const cause = new Error('root');
    const error = new CameraError('INVALID_OPTION', 'bad', { option: 'fps', cause });
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.option).toBe('fps');
    expect(error.cause).toBe(cause);
    expect('cause' in new CameraError('TIMEOUT', 'x')).toBe(false);
  });

  test('toCameraError keeps a CameraError and wraps anything else as DRIVER_FAILED', () => {
    const own = new CameraError('DEPENDENCY_MISSING', 'install it');
    expect(toCameraError(own, 'porch')).toBe(own);
    const wrapped = toCameraError(new Error('bad'), 'porch');
    expect(wrapped).toMatchObject({
      code: 'DRIVER_FAILED',
      camera: 'porch',
      message: '[cam] [porch] driver failed: bad',
    });
    expect(toCameraError('bad').message).toBe('[cam] driver failed: bad');
  });
});

/** The CameraError class of a second copy of @cam/core, as a driver with its own copy brings. */
async function foreignCameraError(): Promise<typeof CameraError> {
  const dir = mkdtempSync(join(tmpdir(), 'cam-core-copy-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(new URL('../src/errors.ts', import.meta.url), join(dir, 'errors.ts'));
  const copy = (await import(pathToFileURL(join(dir, 'errors.ts')).href)) as {
    CameraError: typeof CameraError;
  };
  return copy.CameraError;
}

describe('errors from another copy of @cam/core', () => {
  test('are a different class, so instanceof cannot recognise them', async () => {
    const Foreign = await foreignCameraError();
    expect(Foreign).not.toBe(CameraError);
    expect(new Foreign('TIMEOUT', 'x')).not.toBeInstanceOf(CameraError);
  });

  test('isCameraError recognises them by their brand', async () => {
    const Foreign = await foreignCameraError();
    expect(isCameraError(new Foreign('DEVICE_NOT_FOUND', 'gone'))).toBe(true);
    expect(isCameraError(new CameraError('TIMEOUT', 'x'))).toBe(true);
  });

  test('toCameraError keeps them as they are: same code, message prefixed once', async () => {
    const Foreign = await foreignCameraError();
    const notFound = new Foreign('DEVICE_NOT_FOUND', 'no camera at /dev/video9', { camera: 'porch' });
    const kept = toCameraError(notFound, 'porch');
    expect(kept).toBe(notFound);
    expect(kept.message).toBe('[cam] [porch] no camera at /dev/video9');
  });

  test('a driver throwing one: viewers get it unchanged, not DRIVER_FAILED', async () => {
    const Foreign = await foreignCameraError();
    const notFound = new Foreign('DEVICE_NOT_FOUND', 'gone', { camera: 'scripted' });
    const camera = new ScriptedCamera(async function* () {
      yield* [];
      throw notFound;
    });
    const waiting = track(camera.subscribe().next());
    await flush();
    expect(waiting.error).toBe(notFound);
    expect(camera.state.lastError?.code).toBe('DEVICE_NOT_FOUND');
  });
});

describe('isCameraError', () => {
  test.each([
    ['a plain Error with a code', Object.assign(new Error('x'), { code: 'TIMEOUT' })],
    ['an object with a code', { code: 'TIMEOUT', message: 'x' }],
    ['null', null],
    ['a string', 'CameraError'],
  ])('is false for %s', (_what, value) => {
    expect(isCameraError(value)).toBe(false);
  });
});
