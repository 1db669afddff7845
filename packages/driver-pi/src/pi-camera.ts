import { BaseCamera, type CameraOptions } from '@cam/core';
import { type PiCameraOptions, parsePiOptions, rpicamArgs } from './options.js';
import { DEFAULT_COMMANDS, RpicamProcess } from './rpicam-process.js';

/**
 * The Raspberry Pi camera, through one long-lived `rpicam-vid` (or `libcamera-vid`) writing MJPEG to
 * its stdout, started when the camera starts and stopped when it stops. Options are validated here, so a
 * bad one throws `INVALID_OPTION` at construction, not at the first viewer.
 */
export class PiCamera extends BaseCamera {
  readonly options: Readonly<PiCameraOptions>;
  /** The arguments rpicam-vid gets. */
  readonly args: readonly string[];
  /** The programs tried, in order: the first one found runs. */
  readonly commands: readonly string[];
  readonly firstFrameTimeout: number;
  readonly stopTimeout: number;
  #process: RpicamProcess | undefined;

  constructor(options: PiCameraOptions = {}, camera: CameraOptions = {}) {
    super({ name: 'pi', ...camera });
    this.options = parsePiOptions(options as Record<string, unknown>);
    this.args = rpicamArgs(this.options);
    this.commands = this.options.command ? [this.options.command] : DEFAULT_COMMANDS;
    this.firstFrameTimeout = this.options.firstFrameTimeout ?? 10_000;
    this.stopTimeout = this.options.stopTimeout ?? 2000;
  }

  /** The running tool's process id, while the camera runs. */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    const tool = await RpicamProcess.start(this.commands, this.args, this.name);
    this.#process = tool;
    try {
      let frame = await tool.next(signal, this.firstFrameTimeout);
      while (frame) {
        yield frame;
        frame = await tool.next(signal);
      }
    } finally {
      await tool.stop(this.stopTimeout);
      this.#process = undefined;
    }
  }
}
