import { BaseCamera, CameraError, delay } from '@cam/core';
import { abortable } from './abortable.js';
import { loadOpenCv, type OpenCvLoader } from './binding.js';
import { type ActualFormat, Capture } from './capture.js';
import type { OpenCvCameraOptions, OpenCvCameraSettings } from './options.js';
import { describeSource, parseSource, type VideoSource } from './source.js';

/** Used for a file whose frame rate OpenCV cannot tell. */
const FALLBACK_FILE_FPS = 25;

/**
 * A camera read through OpenCV's `VideoCapture`: a webcam, a video file (played at its own rate and
 * looped), a network stream or a GStreamer pipeline. The binding loads on the first start, not before.
 */
export class OpenCvCamera extends BaseCamera {
  readonly options: Readonly<OpenCvCameraOptions>;
  readonly source: VideoSource;
  readonly #loadBinding: OpenCvLoader | undefined;
  #actual: ActualFormat | undefined;
  /** Resolves when the last run's capture is released: the next run opens the device only then. */
  #released: Promise<void> = Promise.resolve();

  constructor(options: OpenCvCameraOptions = {}, settings: OpenCvCameraSettings = {}) {
    const { loadBinding, ...camera } = settings;
    super({ name: 'opencv', ...camera });
    this.options = { ...options };
    this.source = parseSource(options.source ?? 0);
    this.#loadBinding = loadBinding;
  }

  /** What the source delivers (size, rate, format, passthrough), once the camera has opened it. */
  get actual(): ActualFormat | undefined {
    return this.#actual && { ...this.#actual };
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    await abortable(this.#released, signal);
    const cv = loadOpenCv(this.#loadBinding);
    const capture = await Capture.open(cv, this.source, this.options, this.name);
    this.#actual = capture.actual;
    try {
      const isFile = this.source.kind === 'file';
      const interval = isFile ? 1000 / (capture.actual.fps || FALLBACK_FILE_FPS) : 0;
      let due = Date.now();
      for (;;) {
        const jpeg = (await capture.read(signal)) ?? (await this.#afterLastFrame(capture, signal));
        if (isFile) {
          // A file decodes faster than real time: hold each frame until it is due, without drift.
          due += interval;
          if (due < Date.now() - interval) due = Date.now(); // after a stall, count again from now
          await delay(Math.max(0, due - Date.now()), signal);
        }
        yield jpeg;
      }
    } finally {
      // Not awaited: a read in progress holds the device until it returns (up to a frame interval, or
      // longer from a stalled stream), and stopping must not wait for it. The next run waits instead.
      this.#released = capture.release();
    }
  }

  /** At the end of the source: loop a file, or end the camera; a camera that stops delivering failed. */
  async #afterLastFrame(capture: Capture, signal: AbortSignal): Promise<Buffer> {
    const what = describeSource(this.source);
    if (this.source.kind === 'device') {
      throw new CameraError('DRIVER_FAILED', `${what} stopped delivering frames (was it disconnected?)`, {
        camera: this.name,
      });
    }
    if (this.source.kind !== 'file' || this.options.loop === false) {
      throw new CameraError('SOURCE_ENDED', `${what} has no more frames`, { camera: this.name });
    }
    const first = (await capture.rewind(signal)) ? await capture.read(signal) : undefined;
    if (!first) {
      throw new CameraError('DRIVER_FAILED', `cannot loop ${what}: it has no frames or cannot seek`, {
        camera: this.name,
      });
    }
    return first;
  }
}
