// The public surface: the camera, the driver export, and the binding checks an application needs. How
// sources are parsed and which back-ends OpenCV has stay inside the package.
export type { LoadOptions, OpenCv, OpenCvLoader } from './binding.js';
export {
  INSTALL_STEPS,
  installSteps,
  isOpenCvAvailable,
  loadOpenCv,
  systemOpenCvVersion,
} from './binding.js';
export type { ActualFormat } from './capture.js';
export { driver } from './driver.js';
export { OpenCvCamera } from './opencv-camera.js';
export type { OpenCvCameraOptions, OpenCvCameraSettings } from './options.js';
export type { SourceKind, VideoSource } from './source.js';
