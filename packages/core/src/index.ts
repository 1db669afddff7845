export type {
  CameraEvents,
  CameraHold,
  CameraOptions,
  CameraState,
  CameraStatus,
  StopReason,
} from './base-camera.js';
export { BaseCamera } from './base-camera.js';
export type { CameraEventHooks, CameraEventOptions } from './camera-event.js';
export { CameraEvent, Viewer } from './camera-event.js';
export type { ChildExit, ChildFramesOptions, SpawnProcessOptions } from './child-frames.js';
export { ChildFrames, spawnProcess } from './child-frames.js';
export { delay } from './delay.js';
export type { CameraDriver, RawOptions } from './driver.js';
export { isCameraDriver } from './driver.js';
export type { CameraErrorCode, CameraErrorOptions } from './errors.js';
export { CameraError, isCameraError, toCameraError } from './errors.js';
export type { Frame } from './frame.js';
export { jpegDimensions, looksLikeJpeg } from './frame.js';
export { withHuffmanTables } from './huffman.js';
export type { JpegSplitterOptions } from './jpeg-splitter.js';
export { JpegSplitter, JpegStreamError } from './jpeg-splitter.js';
export type { NumberRule, OptionReader, OptionReaderSettings } from './options.js';
export { readOptions } from './options.js';
export { retryDelay } from './retry.js';
