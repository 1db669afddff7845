export type { LoadOptions, OpenCv, OpenCvLoader } from './binding.js';
export {
  INSTALL_STEPS,
  installSteps,
  isOpenCvAvailable,
  loadOpenCv,
  systemOpenCvVersion,
} from './binding.js';
export type { ActualFormat } from './capture.js';
export { checkOpenCvAvailable, driver } from './driver.js';
export { OpenCvCamera } from './opencv-camera.js';
export type { OpenCvCameraOptions, OpenCvCameraSettings } from './options.js';
export { parseOpenCvOptions } from './options.js';
export type { SourceKind, VideoSource } from './source.js';
export { describeSource, parseSource } from './source.js';
export type { VideoBackends } from './video-backends.js';
export { videoBackends } from './video-backends.js';
