// Frames from a capture program's stdout: for drivers that run one long-lived child (rpicam-vid, ffmpeg)
// writing back-to-back JPEGs to a pipe. The child leads its own process group, so a Ctrl-C in a terminal
// reaches only the server (which then stops the child in order), and a stop signals the whole group: a
// wrapper script goes with whatever it started.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { CameraError } from './errors.js';
import { JpegSplitter } from './jpeg-splitter.js';

/** How a capture program ended, with what it said: what {@link ChildFramesOptions.exitError} reads. */
export interface ChildExit {
  /** The program, as messages name it. */
  readonly command: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** `exited with code 1` or `was killed by SIGSEGV`, for messages. */
  readonly how: string;
  /** Frames read from its stdout before it ended. */
  readonly framesRead: number;
  /** The tail of its stderr, cleaned (see {@link ChildFrames.stderr}). */
  readonly stderr: string;
  /** The non-empty lines of `stderr`, trimmed. */
  readonly lines: readonly string[];
  /** The whole stderr tail as an Error, to be a CameraError's `cause`; undefined when it said nothing. */
  readonly cause: Error | undefined;
}

export interface ChildFramesOptions {
  /** The camera's name, which prefixes the messages of the errors. */
  camera: string;
  /** The program's name in messages. Default: the command the child was spawned with. */
  command?: string;
  /**
   * Frames read but not yet taken, at most (default 2): the newest count, older ones are dropped. The
   * camera takes each frame as soon as it is read, so this is a safety net for a chunk completing several.
   */
  maxQueued?: number;
  /** How many bytes of the end of stderr are kept for messages (default 4096). */
  stderrTail?: number;
  /** Applied to stderr before it appears anywhere, e.g. to hide credentials in URLs the program prints. */
  redact?: (text: string) => string;
  /**
   * The error for the program's exit, when you can tell more than the default does (a code from what it
   * said: `DEVICE_NOT_FOUND`, `UNAUTHORIZED`...). Return undefined for the default: `SOURCE_ENDED` when it
   * exited with code 0 after frames, else `DRIVER_FAILED`, each quoting {@link ChildFrames.summary}.
   */
  exitError?: (exit: ChildExit) => CameraError | undefined;
}

/** What {@link spawnProcess} takes: the `stdio` and `env` of `child_process.spawn`. */
export interface SpawnProcessOptions {
  stdio?: SpawnOptions['stdio'];
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts `command` as the leader of its own process group and resolves once it runs. Rejects with
 * spawn's own error (`code` `ENOENT` when it is not found, `EACCES` when it cannot be run), for the
 * driver to turn into a `DEPENDENCY_MISSING` that says how to install it. Mind that this error's
 * `spawnargs` holds the arguments: don't show it when they may hold credentials.
 */
export async function spawnProcess(
  command: string,
  args: readonly string[],
  options: SpawnProcessOptions = {},
): Promise<ChildProcess> {
  const child = spawn(command, args, {
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
    env: options.env,
    detached: true,
  });
  const error = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  if (error) throw error;
  return child;
}

/**
 * One running capture program: its stdout split into JPEG frames by {@link JpegSplitter}, the tail of
 * its stderr kept for errors, its exit turned into a `CameraError`, and a stop that escalates from
 * SIGINT to SIGTERM to SIGKILL. A driver's `frames()` is then a loop over `next(signal)`, with
 * `stop()` in its `finally`.
 */
export class ChildFrames {
  readonly command: string;
  readonly #child: ChildProcess;
  readonly #stdout: Readable;
  readonly #stderrStream: Readable;
  readonly #options: ChildFramesOptions;
  readonly #maxQueued: number;
  readonly #stderrTail: number;
  readonly #splitter = new JpegSplitter();
  readonly #exited: Promise<void>;
  #queue: Buffer[] = [];
  #stderr = Buffer.alloc(0);
  #framesRead = 0;
  #failure: CameraError | undefined;
  #wake: (() => void) | undefined;

  /** Wraps a child started with its stdout and stderr piped (as {@link spawnProcess} does by default). */
  constructor(child: ChildProcess, options: ChildFramesOptions) {
    if (!child.stdout || !child.stderr) {
      throw new TypeError(
        'child must have its stdout and stderr piped: spawn it with stdio [*, "pipe", "pipe"]',
      );
    }
    this.command = options.command ?? child.spawnfile;
    this.#child = child;
    this.#stdout = child.stdout;
    this.#stderrStream = child.stderr;
    this.#options = options;
    this.#maxQueued = options.maxQueued ?? 2;
    this.#stderrTail = options.stderrTail ?? 4096;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout.on('data', (chunk: Buffer) => this.#onOutput(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr = Buffer.concat([this.#stderr, chunk]).subarray(-this.#stderrTail);
    });
    // Not the error itself as the cause: its `spawnargs` may hold credentials.
    child.on('error', (error) =>
      this.#fail(this.#error('DRIVER_FAILED', `${this.command}: ${error.message}`)),
    );
    // 'close' comes after the exit and after stdout and stderr are read to their end.
    child.once('close', (code, signal) => this.#fail(this.#exitError(code, signal)));
  }

  /** {@link spawnProcess}, then a ChildFrames over it. Rejects with spawn's error, as spawnProcess does. */
  static async start(
    command: string,
    args: readonly string[],
    options: ChildFramesOptions & { env?: NodeJS.ProcessEnv },
  ): Promise<ChildFrames> {
    const child = await spawnProcess(command, args, { env: options.env });
    return new ChildFrames(child, { command, ...options });
  }

  /**
   * The camera's `stopTimeout` that lets a whole {@link stop} run (three signals, each waiting
   * `stepTimeout` ms) with a second to spare, so that a run is never abandoned, and the next one started,
   * while the program may still hold the device.
   */
  static stopTimeout(stepTimeout: number): number {
    return 3 * stepTimeout + 1000;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get framesRead(): number {
    return this.#framesRead;
  }

  /** The tail of what the program wrote to stderr: terminal escapes stripped, `redact` applied, trimmed. */
  get stderr(): string {
    const text = stripVTControlCharacters(this.#stderr.toString('utf8'));
    return (this.#options.redact?.(text) ?? text).trim();
  }

  /** The line of stderr that says most: the last one with "error" in it, else the last one ('' if none). */
  get summary(): string {
    const lines = stderrLines(this.stderr);
    return lines.findLast((line) => /error/i.test(line)) ?? lines.at(-1) ?? '';
  }

  /**
   * The next frame; `undefined` once `signal` aborts. Throws the failure (the program exited, or its
   * output is not JPEG) once the frames read before it are taken.
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
   * Ends the program: SIGINT (on which capture programs finish cleanly), then SIGTERM, then SIGKILL, each
   * after `stepTimeout` ms without an exit, to its whole process group. Resolves once it has exited (or,
   * should even SIGKILL not end it in time, after the last wait). Output is drained meanwhile, so that a
   * writer blocked on a full pipe gets to see its signal.
   */
  async stop(stepTimeout: number): Promise<void> {
    const child = this.#child;
    this.#stdout.removeAllListeners('data');
    this.#stdout.resume();
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
      if (child.exitCode !== null || child.signalCode !== null) break;
      signalGroup(child, signal);
      if (await settlesWithin(this.#exited, stepTimeout)) break;
    }
    this.#stdout.destroy();
    this.#stderrStream.destroy();
  }

  #onOutput(chunk: Buffer): void {
    if (this.#failure) return;
    try {
      for (const frame of this.#splitter.push(chunk)) {
        this.#framesRead += 1;
        if (this.#queue.push(frame) > this.#maxQueued) this.#queue.shift();
      }
    } catch (error) {
      const reason = `its output is not a stream of JPEG images: ${(error as Error).message}`;
      this.#fail(
        new CameraError('INVALID_FRAME', `${this.command}: ${reason}`, {
          camera: this.#options.camera,
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
    const stderr = this.stderr;
    const exit: ChildExit = {
      command: this.command,
      code,
      signal,
      how: signal ? `was killed by ${signal}` : `exited with code ${code}`,
      framesRead: this.#framesRead,
      stderr,
      lines: stderrLines(stderr),
      cause: this.#stderrCause(),
    };
    const custom = this.#options.exitError?.(exit);
    if (custom) return custom;
    const when = exit.framesRead === 0 ? 'before its first frame' : `after ${exit.framesRead} frames`;
    const said = this.summary;
    return this.#error(
      exit.framesRead > 0 && code === 0 ? 'SOURCE_ENDED' : 'DRIVER_FAILED',
      `${this.command} ${exit.how} ${when}${said ? `: ${said}` : ''}`,
    );
  }

  #error(code: 'DRIVER_FAILED' | 'SOURCE_ENDED', detail: string): CameraError {
    return new CameraError(code, detail, { camera: this.#options.camera, cause: this.#stderrCause() });
  }

  #stderrCause(): Error | undefined {
    const stderr = this.stderr;
    return stderr
      ? new Error(`${this.command} stderr (last ${this.#stderrTail} bytes):\n${stderr}`)
      : undefined;
  }
}

function stderrLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Signals the child's process group (the child and anything it started), or the child alone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
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
