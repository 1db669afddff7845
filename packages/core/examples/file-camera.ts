import { readFile } from 'node:fs/promises';
import {
  BaseCamera,
  type CameraDriver,
  CameraError,
  type CameraOptions,
  delay,
  readOptions,
} from '@cam/core';

export interface FileCameraOptions {
  path: string;
  fps: number;
}

/** Re-reads one JPEG file at a steady rate: a "camera" for a file another program keeps updating. */
export class FileCamera extends BaseCamera {
  constructor(
    readonly options: FileCameraOptions,
    camera: CameraOptions = {},
  ) {
    super({ name: 'file', ...camera });
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    // Open the device here, not in the constructor: the camera opens on first demand.
    try {
      for (;;) {
        try {
          yield await readFile(this.options.path);
        } catch (error) {
          throw new CameraError('DEVICE_NOT_FOUND', `cannot read ${this.options.path}`, {
            camera: this.name,
            cause: error,
          });
        }
        await delay(1000 / this.options.fps, signal); // rejects at once when the camera stops
      }
    } finally {
      // Release the device here: runs on idle stop, on close and on failure.
    }
  }
}

/** What the server loads: validates options from the environment (strings) or a config file. */
export const driver: CameraDriver<FileCameraOptions> = {
  name: 'file',
  description: 're-reads one JPEG file at a steady rate',
  parseOptions(raw) {
    const read = readOptions(raw, 'file');
    const path = read.string('path', { accepts: 'a file path' });
    const fps = read.number('fps', { default: 1, min: 0.1, max: 60 });
    read.done(); // refuses an option it did not read, such as a misspelt "fsp"
    if (path === undefined) throw read.invalid('path', 'a file path');
    return { path, fps };
  },
  createCamera: (options, camera) => new FileCamera(options, camera),
};
