import { type ChildProcess, type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { CameraError } from '@cam/core';
import { JpegSplitter } from './jpeg-splitter.js';

/** The programs looked for, in order, when the `command` option is not set. */
export const DEFAULT_COMMANDS: readonly string[] = ['rpicam-vid', 'libcamera-vid'];

/**
 * libcamera before 0.7 colours its log lines even into a pipe; these turn that off (older and newer
 * spellings). Escapes that come anyway (a wrapper that resets the environment) are stripped when read.
 */
const PLAIN_LOG_ENV = { LIBCAMERA_LOG_NO_COLOR: '1', LIBCAMERA_LOG_COLOR: 'no' };

/** How much of the tool's stderr is kept for error messages: its last 4 KiB. */
const STDERR_TAIL = 4096;
/**
 * Frames read but not yet taken. The camera takes each frame as soon as it is read, so this holds more
 * than one only when a chunk completes several; the bound is a safety net, dropping the oldest.
 */
const MAX_QUEUED = 8;

type Child = ChildProcessByStdio<null, Readable, Readable>;

/**
 * One running rpicam-vid: its stdout split into JPEG frames, the tail of its stderr kept for errors, and
 * a stop that escalates from SIGINT to SIGTERM to SIGKILL. The child leads its own process group: a
 * Ctrl-C in a terminal reaches only the server, which stops the child in order, and the stop signals the
 * whole group, so a wrapper script given as `command` goes with what it started. Should the server die
 * without stopping it, the child's next write to its closed stdout pipe ends it (since rpicam-apps 1.4.3
 * by SIGABRT: "failed to write output bytes" is thrown where nothing catches it; before, by SIGPIPE).
 *
 * A camera that stops sending (rpicam-vid logs "Camera frontend has timed out!" and restarts the camera
 * without exiting) is not detected here: `@cam/core`'s stall watchdog fails the run, and the driver's
 * `finally` stops the tool.
 */
export class RpicamProcess {
  readonly #child: Child;
  readonly #camera: string;
  readonly #splitter = new JpegSplitter();
  readonly #exited: Promise<void>;
  #queue: Buffer[] = [];
  #framesRead = 0;
  #stderr = Buffer.alloc(0);
  #failure: CameraError | undefined;
  #wake: (() => void) | undefined;

  private constructor(
    readonly command: string,
    child: Child,
    camera: string,
  ) {
    this.#child = child;
    this.#camera = camera;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout.on('data', (chunk: Buffer) => this.#onOutput(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr = Buffer.concat([this.#stderr, chunk]).subarray(-STDERR_TAIL);
    });
    child.on('error', (error) => this.#fail(this.#error('DRIVER_FAILED', error.message, error)));
    // 'close' comes after the exit and after stdout and stderr are read to their end.
    child.once('close', (code, signal) => this.#fail(this.#exitError(code, signal)));
  }

  /** Starts the first of `commands` found on PATH; `DEPENDENCY_MISSING` when there is none. */
  static async start(
    commands: readonly string[],
    args: readonly string[],
    camera: string,
  ): Promise<RpicamProcess> {
    const { command, child } = await spawnFirst(commands, args, camera, ['ignore', 'pipe', 'pipe']);
    return new RpicamProcess(command, child as Child, camera);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** What the tool last wrote to stderr (at most 4 KiB), without colour escapes. */
  get stderr(): string {
    return stripVTControlCharacters(this.#stderr.toString('utf8'));
  }

  /** The line of the tool's stderr that says most: the last one with "error" in it, else the last one. */
  get summary(): string {
    return this.#line(/error/i) ?? this.#lines().at(-1) ?? '';
  }

  /**
   * The next frame; `undefined` once `signal` aborts. Throws the failure (the process exited, or its
   * output is not JPEG) once the frames before it are taken.
   */
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
   * Ends the process: SIGINT (on which rpicam-vid exits cleanly), then SIGTERM, then SIGKILL, each after
   * `stepTimeout` ms without an exit. Resolves once it has exited (or, should even SIGKILL not end it
   * in time, after the last wait). Output is drained meanwhile, so a writer blocked on a full pipe
   * gets to see its signal.
   */
  async stop(stepTimeout: number): Promise<void> {
    const child = this.#child;
    child.stdout.removeAllListeners('data');
    child.stdout.resume();
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
      if (hasExited(child)) break;
      signalGroup(child, signal);
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
      const reason = `its output is not a stream of JPEG images: ${(error as Error).message}`;
      this.#fail(
        new CameraError('INVALID_FRAME', `${this.command}: ${reason}`, {
          camera: this.#camera,
          cause: error,
        }),
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
    const noCamera = this.#line(/no cameras available/i);
    if (noCamera) {
      return this.#error(
        'DEVICE_NOT_FOUND',
        `no camera found: ${this.command} ${how} saying "${noCamera}". Check the camera's ribbon cable and ` +
          'that `rpicam-hello --list-cameras` lists it',
      );
    }
    const notThere = this.#line(/selected camera is not available/i);
    if (notThere) {
      return this.#error(
        'DEVICE_NOT_FOUND',
        `no such camera: ${this.command} ${how} saying "${notThere}". The option camera is an index ` +
          'from 0; `rpicam-hello --list-cameras` lists the cameras there are',
      );
    }
    const busy = this.#line(/failed to acquire camera/i);
    if (busy)
      return this.#error('DEVICE_NOT_FOUND', `the camera is busy (is another program using it?): ${busy}`);
    const said = this.summary;
    const when =
      this.#framesRead === 0 ? 'before its first frame' : `unexpectedly after ${this.#framesRead} frames`;
    return this.#error('DRIVER_FAILED', `${this.command} ${how} ${when}${said ? `: ${said}` : ''}`);
  }

  /** The last line of stderr that matches. */
  #line(pattern: RegExp): string | undefined {
    return this.#lines().findLast((line) => pattern.test(line));
  }

  #lines(): string[] {
    return this.stderr
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  }

  #error(code: 'DEVICE_NOT_FOUND' | 'DRIVER_FAILED', detail: string, cause?: unknown): CameraError {
    const stderr = this.stderr.trim();
    return new CameraError(code, detail, {
      camera: this.#camera,
      cause:
        cause ??
        (stderr ? new Error(`${this.command} stderr (last ${STDERR_TAIL} bytes):\n${stderr}`) : undefined),
    });
  }
}

/**
 * Spawns the first of `commands` that exists, each looked up on PATH by the system as it runs it (the
 * driver reads no environment itself). Throws `DEPENDENCY_MISSING` naming them all when none does.
 */
export async function spawnFirst(
  commands: readonly string[],
  args: readonly string[],
  camera: string,
  stdio: ['ignore', 'pipe' | 'ignore', 'pipe' | 'ignore'],
): Promise<{ command: string; child: ChildProcess }> {
  const failures: NodeJS.ErrnoException[] = [];
  for (const command of commands) {
    const child = spawn(command, args, { stdio, detached: true, env: { ...process.env, ...PLAIN_LOG_ENV } });
    const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', resolve);
    });
    if (!error) return { command, child };
    if (error.code !== 'ENOENT' && error.code !== 'EACCES') {
      throw new CameraError('DRIVER_FAILED', `cannot run ${command}: ${error.message}`, {
        camera,
        cause: error,
      });
    }
    failures.push(error);
  }
  throw new CameraError('DEPENDENCY_MISSING', missingMessage(commands), { camera, cause: failures[0] });
}

function missingMessage(commands: readonly string[]): string {
  if (commands !== DEFAULT_COMMANDS) {
    return `cannot run ${commands.join(', ')} (option command): not found, or not executable`;
  }
  return (
    'neither rpicam-vid nor libcamera-vid is on PATH. Raspberry Pi OS (Bookworm or later) ships them; ' +
    'on other distributions install rpicam-apps where available (sudo apt install rpicam-apps)'
  );
}

/** Signals the child's process group (the child and anything it started), or the child alone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
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
