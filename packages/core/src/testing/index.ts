export type { ConformanceSuiteOptions } from './conformance.js';
export { runConformanceSuite } from './conformance.js';
export type { TestCameraOptions } from './test-camera.js';
export { TestCamera } from './test-camera.js';
export { testJpeg, testJpegNumber } from './test-frames.js';
