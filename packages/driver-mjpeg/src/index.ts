export { driver } from './driver.js';
export { type Credentials, HttpAuth } from './http-auth.js';
export { MjpegCamera } from './mjpeg-camera.js';
export { describeUrl, type MjpegCameraOptions, parseMjpegOptions } from './options.js';
