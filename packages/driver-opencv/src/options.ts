import { existsSync } from 'node:fs';
import { type CameraOptions, type OptionReader, type RawOptions, readOptions } from '@cam/core';
import type { OpenCvLoader } from './binding.js';
import { parseSource } from './source.js';

export const DRIVER_NAME = 'opencv';

export interface OpenCvCameraOptions {
  /**
   * What to capture: a camera index (default `0`, the first camera the system finds) or device path, a
   * video file, a URL, or a GStreamer pipeline ending in `appsink`. See `parseSource`.
   */
  source?: string | number;
  /** Frame width to ask a camera for, in pixels. Other sources deliver their own size. */
  width?: number;
  /** Frame height to ask a camera for, in pixels. */
  height?: number;
  /** Frame rate to ask a camera for; for a video file, the playback rate (default: the file's own). */
  fps?: number;
  /** JPEG quality, 1 to 100, for frames this driver encodes. Default 80. */
  quality?: number;
  /**
   * Pass the source's own JPEG frames through, without decoding and re-encoding: a camera is asked for
   * MJPEG, an MJPEG file or stream is read raw. Default true. False encodes every frame at `quality`.
   */
  passthrough?: boolean;
  /** Loop a video file when it ends (default true); false ends the camera with `SOURCE_ENDED`. */
  loop?: boolean;
}

/** The camera's own options: `CameraOptions` plus a replaceable binding loader. */
export interface OpenCvCameraSettings extends CameraOptions {
  /** Replaces the loader of @u4/opencv4nodejs; for tests that simulate a missing binding. */
  loadBinding?: OpenCvLoader;
}

/** Validates raw options (strings from the environment, or typed values) without loading OpenCV. */
export function parseOpenCvOptions(raw: RawOptions): OpenCvCameraOptions {
  const read = readOptions(raw, DRIVER_NAME);
  const options: OpenCvCameraOptions = { source: sourceOption(read) };
  const size = { min: 1, max: 16_384, integer: true };
  const width = read.number('width', size);
  const height = read.number('height', size);
  const fps = read.number('fps', { min: 0.1, max: 1000 });
  const quality = read.number('quality', { min: 1, max: 100, integer: true });
  const passthrough = read.boolean('passthrough');
  const loop = read.boolean('loop');
  read.done();
  if (width !== undefined) options.width = width;
  if (height !== undefined) options.height = height;
  if (fps !== undefined) options.fps = fps;
  if (quality !== undefined) options.quality = quality;
  if (passthrough !== undefined) options.passthrough = passthrough;
  if (loop !== undefined) options.loop = loop;
  return options;
}

function sourceOption(read: OptionReader): string | number {
  const value = read.value('source');
  if (value === undefined) return 0;
  const accepts =
    'a camera index (0, 1…), a device path, a video file, a URL or a GStreamer pipeline ending in appsink';
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return value;
    throw read.invalid('source', accepts, value);
  }
  if (typeof value !== 'string' || value.trim() === '') throw read.invalid('source', accepts, value);
  const source = parseSource(value);
  if (source.kind === 'pipeline' && !/\bappsink\b/.test(source.text)) {
    throw read.invalid('source', 'a GStreamer pipeline that ends in appsink', value);
  }
  if (source.kind === 'file' && !existsSync(source.text)) {
    const what = 'an existing video file (or a camera index, a URL or a GStreamer pipeline)';
    throw read.invalid('source', what, value);
  }
  return /^\d+$/.test(source.text) ? Number(source.text) : source.text;
}
