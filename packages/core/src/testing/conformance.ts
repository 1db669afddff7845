import type { BaseCamera, CameraOptions, StopReason } from '../base-camera.js';
import type { CameraDriver, RawOptions } from '../driver.js';
import { isCameraError } from '../errors.js';
import type { Frame } from '../frame.js';
import { openedSince, snapshotResources } from './resources.js';

/**
 * What a driver can do, in the manner of abstract-level's manifest: the suite runs a check only where
 * the driver declares the capability it needs, so a driver never skips checks by hand.
 */
export interface DriverSupports {
  /**
   * Several cameras of this driver, with the same options, can run at once in one process. Default true;
   * false for a device only one process can hold (a real Pi camera).
   */
  concurrentInstances?: boolean;
  /**
   * Raw options under which the device cannot be opened, and the `code` the driver reports for it
   * (`DEVICE_NOT_FOUND`, `DEPENDENCY_MISSING`…): enables the check that a device error reaches viewers.
   */
  deviceError?: { options: RawOptions; code: string };
}

export interface ConformanceSuiteOptions<Options = unknown> {
  /** Your test runner's `test` (or `it`): `(name, fn, timeout)`. The suite never imports a runner. */
  test: (name: string, fn: () => Promise<void>, timeout?: number) => void;
  /** Your runner's `describe`, to group the tests under the driver's name. Optional. */
  describe?: (name: string, fn: () => void) => void;
  /** The name to group under. Default: `<driver.name> driver conformance`. */
  name?: string;
  /** The driver, as your package exports it for the server. */
  driver: CameraDriver<Options>;
  /**
   * Raw options as the server passes them (strings, as from `CAMERA_<OPTION>` variables). The suite
   * makes each camera with `driver.createCamera(driver.parseOptions(options), cameraOptions)`.
   */
  options?: RawOptions;
  supports?: DriverSupports;
  /** The longest a frame may take to arrive (ms), including the device's start-up. Default 5000. */
  frameTimeout?: number;
}

/**
 * The behaviour every camera driver must show, run against the driver's export with real timers:
 *
 * ```ts
 * import { describe, test } from 'vitest';
 * import { runConformanceSuite } from '@cam/core/testing';
 * import { driver } from '../src/index.js';
 * runConformanceSuite({ test, describe, driver, options: { fps: '20' } });
 * ```
 *
 * Each failure names the rule it checks, as `conformance [<rule>]: …`. The groups are exported one by
 * one too ({@link testOptions}, {@link testOpensOnDemand}, {@link testFrames}, {@link testLifecycle},
 * {@link testDeviceErrors}, {@link testInstances}), with the same options.
 */
export function runConformanceSuite<Options>(options: ConformanceSuiteOptions<Options>): void {
  const suite = () => {
    testOpensOnDemand(options); // first, while the process is quiet: it watches what gets opened
    testOptions(options);
    testFrames(options);
    testLifecycle(options);
    testDeviceErrors(options);
    testInstances(options);
  };
  const name = options.name ?? `${options.driver.name} driver conformance`;
  if (options.describe) options.describe(name, suite);
  else suite();
}

/** `parseOptions` takes the raw options as the server gives them, and refuses an unknown one. */
export function testOptions<Options>(options: ConformanceSuiteOptions<Options>): void {
  const { driver } = options;
  const test = withTimeout(options);
  const raw = options.options ?? {};

  test('[options-raw] parseOptions accepts the options as strings, as the server passes them', async () => {
    try {
      driver.parseOptions(raw);
    } catch (error) {
      fail('options-raw', `parseOptions(${JSON.stringify(raw)}) threw: ${String(error)}`);
    }
  });

  test('[options-unknown] parseOptions refuses an unknown option with INVALID_OPTION naming it', async () => {
    const unknown = 'conformanceNoSuchOption';
    let thrown: unknown;
    try {
      driver.parseOptions({ ...raw, [unknown]: '1' });
    } catch (error) {
      thrown = error;
    }
    check('options-unknown', thrown !== undefined, `parseOptions accepted an unknown option "${unknown}"`);
    check(
      'options-unknown',
      isCameraError(thrown) && thrown.code === 'INVALID_OPTION',
      `an unknown option should throw a CameraError with code INVALID_OPTION, threw ${String(thrown)}`,
    );
    check(
      'options-unknown',
      thrown.option === unknown && thrown.message.includes(unknown),
      `the INVALID_OPTION error should name "${unknown}" in option and message: ${thrown.message}`,
    );
  });
}

/** Nothing is opened before the first demand for a frame: not in `parseOptions`, not in `createCamera`. */
export function testOpensOnDemand<Options>(options: ConformanceSuiteOptions<Options>): void {
  const test = withTimeout(options);
  const harness = new Harness(options);

  test('[opens-on-demand] opens nothing before the first demand for a frame', async () => {
    await settle(); // let what earlier tests closed finish closing
    const before = snapshotResources();
    const { camera, probe } = harness.make();
    try {
      await settle();
      const opened = openedSince(before);
      check(
        'opens-on-demand',
        opened.length === 0,
        'the driver opened its device before the first demand for a frame (in parseOptions, createCamera ' +
          `or the constructor): ${opened.join('; ')}. Open it in frames(), which runs on demand.`,
      );
      const runsBeforeDemand = probe.runs;
      check(
        'opens-on-demand',
        runsBeforeDemand === 0,
        'frames() was entered before the first demand for a frame',
      );
      check(
        'opens-on-demand',
        camera.state.status === 'idle',
        `status should be idle before any demand, is ${camera.state.status}`,
      );
      await harness.within(camera.subscribe().next(), 'the first frame', 'opens-on-demand');
      check(
        'opens-on-demand',
        probe.runs === 1,
        `frames() should run once on demand, ran ${probe.runs} times`,
      );
    } finally {
      await camera.close();
    }
  });
}

/** Whole JPEG frames, each newer than the last, never changed after they were yielded, shared by viewers. */
export function testFrames<Options>(options: ConformanceSuiteOptions<Options>): void {
  const test = withTimeout(options);
  const harness = new Harness(options);

  test('[frames] yields whole JPEG frames on demand, each newer than the last', async () => {
    const { camera } = harness.make();
    try {
      const viewer = camera.subscribe();
      const first = await harness.within(viewer.next(), 'the first frame', 'frames');
      const second = await harness.within(viewer.next(), 'the second frame', 'frames');
      for (const frame of [first, second]) assertWholeJpeg(frame);
      check('frames', second.seq > first.seq, `frame ${second.seq} should be newer than frame ${first.seq}`);
      check(
        'frames',
        camera.state.status === 'running',
        `status should be running, is ${camera.state.status}`,
      );
    } finally {
      await camera.close();
    }
  });

  test('[frame-immutable] never changes a Buffer after yielding it', async () => {
    const { camera } = harness.make();
    const kept: { frame: Frame; copy: Buffer }[] = [];
    const changed = () => kept.find(({ frame, copy }) => !frame.data.equals(copy));
    try {
      const viewer = camera.subscribe();
      for (let i = 0; i < 5; i++) {
        const frame = await harness.within(viewer.next(), `frame ${i + 1}`, 'frame-immutable');
        kept.push({ frame, copy: Buffer.from(frame.data) });
        const found = changed();
        check(
          'frame-immutable',
          found === undefined,
          `frame ${found?.frame.seq} changed after it was yielded: yield a new Buffer for every frame, ` +
            'never refill one you yielded (viewers still hold it)',
        );
      }
    } finally {
      await camera.close();
    }
    const found = changed();
    check(
      'frame-immutable',
      found === undefined,
      `frame ${found?.frame.seq} changed after the camera stopped: a yielded Buffer belongs to the viewers`,
    );
  });

  test('[frames-shared] never gives a viewer the same frame twice, and gives all viewers the same frame object', async () => {
    const { camera } = harness.make();
    try {
      const viewers = [camera.subscribe('a'), camera.subscribe('b')];
      const received = await Promise.all(
        viewers.map(async (viewer) => {
          const frames: Frame[] = [];
          for (let i = 0; i < 3; i++)
            frames.push(await harness.within(viewer.next(), `frame ${i + 1}`, 'frames-shared'));
          return frames;
        }),
      );
      const bySeq = new Map<number, Buffer>();
      for (const frames of received) {
        for (let i = 1; i < frames.length; i++) {
          check(
            'frames-shared',
            frames[i]!.seq > frames[i - 1]!.seq,
            `a viewer got frame ${frames[i]!.seq} twice or out of order`,
          );
        }
        for (const frame of frames) {
          const seen = bySeq.get(frame.seq);
          check(
            'frames-shared',
            !seen || seen === frame.data,
            `frame ${frame.seq} reached two viewers as different buffers`,
          );
          bySeq.set(frame.seq, frame.data);
        }
      }
    } finally {
      await camera.close();
    }
  });

  test('[newest-frame] gives a new viewer the newest frame at once', async () => {
    const { camera } = harness.make();
    try {
      await harness.within(camera.subscribe().next(), 'the first frame', 'newest-frame');
      const newest = camera.latestFrame;
      check('newest-frame', newest !== undefined, 'latestFrame should be set once a frame arrived');
      let got: Frame | undefined;
      void camera
        .subscribe()
        .next()
        .then((frame) => {
          got = frame;
        });
      await Promise.resolve();
      await Promise.resolve();
      check('newest-frame', got !== undefined, 'a new viewer had to wait although a frame existed');
      check('newest-frame', got!.seq >= newest!.seq, 'a new viewer got an older frame than the newest');
    } finally {
      await camera.close();
    }
  });
}

/**
 * Stopping ends the driver's generator (its `finally` runs) promptly, on idle and on close, without the
 * camera having to abandon the run; the next demand after idle starts it again.
 */
export function testLifecycle<Options>(options: ConformanceSuiteOptions<Options>): void {
  const test = withTimeout(options);
  const harness = new Harness(options);

  test('[releases-on-idle] stops after idleTimeout without viewers, ending the driver, and [restarts-after-idle] on the next demand', async () => {
    const idleTimeout = 300;
    const { camera, probe } = harness.make({ idleTimeout });
    try {
      let starts = 0;
      camera.on('start', () => starts++);
      const stopped = nextStop(camera);
      const viewer = camera.subscribe();
      await harness.within(viewer.next(), 'the first frame', 'releases-on-idle');
      viewer.close();
      const reason = await harness.within(stopped, 'the idle stop', 'releases-on-idle', idleTimeout);
      check('releases-on-idle', reason === 'idle', `the camera stopped for "${reason}", not for being idle`);
      check(
        'releases-on-idle',
        camera.state.status === 'idle',
        `status should be idle, is ${camera.state.status}`,
      );
      checkReleased('releases-on-idle', camera, probe);
      const captured = camera.state.framesCaptured;
      await sleep(Math.min(harness.frameTimeout, 500));
      check(
        'releases-on-idle',
        camera.state.framesCaptured === captured,
        'frames were captured while the camera was idle',
      );
      const frame = await harness.within(
        camera.subscribe().next(),
        'a frame after the restart',
        'restarts-after-idle',
      );
      assertWholeJpeg(frame);
      check(
        'restarts-after-idle',
        starts === 2,
        `the camera should have started twice, started ${starts} times`,
      );
      check(
        'restarts-after-idle',
        probe.runs === 2,
        `frames() should have run twice, ran ${probe.runs} times`,
      );
    } finally {
      await camera.close();
    }
  });

  test('[releases-on-close] close() ends the driver, releases waiting viewers and refuses new ones', async () => {
    const { camera, probe } = harness.make();
    const viewer = camera.subscribe();
    await harness.within(viewer.next(), 'the first frame', 'releases-on-close');
    const pending = viewer.next();
    pending.catch(() => undefined); // close() rejects it at once; it is checked below, not unhandled
    await harness.within(camera.close(), 'close()', 'releases-on-close');
    checkReleased('releases-on-close', camera, probe);
    const [outcome] = await Promise.allSettled([
      harness.within(pending, 'the waiting viewer to be released', 'releases-on-close'),
    ]);
    if (outcome?.status === 'rejected') {
      const code = isCameraError(outcome.reason) ? outcome.reason.code : undefined;
      check(
        'releases-on-close',
        code === 'CAMERA_CLOSED',
        `a released viewer should get CAMERA_CLOSED, got ${String(outcome.reason)}`,
      );
    }
    check(
      'releases-on-close',
      camera.state.status === 'closed',
      `status should be closed, is ${camera.state.status}`,
    );
    let refused = false;
    try {
      camera.subscribe();
    } catch (error) {
      refused = isCameraError(error) && error.code === 'CAMERA_CLOSED';
    }
    check('releases-on-close', refused, 'subscribe() after close() should throw CAMERA_CLOSED');
  });
}

/** A device that cannot be opened reaches waiting viewers as a CameraError with the driver's own code. */
export function testDeviceErrors<Options>(options: ConformanceSuiteOptions<Options>): void {
  const test = withTimeout(options);
  const deviceError = options.supports?.deviceError;
  if (!deviceError) return;
  const harness = new Harness({ ...options, options: deviceError.options });

  test(`[device-error] a device error reaches viewers as a CameraError with code ${deviceError.code}`, async () => {
    const { camera, probe } = harness.make({ retryInitialDelay: 60_000 });
    try {
      const [outcome] = await Promise.allSettled([
        harness.within(camera.subscribe().next(), 'the device error', 'device-error'),
      ]);
      check(
        'device-error',
        outcome?.status === 'rejected',
        'the camera gave a frame although its device fails',
      );
      const error: unknown = outcome.reason;
      check(
        'device-error',
        isCameraError(error) && error.code === deviceError.code,
        `viewers should get a CameraError with code ${deviceError.code}, got ${String(error)}` +
          (isCameraError(error) ? ` (code ${error.code})` : ''),
      );
      check(
        'device-error',
        camera.state.lastError?.code === deviceError.code,
        `state.lastError should show ${deviceError.code}, shows ${JSON.stringify(camera.state.lastError)}`,
      );
      await harness.within(probe.allEnded(), "the driver's finally after the failure", 'device-error');
    } finally {
      await camera.close();
    }
  });
}

/** Two cameras of the driver run side by side, each on its own state. */
export function testInstances<Options>(options: ConformanceSuiteOptions<Options>): void {
  const test = withTimeout(options);
  if (options.supports?.concurrentInstances === false) return;
  const harness = new Harness(options);

  test('[concurrent-instances] runs side by side with another camera of the same driver', async () => {
    const [a, b] = [harness.make().camera, harness.make().camera];
    try {
      await harness.within(a.subscribe().next(), 'a frame from the first camera', 'concurrent-instances');
      await harness.within(b.subscribe().next(), 'a frame from the second camera', 'concurrent-instances');
      await a.close();
      check(
        'concurrent-instances',
        b.state.status === 'running',
        `closing one camera changed the other to ${b.state.status}`,
      );
      await harness.within(
        b.subscribe().next(),
        'a frame from the second camera after the first closed',
        'concurrent-instances',
      );
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
}

/** The runner's `test`, with a timeout that leaves room for several frames and a restart. */
function withTimeout(options: Pick<ConformanceSuiteOptions, 'test' | 'frameTimeout'>) {
  const timeout = (options.frameTimeout ?? 5000) * 4 + 5000;
  return (name: string, fn: () => Promise<void>) => options.test(name, fn, timeout);
}

/** Counts the runs of a camera's frames() and how many of them have ended (their `finally` ran). */
interface Probe {
  runs: number;
  ended: number;
  /** Resolves once every run so far has ended. */
  allEnded(): Promise<void>;
}

/** Makes cameras from the driver export as the server does, and watches their frames(). */
class Harness<Options> {
  readonly frameTimeout: number;
  readonly #options: ConformanceSuiteOptions<Options>;

  constructor(options: ConformanceSuiteOptions<Options>) {
    this.#options = options;
    this.frameTimeout = options.frameTimeout ?? 5000;
  }

  make(cameraOptions: CameraOptions = {}): { camera: BaseCamera; probe: Probe } {
    const { driver } = this.#options;
    const parsed = driver.parseOptions(this.#options.options ?? {});
    const camera = driver.createCamera(parsed, { idleTimeout: 60_000, ...cameraOptions });
    return { camera, probe: watchFrames(camera) };
  }

  /** `promise`, or a failure of `rule` after frameTimeout (+ `extra` ms). */
  within<T>(promise: Promise<T>, what: string, rule: string, extra = 0): Promise<T> {
    return within(promise, this.frameTimeout + extra, `waiting for ${what}`, rule);
  }
}

/**
 * Wraps the camera's frames() to count its runs and their ends. `yield*` forwards `return()` to the
 * driver's generator, so the wrapper's `finally` runs only after the driver's own has finished.
 */
function watchFrames(camera: BaseCamera): Probe {
  const waiting = new Set<() => void>();
  const probe: Probe = {
    runs: 0,
    ended: 0,
    allEnded: () =>
      probe.ended === probe.runs ? Promise.resolve() : new Promise<void>((resolve) => waiting.add(resolve)),
  };
  const target = camera as unknown as { frames(signal: AbortSignal): AsyncIterable<Buffer> };
  const frames = target.frames;
  Object.defineProperty(camera, 'frames', {
    configurable: true,
    value: async function* watched(this: BaseCamera, signal: AbortSignal): AsyncGenerator<Buffer> {
      probe.runs += 1;
      try {
        yield* frames.call(this, signal);
      } finally {
        probe.ended += 1;
        if (probe.ended === probe.runs) {
          for (const resolve of waiting) resolve();
          waiting.clear();
        }
      }
    },
  });
  return probe;
}

/** The driver's generator ended (its `finally` ran) when the camera stopped, without being abandoned. */
function checkReleased(rule: string, camera: BaseCamera, probe: Probe): void {
  check(
    rule,
    probe.ended === probe.runs,
    `the camera stopped but the driver's generator has not ended (${probe.runs - probe.ended} run still open): ` +
      'its finally must run when the camera stops, and every wait must end when `signal` aborts',
  );
  const abandoned = camera.state.abandonedRuns ?? 0;
  check(
    rule,
    abandoned === 0,
    `the camera had to abandon ${abandoned} run(s) that did not end within stopTimeout of being stopped: ` +
      'end every wait when `signal` aborts',
  );
}

function assertWholeJpeg(frame: Frame): void {
  const { data } = frame;
  check('frames', Buffer.isBuffer(data), `frame ${frame.seq} is not a Buffer`);
  check(
    'frames',
    data[0] === 0xff && data[1] === 0xd8,
    `frame ${frame.seq} does not start with a JPEG SOI marker`,
  );
  check(
    'frames',
    data[data.length - 2] === 0xff && data[data.length - 1] === 0xd9,
    `frame ${frame.seq} does not end with a JPEG EOI marker`,
  );
}

function nextStop(camera: BaseCamera): Promise<StopReason> {
  return new Promise((resolve) => camera.once('stop', resolve));
}

function check(rule: string, condition: boolean, message: string): asserts condition {
  if (!condition) fail(rule, message);
}

function fail(rule: string, message: string): never {
  throw new Error(`conformance [${rule}]: ${message}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A few turns of the event loop and a short pause, for opens started in a constructor to show. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  await sleep(50);
}

async function within<T>(promise: Promise<T>, ms: number, what: string, rule: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`conformance [${rule}]: timed out after ${ms} ms ${what}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
