import { BaseCamera, type CameraOptions, ChildFrames, withHuffmanTables } from '@cam/core';
import { startFfmpeg } from './ffmpeg-process.js';
import {
  DRIVER,
  type FfmpegCameraOptions,
  ffmpegArgs,
  redactCredentials,
  wantsReencoding,
} from './options.js';
import { probeVideoCodec } from './probe.js';

/**
 * Any source ffmpeg opens, as a camera: one long-lived `ffmpeg` child per run writes MJPEG to stdout,
 * split into frames by core's JpegSplitter. An MJPEG source is copied without re-encoding when no
 * option asks for decoding (fps, size, quality); a copied frame without Huffman tables gets the standard
 * ones. The child runs in its own process group and is stopped
 * SIGINT → SIGTERM → SIGKILL when the camera stops, so none outlives its run.
 */
export class FfmpegCamera extends BaseCamera {
  readonly options: Readonly<FfmpegCameraOptions>;
  readonly command: string;
  readonly #signalTimeout: number;
  #process: ChildFrames | undefined;
  /** The arguments of the last run, credentials replaced: what `describeTimeout` and tests show. */
  #args: string[] = [];

  constructor(options: FfmpegCameraOptions, camera: CameraOptions = {}) {
    const signalTimeout = options.signalTimeout ?? 2000;
    super({
      name: DRIVER,
      ...camera,
      // The camera waits for the whole SIGINT, SIGTERM, SIGKILL escalation before it gives a run up.
      stopTimeout: camera.stopTimeout ?? ChildFrames.stopTimeout(signalTimeout),
    });
    if (typeof options.input !== 'string' || options.input === '') {
      throw new TypeError('options.input must be what ffmpeg should open: a URL, a file or a device');
    }
    this.options = { ...options };
    this.command = options.command ?? 'ffmpeg';
    this.#signalTimeout = signalTimeout;
  }

  /** The running ffmpeg's process id, while there is one. */
  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** The last run's ffmpeg arguments, with any credentials in the input replaced by `***`. */
  get args(): readonly string[] {
    return this.#args;
  }

  protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
    const copy = !wantsReencoding(this.options) && (await probeVideoCodec(this.options, signal)) === 'mjpeg';
    const args = ffmpegArgs(this.options, copy);
    this.#args = args.map(redactCredentials);
    const process = await startFfmpeg(this.command, args, this.name);
    this.#process = process;
    try {
      for (;;) {
        const frame = await process.next(signal);
        if (!frame) return;
        // A copied frame is the source's own: a webcam's often lacks Huffman tables, which Safari needs.
        yield copy ? withHuffmanTables(frame) : frame;
      }
    } finally {
      this.#process = undefined;
      await process.stop(this.#signalTimeout);
    }
  }

  protected override describeTimeout(): string | undefined {
    const said = this.#process?.summary;
    return said ? `ffmpeg last said: ${said}` : undefined;
  }
}
