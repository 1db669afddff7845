import type { CameraDriver } from '@cam/core';
import { type PiCameraOptions, parsePiOptions } from './options.js';
import { PiCamera } from './pi-camera.js';
import { DEFAULT_COMMANDS, spawnFirst } from './rpicam-process.js';

/**
 * Checks, without opening the camera, that the tool can run: starts `<tool> --version` and waits for it
 * (at most 5 s). Throws `DEPENDENCY_MISSING` naming the programs looked for and how to install them.
 */
export async function checkPiAvailable(options: PiCameraOptions = {}): Promise<void> {
  const commands = options.command ? [options.command] : DEFAULT_COMMANDS;
  const { child } = await spawnFirst(commands, ['--version'], 'pi', ['ignore', 'ignore', 'ignore']);
  child.on('error', () => {}); // a failed kill of a tool that just exited is no news
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await new Promise((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
}

export const driver: CameraDriver<PiCameraOptions> & {
  checkAvailable(options: PiCameraOptions): Promise<void>;
} = {
  name: 'pi',
  description: 'Raspberry Pi camera: one long-lived rpicam-vid (libcamera-vid) streaming MJPEG',
  parseOptions: parsePiOptions,
  createCamera: (options, camera) => new PiCamera(options, camera),
  checkAvailable: checkPiAvailable,
};
