import { readFile } from 'node:fs/promises';
import {
  BaseCamera,
  CameraError,
  type CameraOptions,
  delay,
  looksLikeJpeg,
  withHuffmanTables,
} from '@cam/core';
import { defaultFrameFiles } from './frame-files.js';

export interface EmulatedCameraOptions {
  /** Frames per second. Default 1, as in the original. */
  fps?: number;
  /** JPEG files to loop, in order. Default: this package's frames showing "1", "2" and "3". */
  files?: readonly string[];
}

/**
 * A camera that loops a set of JPEG images at a steady rate, the counterpart of the original's emulated
 * camera. The files are read when the camera starts and dropped when it stops.
 */
export class EmulatedCamera extends BaseCamera {
  readonly fps: number;
  readonly files: readonly string[];

  constructor(options: EmulatedCameraOptions = {}, camera: CameraOptions = {}) {
    super({ name: 'emulated', ...camera });
    this.fps = options.fps ?? 1;
    if (!(this.fps > 0 && this.fps <= 1000))
      throw new TypeError(`fps must be from 0 to 1000, got ${this.fps}`);
    this.files = options.files?.length ? [...options.files] : defaultFrameFiles();
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    const images = await Promise.all(this.files.map((file) => this.#readJpeg(file)));
    const interval = 1000 / this.fps;
    let due = Date.now();
    for (let index = 0; ; index = (index + 1) % images.length) {
      yield images[index]!;
      due += interval;
      // Keep a steady rate without drift; after a long stall, start counting again from now.
      const wait = due - Date.now();
      if (wait < -interval) due = Date.now();
      await delay(Math.max(0, wait), signal);
    }
  }

  async #readJpeg(file: string): Promise<Buffer> {
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch (error) {
      throw new CameraError('DEVICE_NOT_FOUND', `cannot read frame file ${file}`, {
        camera: this.name,
        cause: error,
      });
    }
    if (!looksLikeJpeg(data)) {
      throw new CameraError('INVALID_FRAME', `${file} is not a JPEG file`, { camera: this.name });
    }
    return withHuffmanTables(data); // files cut from a webcam's MJPEG may lack them; Safari needs them
  }
}
