import type { BaseCamera, CameraOptions, StopReason } from '../base-camera.js';
import { isCameraError } from '../errors.js';
import type { Frame } from '../frame.js';

export interface ConformanceSuiteOptions {
  /** Your test runner's `test` (or `it`): `(name, fn, timeout)`. The suite never imports a runner. */
  test: (name: string, fn: () => Promise<void>, timeout?: number) => void;
  /** Your runner's `describe`, to group the tests under the driver's name. Optional. */
  describe?: (name: string, fn: () => void) => void;
  /** The name to group under. Default: 'camera driver conformance'. */
  name?: string;
  /**
   * Returns a new, isolated camera on each call, built with the camera options the suite passes (it
   * sets short idle timeouts). It must not open the device: the first demand does.
   */
  createCamera: (options: CameraOptions) => BaseCamera | Promise<BaseCamera>;
  /** The longest a frame may take to arrive (ms), including the device's start-up. Default 5000. */
  frameTimeout?: number;
}

/**
 * The behaviour every camera driver must show, run against the driver itself with real timers:
 *
 * ```ts
 * import { describe, test } from 'vitest';
 * import { runConformanceSuite } from '@cam/core/testing';
 * runConformanceSuite({ test, describe, createCamera: (options) => new MyCamera({}, options) });
 * ```
 */
export function runConformanceSuite(options: ConformanceSuiteOptions): void {
  const frameTimeout = options.frameTimeout ?? 5000;
  const testTimeout = frameTimeout * 4 + 5000;
  const { test } = options;
  const make = async (cameraOptions: CameraOptions = {}) =>
    options.createCamera({ idleTimeout: 60_000, ...cameraOptions });

  const suite = () => {
    test(
      'yields whole JPEG frames on demand, each newer than the last',
      async () => {
        const camera = await make();
        try {
          const viewer = camera.subscribe();
          const first = await within(viewer.next(), frameTimeout, 'the first frame');
          const second = await within(viewer.next(), frameTimeout, 'the second frame');
          for (const frame of [first, second]) assertWholeJpeg(frame);
          check(second.seq > first.seq, `frame ${second.seq} should be newer than frame ${first.seq}`);
          check(camera.state.status === 'running', `status should be running, is ${camera.state.status}`);
        } finally {
          await camera.close();
        }
      },
      testTimeout,
    );

    test(
      'never gives a viewer the same frame twice, and gives all viewers the same frame object',
      async () => {
        const camera = await make();
        try {
          const viewers = [camera.subscribe('a'), camera.subscribe('b')];
          const received = await Promise.all(
            viewers.map(async (viewer) => {
              const frames: Frame[] = [];
              for (let i = 0; i < 3; i++)
                frames.push(await within(viewer.next(), frameTimeout, `frame ${i + 1}`));
              return frames;
            }),
          );
          const bySeq = new Map<number, Buffer>();
          for (const frames of received) {
            for (let i = 1; i < frames.length; i++) {
              check(
                frames[i]!.seq > frames[i - 1]!.seq,
                `a viewer got frame ${frames[i]!.seq} twice or out of order`,
              );
            }
            for (const frame of frames) {
              const seen = bySeq.get(frame.seq);
              check(
                !seen || seen === frame.data,
                `frame ${frame.seq} reached two viewers as different buffers`,
              );
              bySeq.set(frame.seq, frame.data);
            }
          }
        } finally {
          await camera.close();
        }
      },
      testTimeout,
    );

    test(
      'gives a new viewer the newest frame at once',
      async () => {
        const camera = await make();
        try {
          await within(camera.subscribe().next(), frameTimeout, 'the first frame');
          const newest = camera.latestFrame;
          check(newest !== undefined, 'latestFrame should be set once a frame arrived');
          let got: Frame | undefined;
          void camera
            .subscribe()
            .next()
            .then((frame) => {
              got = frame;
            });
          await Promise.resolve();
          await Promise.resolve();
          check(got !== undefined, 'a new viewer had to wait although a frame existed');
          check(got!.seq >= newest!.seq, 'a new viewer got an older frame than the newest');
        } finally {
          await camera.close();
        }
      },
      testTimeout,
    );

    test(
      'stops after idleTimeout without viewers, ending the driver, and restarts on the next demand',
      async () => {
        const idleTimeout = 300;
        const camera = await make({ idleTimeout });
        try {
          let starts = 0;
          camera.on('start', () => starts++);
          const stopped = nextStop(camera);
          const viewer = camera.subscribe();
          await within(viewer.next(), frameTimeout, 'the first frame');
          viewer.close();
          const reason = await within(stopped, idleTimeout + frameTimeout + 2000, 'the idle stop');
          check(reason === 'idle', `the camera stopped for "${reason}", not for being idle`);
          check(camera.state.status === 'idle', `status should be idle, is ${camera.state.status}`);
          const captured = camera.state.framesCaptured;
          await sleep(Math.min(frameTimeout, 500));
          check(camera.state.framesCaptured === captured, 'frames were captured while the camera was idle');
          const again = camera.subscribe();
          const frame = await within(again.next(), frameTimeout, 'a frame after the restart');
          assertWholeJpeg(frame);
          check(starts === 2, `the camera should have started twice, started ${starts} times`);
        } finally {
          await camera.close();
        }
      },
      testTimeout,
    );

    test(
      'runs side by side with another instance of the same driver',
      async () => {
        const [a, b] = [await make(), await make()];
        try {
          await within(a.subscribe().next(), frameTimeout, 'a frame from the first camera');
          await within(b.subscribe().next(), frameTimeout, 'a frame from the second camera');
          await a.close();
          check(b.state.status === 'running', `closing one camera changed the other to ${b.state.status}`);
          await within(
            b.subscribe().next(),
            frameTimeout,
            'a frame from the second camera after the first closed',
          );
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      },
      testTimeout,
    );

    test(
      'close() releases waiting viewers and refuses new ones',
      async () => {
        const camera = await make();
        const viewer = camera.subscribe();
        await within(viewer.next(), frameTimeout, 'the first frame');
        const pending = viewer.next();
        pending.catch(() => undefined); // close() rejects it at once; it is checked below, not unhandled
        await within(camera.close(), frameTimeout, 'close()');
        const [outcome] = await Promise.allSettled([
          within(pending, 1000, 'the waiting viewer to be released'),
        ]);
        if (outcome?.status === 'rejected') {
          const code = isCameraError(outcome.reason) ? outcome.reason.code : undefined;
          check(
            code === 'CAMERA_CLOSED',
            `a released viewer should get CAMERA_CLOSED, got ${String(outcome.reason)}`,
          );
        }
        check(camera.state.status === 'closed', `status should be closed, is ${camera.state.status}`);
        let refused = false;
        try {
          camera.subscribe();
        } catch (error) {
          refused = isCameraError(error) && error.code === 'CAMERA_CLOSED';
        }
        check(refused, 'subscribe() after close() should throw CAMERA_CLOSED');
      },
      testTimeout,
    );
  };

  if (options.describe) options.describe(options.name ?? 'camera driver conformance', suite);
  else suite();
}

function assertWholeJpeg(frame: Frame): void {
  const { data } = frame;
  check(Buffer.isBuffer(data), `frame ${frame.seq} is not a Buffer`);
  check(data[0] === 0xff && data[1] === 0xd8, `frame ${frame.seq} does not start with a JPEG SOI marker`);
  check(
    data[data.length - 2] === 0xff && data[data.length - 1] === 0xd9,
    `frame ${frame.seq} does not end with a JPEG EOI marker`,
  );
}

function nextStop(camera: BaseCamera): Promise<StopReason> {
  return new Promise((resolve) => camera.once('stop', resolve));
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`conformance: ${message}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`conformance: timed out after ${ms} ms waiting for ${what}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
