import { type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { CameraError, type CameraErrorCode, JpegSplitter } from '@cam/core';
import { redactCredentials } from './options.js';

/** Frames kept for a reader slower than ffmpeg: the newest count, older ones are dropped. */
const MAX_QUEUED = 2;
/** How much of stderr is kept for messages. */
const STDERR_TAIL = 4096;

type Child = ChildProcessByStdio<null, Readable, Readable>;

/** ffmpeg's stderr lines that say why it failed, in the order they are checked, and the code each means. */
const STDERR_CODES: [RegExp, CameraErrorCode, string][] = [
  [/401 Unauthorized|403 Forbidden|Unauthorized/i, 'UNAUTHORIZED', 'the source refused the credentials'],
  [
    /No such file or directory|404 Not Found|Connection refused|Name or service not known|Failed to resolve|No route to host|Invalid data found when processing input/i,
    'DEVICE_NOT_FOUND',
    'the source cannot be opened',
  ],
  [/timed out|Timeout/i, 'TIMEOUT', 'the source did not answer in time'],
];

/**
 * One running ffmpeg: its stdout split into JPEG frames by core's JpegSplitter, its stderr kept for
 * errors. It runs in its own process group, so that stopping it ends anything it started.
 */
export class FfmpegProcess {
  readonly command: string;
  readonly #child: Child;
  readonly #camera: string;
  readonly #splitter = new JpegSplitter();
  readonly #exited: Promise<void>;
  #queue: Buffer[] = [];
  #stderr = Buffer.alloc(0);
  #framesRead = 0;
  #failure: CameraError | undefined;
  #wake: (() => void) | undefined;

  private constructor(command: string, child: Child, camera: string) {
    this.command = command;
    this.#child = child;
    this.#camera = camera;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout.on('data', (chunk: Buffer) => this.#onOutput(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      const all = Buffer.concat([this.#stderr, chunk]);
      this.#stderr = all.subarray(Math.max(0, all.length - STDERR_TAIL));
    });
    child.on('error', (error) => this.#fail(new CameraError('DRIVER_FAILED', error.message, { camera })));
    // 'close' comes after the exit and after stdout and stderr are read to their end.
    child.once('close', (code, signal) => this.#fail(this.#exitError(code, signal)));
  }

  /** Starts `command` with `args`; `DEPENDENCY_MISSING` when it is not on PATH. */
  static async start(command: string, args: readonly string[], camera: string): Promise<FfmpegProcess> {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', resolve);
    });
    if (error) throw spawnError(command, error, camera);
    return new FfmpegProcess(command, child, camera);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** What ffmpeg last wrote to stderr, credentials in URLs replaced. */
  get stderr(): string {
    return redactCredentials(this.#stderr.toString('utf8')).trim();
  }

  /** The next frame; `undefined` once `signal` aborts. Throws the failure once the frames before it are taken. */
  async next(signal: AbortSignal): Promise<Buffer | undefined> {
    while (!signal.aborted) {
      const frame = this.#queue.shift();
      if (frame) return frame;
      if (this.#failure) throw this.#failure;
      await new Promise<void>((resolve) => {
        const wake = () => {
          signal.removeEventListener('abort', wake);
          this.#wake = undefined;
          resolve();
        };
        this.#wake = wake;
        signal.addEventListener('abort', wake);
      });
    }
    return undefined;
  }

  /**
   * Ends ffmpeg: SIGINT (it finishes cleanly), then SIGTERM, then SIGKILL, each after `stepTimeout` ms
   * without an exit, to the whole process group. Output is drained meanwhile, so that a writer blocked on
   * a full pipe sees its signal.
   */
  async stop(stepTimeout: number): Promise<void> {
    const child = this.#child;
    child.stdout.removeAllListeners('data');
    child.stdout.resume();
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      try {
        process.kill(-child.pid!, signal);
      } catch {
        child.kill(signal);
      }
      if (await settlesWithin(this.#exited, stepTimeout)) break;
    }
    child.stdout.destroy();
    child.stderr.destroy();
  }

  #onOutput(chunk: Buffer): void {
    if (this.#failure) return;
    try {
      for (const frame of this.#splitter.push(chunk)) {
        this.#framesRead += 1;
        if (this.#queue.push(frame) > MAX_QUEUED) this.#queue.shift();
      }
    } catch (error) {
      this.#fail(
        new CameraError(
          'INVALID_FRAME',
          `ffmpeg's output is not a stream of JPEG images: ${(error as Error).message}`,
          {
            camera: this.#camera,
            cause: error,
          },
        ),
      );
    }
    this.#wake?.();
  }

  #fail(error: CameraError): void {
    this.#failure ??= error;
    this.#wake?.();
  }

  #exitError(code: number | null, signal: NodeJS.Signals | null): CameraError {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const lines = this.stderr
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const cause = lines.length
      ? new Error(`ffmpeg stderr (last ${STDERR_TAIL} bytes):\n${this.stderr}`)
      : undefined;
    for (const [pattern, errorCode, meaning] of STDERR_CODES) {
      const line = lines.findLast((text) => pattern.test(text));
      if (line)
        return new CameraError(errorCode, `${meaning}: ffmpeg ${how} saying "${line}"`, {
          camera: this.#camera,
          cause,
        });
    }
    const when = this.#framesRead === 0 ? 'before its first frame' : `after ${this.#framesRead} frames`;
    const said = lines.at(-1);
    return new CameraError(
      this.#framesRead > 0 && code === 0 ? 'SOURCE_ENDED' : 'DRIVER_FAILED',
      `ffmpeg ${how} ${when}${said ? `: ${said}` : ''}`,
      { camera: this.#camera, cause },
    );
  }
}

/** The error for a program that could not be started. */
export function spawnError(command: string, error: NodeJS.ErrnoException, camera: string): CameraError {
  // Not the error itself as the cause: it carries `spawnargs`, whose input URL may hold a password.
  const cause = new Error(`spawn ${command} ${error.code ?? ''}: ${error.message}`.trim());
  if (error.code === 'ENOENT' || error.code === 'EACCES') {
    const install =
      command === 'ffmpeg'
        ? 'install it (Debian, Ubuntu, Raspberry Pi OS: sudo apt install ffmpeg)'
        : 'check the option command';
    return new CameraError(
      'DEPENDENCY_MISSING',
      `cannot run ${command}: not found on PATH or not executable; ${install}`,
      {
        camera,
        cause,
      },
    );
  }
  return new CameraError('DRIVER_FAILED', `cannot run ${command}: ${error.message}`, {
    camera,
    cause,
  });
}

/** True when `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
