export { checkFfmpegAvailable, driver } from './driver.js';
export { FfmpegCamera } from './ffmpeg-camera.js';
export {
  type FfmpegCameraOptions,
  ffmpegArgs,
  isFileInput,
  parseFfmpegOptions,
  redactCredentials,
  wantsReencoding,
} from './options.js';
export { ffprobeFor, probeVideoCodec } from './probe.js';
