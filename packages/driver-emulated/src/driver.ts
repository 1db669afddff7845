import { type CameraDriver, type RawOptions, readOptions } from '@cam/core';
import { EmulatedCamera, type EmulatedCameraOptions } from './emulated-camera.js';
import { expandFrameFiles } from './frame-files.js';

const NAME = 'emulated';

/** Options: `fps` (default 1, up to 1000) and `frames` (JPEG files and/or directories of them). */
export function parseEmulatedOptions(raw: RawOptions): EmulatedCameraOptions {
  const read = readOptions(raw, NAME);
  const fps = read.number('fps', { default: 1, min: 0.01, max: 1000 });
  const paths = read.list('frames');
  read.done();
  if (!paths) return { fps };
  try {
    return { fps, files: expandFrameFiles(paths) };
  } catch (error) {
    throw read.invalid('frames', `JPEG files or directories holding them (${(error as Error).message})`);
  }
}

export const driver: CameraDriver<EmulatedCameraOptions> = {
  name: NAME,
  description: 'loops JPEG images at a set rate (default: "1", "2", "3" at 1 fps)',
  parseOptions: parseEmulatedOptions,
  createCamera: (options, camera) => new EmulatedCamera(options, camera),
};
