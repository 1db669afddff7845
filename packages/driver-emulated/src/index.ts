export { defaultFrames } from './default-frames.js';
export { driver, parseEmulatedOptions } from './driver.js';
export type { EmulatedCameraOptions } from './emulated-camera.js';
export { EmulatedCamera } from './emulated-camera.js';
export { defaultFrameFiles } from './frame-files.js';
