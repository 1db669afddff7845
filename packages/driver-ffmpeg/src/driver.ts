import { execFile } from 'node:child_process';
import type { CameraDriver } from '@cam/core';
import { FfmpegCamera } from './ffmpeg-camera.js';
import { spawnError } from './ffmpeg-process.js';
import { DRIVER, type FfmpegCameraOptions, parseFfmpegOptions } from './options.js';

/**
 * Checks, without opening the source, that ffmpeg runs: `ffmpeg -version`, at most 5 s. Throws
 * `DEPENDENCY_MISSING` saying how to install it.
 */
export function checkFfmpegAvailable(options: Partial<FfmpegCameraOptions> = {}): Promise<void> {
  const command = options.command ?? 'ffmpeg';
  return new Promise((resolve, reject) => {
    execFile(command, ['-version'], { timeout: 5000 }, (error) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (error && typeof code === 'string')
        reject(spawnError(command, error as NodeJS.ErrnoException, DRIVER));
      else resolve(); // it ran; an odd exit status of -version is no reason to refuse
    });
  });
}

export const driver: CameraDriver<FfmpegCameraOptions> & {
  checkAvailable(options: FfmpegCameraOptions): Promise<void>;
} = {
  name: DRIVER,
  description: 'anything ffmpeg opens (RTSP/H.264 IP cameras, HLS, files, V4L2), through one ffmpeg child',
  parseOptions: parseFfmpegOptions,
  createCamera: (options, camera) => new FfmpegCamera(options, camera),
  checkAvailable: checkFfmpegAvailable,
};
