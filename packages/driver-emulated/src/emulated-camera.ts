import { readFile } from 'node:fs/promises';
import {
  BaseCamera,
  CameraError,
  type CameraOptions,
  delay,
  looksLikeJpeg,
  withHuffmanTables,
} from '@cam/core';
import { defaultFrames } from './default-frames.js';

export interface EmulatedCameraOptions {
  /** Frames per second. Default 1, as in the original. */
  fps?: number;
  /** JPEG files to loop, in order. Default: this package's frames showing "1", "2" and "3", embedded. */
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
    const fps = options.fps ?? 1;
    super({
      name: 'emulated',
      ...camera,
      // A slow rate is no stall: core allows three frame intervals once it has measured one, and this
      // allows them between the first two frames as well.
      stallTimeout: camera.stallTimeout ?? (fps > 0 ? Math.max(5000, 3000 / fps) : undefined),
    });
    this.fps = fps;
    if (!(this.fps > 0 && this.fps <= 1000))
      throw new TypeError(`fps must be from 0 to 1000, got ${this.fps}`);
    // Empty for the default frames, which are embedded in the code (a bundled app has no frames/ to read).
    this.files = options.files?.length ? [...options.files] : [];
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    const images = this.files.length
      ? await Promise.all(this.files.map((file) => this.#readJpeg(file)))
      : defaultFrames();
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
