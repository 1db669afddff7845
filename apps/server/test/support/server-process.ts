// The server process: `node dist/main.js` as a child, its JSON log lines parsed as they arrive.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import { onCleanup } from './cleanup.js';

/** The server's entry point, as built by `pnpm turbo run build`. */
export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** One pino line from the server's stdout. */
export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

export type LogMatch = Partial<Record<string, unknown>> | ((line: LogLine) => boolean);

function matches(line: LogLine, match: LogMatch): boolean {
  if (typeof match === 'function') return match(line);
  return Object.entries(match).every(([key, value]) => line[key] === value);
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A spawned `node dist/main.js`, with its log lines parsed as they arrive. */
export class ServerProcess {
  readonly child: ChildProcess;
  /** Every stdout line, in order (a line that is not JSON is kept as `{ msg: line, level: -1 }`). */
  readonly logs: LogLine[] = [];
  stdout = '';
  stderr = '';
  /** Resolves when the process has exited and its stdout and stderr are read to the end. */
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  #partial = '';

  /** `args` are the server's command-line arguments, such as `['--config', path]`. */
  constructor(env: Record<string, string | undefined>, args: readonly string[] = []) {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "pnpm turbo run build" first`);
    this.child = spawn(process.execPath, [MAIN, ...args], {
      env: serverEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.#onStdout(chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
    });
    onCleanup(() => this.kill());
  }

  /** The exit status, once the process has ended. */
  get exit(): Exit | undefined {
    return this.#exit;
  }

  /** A cursor into the log: pass it to {@link waitForLog} to see only lines logged after now. */
  mark(): number {
    return this.logs.length;
  }

  /** The lines from `from` on that match. */
  find(match: LogMatch, from = 0): LogLine[] {
    return this.logs.slice(from).filter((line) => matches(line, match));
  }

  /**
   * The first line at or after index `from` that matches, waiting for it (vi.waitFor) up to `timeout` ms;
   * fails at once if the server exits without logging it.
   */
  async waitForLog(match: LogMatch, options: { from?: number; timeout?: number } = {}): Promise<LogLine> {
    const { from = 0, timeout = 5000 } = options;
    const what = () =>
      `${typeof match === 'function' ? 'a matching line' : JSON.stringify(match)}` +
      ` (exit ${JSON.stringify(this.#exit)}; stderr ${JSON.stringify(this.stderr)}; log:\n${this.stdout})`;
    // Settles on the line, or on the exit (lines are all parsed by then: 'close' comes after stdout ends).
    const found = await vi.waitFor(
      () => {
        const line = this.logs.slice(from).find((candidate) => matches(candidate, match));
        if (line || this.#exit) return { line };
        throw new Error(`no log line ${what()}`);
      },
      { timeout, interval: 10 },
    );
    if (!found.line) throw new Error(`server exited before logging ${what()}`);
    return found.line;
  }

  /** The exit status once the process has ended, waiting for it (vi.waitFor) up to `timeout` ms. */
  waitForExit(timeout: number, what = 'the server to exit'): Promise<Exit> {
    return vi.waitFor(
      () => {
        if (!this.#exit) throw new Error(`waiting for ${what}: still running after ${timeout} ms`);
        return this.#exit;
      },
      { timeout, interval: 10 },
    );
  }

  /** Sends `signal` (default SIGKILL) if the process still runs, and waits for it to end. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (!this.#exit) this.child.kill(signal);
    return this.exited;
  }

  #onStdout(chunk: string): void {
    this.stdout += chunk;
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop()!;
    for (const text of lines) {
      if (!text.trim()) continue;
      try {
        this.logs.push(JSON.parse(text) as LogLine);
      } catch {
        this.logs.push({ level: -1, time: Date.now(), msg: text });
      }
    }
  }
}

/** A controlled environment: nothing leaks in from the test runner's own (a stray CAMERA_* would). */
function serverEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const merged: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...env,
  };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
}

export interface RunningServer {
  proc: ServerProcess;
  port: number;
  url: string;
}

/** Starts the server and waits for its "listening on" line; fails with its stderr if it does not start. */
export async function startServer(
  env: Record<string, string | undefined> = {},
  args: readonly string[] = [],
): Promise<RunningServer> {
  const proc = new ServerProcess(env, args);
  const line = await proc.waitForLog((l) => l.msg.startsWith('listening on'), { timeout: 10_000 });
  const port = line.port;
  if (typeof port !== 'number' || port <= 0) throw new Error(`no port in ${JSON.stringify(line)}`);
  return { proc, port, url: `http://127.0.0.1:${port}` };
}

/** Runs the server to its end; for configurations that must stop it at start. */
export async function runServerToExit(
  env: Record<string, string | undefined>,
  timeout = 10_000,
  args: readonly string[] = [],
): Promise<Exit & { stdout: string; stderr: string; logs: LogLine[] }> {
  const proc = new ServerProcess(env, args);
  const exit = await proc.waitForExit(timeout, `the server with ${JSON.stringify(env)} to exit`);
  return { ...exit, stdout: proc.stdout, stderr: proc.stderr, logs: proc.logs };
}

/** Holds a TCP port on `host` until cleanup, so that the server finds it in use. */
export async function occupyPort(host = '127.0.0.1'): Promise<number> {
  const server: Server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
