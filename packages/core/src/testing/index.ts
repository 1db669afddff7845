export type { ConformanceSuiteOptions, DriverSupports } from './conformance.js';
export {
  runConformanceSuite,
  testDeviceErrors,
  testFrames,
  testInstances,
  testLifecycle,
  testOpensOnDemand,
  testOptions,
} from './conformance.js';
export { isProcessAlive } from './process-alive.js';
export type { TestCameraOptions } from './test-camera.js';
export { TestCamera } from './test-camera.js';
export {
  readJpegStamp,
  stampJpeg,
  testJpeg,
  testJpegNumber,
  withoutHuffmanTables,
} from './test-frames.js';
