import { BaseCamera, type CameraOptions } from '../base-camera.js';
import { delay } from '../delay.js';
import { testJpeg } from './test-frames.js';

export interface TestCameraOptions extends CameraOptions {
  /** Yield a frame every `interval` ms. Without it, a frame comes only when the test calls `push()`. */
  interval?: number;
  /** Pad each frame to at least this many bytes (for tests that fill socket buffers). */
  frameSize?: number;
  /** Make this many opens in a row fail before any frame, then open normally. */
  failOpens?: number;
}

/**
 * A deterministic camera for tests of core and of adapters: scripted frames (each a real JPEG numbered
 * 1, 2, 3... across runs, see `testJpegNumber`), injected failures, and counters that show whether the
 * "device" is open.
 */
export class TestCamera extends BaseCamera {
  /** How many times the driver opened, and released, its device. */
  opens = 0;
  releases = 0;
  readonly #interval: number | undefined;
  readonly #frameSize: number;
  #failOpensLeft: number;
  #frameNumber = 0;
  #pushed = 0;
  #failure: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(options: TestCameraOptions = {}) {
    super({ name: 'test', ...options });
    this.#interval = options.interval;
    this.#frameSize = options.frameSize ?? 0;
    this.#failOpensLeft = options.failOpens ?? 0;
  }

  /** True between an open and its release. */
  get isOpen(): boolean {
    return this.opens > this.releases;
  }

  /** In manual mode, lets the driver yield `count` more frames. */
  push(count = 1): void {
    this.#pushed += count;
    this.#wake?.();
  }

  /** Makes the driver throw `error` instead of its next frame, as a device failing mid-stream. */
  failNext(error: Error = new Error('injected failure')): void {
    this.#failure = error;
    this.#wake?.();
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    this.opens += 1;
    try {
      if (this.#failOpensLeft > 0) {
        this.#failOpensLeft -= 1;
        throw new Error('injected open failure');
      }
      for (;;) {
        await this.#nextFrameDue(signal);
        const failure = this.#failure;
        if (failure) {
          this.#failure = undefined;
          throw failure;
        }
        this.#frameNumber += 1;
        yield testJpeg(this.#frameNumber, this.#frameSize);
      }
    } finally {
      this.releases += 1;
    }
  }

  async #nextFrameDue(signal: AbortSignal): Promise<void> {
    if (this.#interval !== undefined) {
      await delay(this.#interval, signal);
      return;
    }
    while (this.#pushed === 0 && !this.#failure) {
      signal.throwIfAborted();
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        signal.addEventListener('abort', this.#wake, { once: true });
      });
      if (this.#wake) signal.removeEventListener('abort', this.#wake);
      this.#wake = undefined;
    }
    signal.throwIfAborted();
    if (!this.#failure) this.#pushed -= 1;
  }
}
