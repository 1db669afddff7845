import { BaseCamera, type CameraOptions, ChildFrames } from '@cam/core';
import { type PiCameraOptions, parsePiOptions, rpicamArgs } from './options.js';
import { DEFAULT_COMMANDS, startRpicam } from './rpicam-process.js';

/**
 * The Raspberry Pi camera, through one long-lived `rpicam-vid` (or `libcamera-vid`) writing MJPEG to
 * its stdout, started when the camera starts and stopped when it stops. Options are validated here, so a
 * bad one throws `INVALID_OPTION` at construction, not at the first viewer.
 *
 * A tool that runs but sends no frame (no first frame, or a camera that timed out and is being restarted
 * by rpicam-vid itself) fails through `@cam/core`'s `startTimeout` and `stallTimeout`, with the tool's
 * last words in the message.
 */
export class PiCamera extends BaseCamera {
  readonly options: Readonly<PiCameraOptions>;
  /** The arguments rpicam-vid gets. */
  readonly args: readonly string[];
  /** The programs tried, in order: the first one found runs. */
  readonly commands: readonly string[];
  /** How long each stop signal (SIGINT, then SIGTERM, then SIGKILL) waits for the tool to exit (ms). */
  readonly signalTimeout: number;
  #process: ChildFrames | undefined;

  constructor(options: PiCameraOptions = {}, camera: CameraOptions = {}) {
    const parsed = parsePiOptions(options as Record<string, unknown>);
    const signalTimeout = parsed.signalTimeout ?? 2000;
    super({
      name: 'pi',
      ...camera,
      // The camera waits for the whole escalation before it gives a run up, unless told otherwise.
      stopTimeout: camera.stopTimeout ?? ChildFrames.stopTimeout(signalTimeout),
    });
    this.options = parsed;
    this.args = rpicamArgs(parsed);
    this.commands = parsed.command ? [parsed.command] : DEFAULT_COMMANDS;
    this.signalTimeout = signalTimeout;
  }

  /** The running tool's process id, while the camera runs. */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    const tool = await startRpicam(this.commands, this.args, this.name);
    this.#process = tool;
    try {
      for (let frame = await tool.next(signal); frame; frame = await tool.next(signal)) yield frame;
    } finally {
      await tool.stop(this.signalTimeout);
      if (this.#process === tool) this.#process = undefined;
    }
  }

  protected override describeTimeout(): string | undefined {
    const tool = this.#process;
    const said = tool?.summary;
    return tool && said ? `${tool.command} last said: ${said}` : undefined;
  }
}
