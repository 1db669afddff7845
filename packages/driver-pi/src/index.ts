export { checkPiAvailable, driver } from './driver.js';
export {
  FIXED_ARGS,
  type PiCameraOptions,
  type PiCaptureOptions,
  parsePiOptions,
  rpicamArgs,
} from './options.js';
export { PiCamera } from './pi-camera.js';
export { DEFAULT_COMMANDS } from './rpicam-process.js';
