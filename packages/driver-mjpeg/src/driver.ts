import type { CameraDriver } from '@cam/core';
import { MjpegCamera } from './mjpeg-camera.js';
import { DRIVER, type MjpegCameraOptions, parseMjpegOptions } from './options.js';

export const driver: CameraDriver<MjpegCameraOptions> = {
  name: DRIVER,
  description:
    'relays an HTTP Motion-JPEG stream or JPEG snapshot URL (IP cameras, mjpg-streamer, another cam)',
  parseOptions: parseMjpegOptions,
  createCamera: (options, camera) => new MjpegCamera(options, camera),
};
