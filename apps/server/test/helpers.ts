// Shared by the server's end-to-end tests: start the real server (dist/main.js) as a child process, read
// its JSON log lines, read its Motion-JPEG streams over real sockets, run external tools, and clean up.
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultFrameFiles } from '@cam/driver-emulated';
import { MjpegParser, type MjpegPart } from '@cam/http-mjpeg/client';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { type Browser, chromium } from 'playwright-core';

/** The server's entry point, as built by `pnpm turbo run build`. */
export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

// ---------------------------------------------------------------------------------------------------
// Cleanup: everything a test starts is registered here and ended by `cleanup()` in afterEach.

const cleanups = new Set<() => unknown>();

/** Registers `fn` to run at the next `cleanup()`; returns a function that unregisters it. */
export function onCleanup(fn: () => unknown): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** Kills every child process, closes every socket and browser a test left open. Call in afterEach. */
export async function cleanup(): Promise<void> {
  const pending = [...cleanups];
  cleanups.clear();
  await Promise.allSettled(pending.map(async (fn) => fn()));
}

// ---------------------------------------------------------------------------------------------------
// Timing

/** Rejects with `message` if `promise` has not settled after `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${message}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------
// The server process

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
  readonly #listeners = new Set<() => void>();

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
        this.#notify();
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

  /** The first line at or after index `from` that matches, waiting for it up to `timeout` ms. */
  waitForLog(match: LogMatch, options: { from?: number; timeout?: number } = {}): Promise<LogLine> {
    const { from = 0, timeout = 5000 } = options;
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.logs.slice(from).find((line) => matches(line, match));
        if (found) return finish(() => resolve(found));
        if (this.#exit) return finish(() => reject(new Error(`server exited before logging ${describe()}`)));
      };
      const describe = () =>
        `${typeof match === 'function' ? 'a matching line' : JSON.stringify(match)}` +
        ` (exit ${JSON.stringify(this.#exit)}; stderr ${JSON.stringify(this.stderr)}; log:\n${this.stdout})`;
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no log line ${describe()} within ${timeout} ms`))),
        timeout,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        settle();
      };
      this.#listeners.add(check);
      check();
    });
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
    this.#notify();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
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
  const exit = await within(proc.exited, timeout, `server with ${JSON.stringify(env)} did not exit`);
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

// ---------------------------------------------------------------------------------------------------
// Reading a Motion-JPEG stream over a real socket

export interface StreamEnd {
  /** True when the whole response arrived (the server ended it), false when the connection was cut. */
  complete: boolean;
}

/** A `/video_feed` response being read: every part, parsed with the project's strict client parser. */
export class MjpegStream {
  readonly parts: MjpegPart[] = [];
  readonly chunks: Buffer[] = [];
  /** The first error of the strict parser; the stream keeps being read (raw) after it. */
  parseError: Error | undefined;
  /** Resolves when the response is over, either way. */
  readonly ended: Promise<StreamEnd>;
  readonly #parser = new MjpegParser();
  readonly #listeners = new Set<() => void>();
  #over = false;

  constructor(readonly response: IncomingMessage) {
    response.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      if (!this.parseError) {
        try {
          this.parts.push(...this.#parser.push(chunk));
        } catch (error) {
          this.parseError = error as Error;
        }
      }
      this.#notify();
    });
    this.ended = new Promise((resolve) => {
      response.once('close', () => {
        this.#over = true;
        this.#notify();
        resolve({ complete: response.complete });
      });
    });
    response.on('error', () => {}); // a cut connection shows as complete: false
  }

  get raw(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** True once the close delimiter arrived and parsed. */
  get closed(): boolean {
    return this.#parser.closed;
  }

  /** Waits until at least `count` parts arrived since the stream opened. */
  waitForParts(count: number, timeout = 5000): Promise<MjpegPart[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.parts.length >= count) return finish(() => resolve(this.parts.slice(0, count)));
        if (this.parseError) return finish(() => reject(this.parseError));
        if (this.#over)
          return finish(() => reject(new Error(`stream ended after ${this.parts.length} parts`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`${this.parts.length} of ${count} parts within ${timeout} ms`))),
        timeout,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        settle();
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** Leaves as a browser tab does when it closes: the connection goes away. */
  close(): void {
    this.response.destroy();
  }

  /** Cuts the TCP connection at once, whatever is in flight. */
  destroySocket(): void {
    this.response.socket.destroy();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

/** GETs `path` on its own connection and resolves once the response headers arrived. */
export function openStream(port: number, path = '/video_feed', timeout = 5000): Promise<MjpegStream> {
  return within(
    new Promise<MjpegStream>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) =>
        resolve(new MjpegStream(res)),
      );
      req.once('error', reject);
      onCleanup(() => req.destroy());
      req.end();
    }),
    timeout,
    `response headers for ${path}`,
  );
}

/** `--frame--\r\n`: how the server ends a stream on purpose. */
export const CLOSE_DELIMITER = Buffer.from('--frame--\r\n', 'latin1');

/**
 * Parses a finished stream's bytes with the strict MjpegParser and returns its parts. Throws if anything
 * is malformed or if the stream did not end with the close delimiter `--frame--`.
 */
export function partsBeforeClose(raw: Buffer): MjpegPart[] {
  const parser = new MjpegParser();
  const parts = parser.push(raw);
  if (!parser.closed) {
    throw new Error(
      `stream does not end with the close delimiter: ...${JSON.stringify(raw.subarray(-40).toString('latin1'))}`,
    );
  }
  return parts;
}

// ---------------------------------------------------------------------------------------------------
// The emulated camera's frames

/** The three default frames' bytes, in order: "1", "2", "3". */
export const FRAME_FILES: readonly Buffer[] = defaultFrameFiles().map((file) => readFileSync(file));

/** Which default frame (1, 2 or 3) `jpeg` is byte for byte, or undefined. */
export function frameNumber(jpeg: Buffer): number | undefined {
  const index = FRAME_FILES.findIndex((file) => file.equals(jpeg));
  return index < 0 ? undefined : index + 1;
}

/** Background colours of the default frames, by frame number; what a viewer sees left of the digit. */
export const FRAME_COLOURS: Readonly<Record<number, readonly [number, number, number]>> = {
  1: [0xb0, 0x3a, 0x2e],
  2: [0x1e, 0x84, 0x49],
  3: [0x2e, 0x40, 0x53],
};

/** A point on the background, left of the centred digit and inside the border, in 640 x 480 frames. */
export const BACKGROUND_PROBE = { x: 60, y: 240 } as const;

/** The frame whose background colour `rgb` is, within `tolerance` per channel (JPEG is lossy). */
export function colourFrame(rgb: readonly number[], tolerance = 16): number | undefined {
  for (const [frame, colour] of Object.entries(FRAME_COLOURS)) {
    if (colour.every((value, i) => Math.abs(value - (rgb[i] ?? -999)) <= tolerance)) return Number(frame);
  }
  return undefined;
}

export function isWholeJpeg(data: Buffer): boolean {
  return (
    data.length > 4 && data[0] === 0xff && data[1] === 0xd8 && data.at(-2) === 0xff && data.at(-1) === 0xd9
  );
}

// ---------------------------------------------------------------------------------------------------
// External tools

/**
 * Whether a test that needs `name` (a command on PATH, or an absolute path) can run. When it is missing,
 * the test is skipped with a note saying that `installHint` enables it, unless CAM_TEST_STRICT=1 (as on
 * CI, which installs it): then this throws, and the test fails instead.
 */
export function requireTool(
  name: string,
  installHint: string,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (findTool(name, env)) return true;
  const note = missingToolNote(name, installHint);
  if (env.CAM_TEST_STRICT === '1')
    throw new Error(`${note} (CAM_TEST_STRICT=1 turns this skip into a failure)`);
  console.warn(`skipped: ${note}`);
  return false;
}

/** The skip note for a missing tool. */
export function missingToolNote(name: string, installHint: string): string {
  return `${name} is not installed: \`${installHint}\` enables this test`;
}

function findTool(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const candidates = name.includes('/')
    ? [name]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, name));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface RunResult extends Exit {
  stdout: Buffer;
  stderr: string;
}

/** Runs a command to its end; kills it (SIGKILL) and rejects if it takes longer than `timeout`. */
export async function run(
  command: string,
  args: string[],
  options: { cwd?: string; timeout?: number } = {},
): Promise<RunResult> {
  const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const unregister = onCleanup(() => child.kill('SIGKILL'));
  const stdout: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<RunResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(stdout), stderr }));
  });
  try {
    return await within(done, options.timeout ?? 15_000, `${command} ${args.join(' ')}`);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    unregister();
  }
}

// ---------------------------------------------------------------------------------------------------
// Temporary files: config files and frame directories, removed at cleanup

/** A new empty directory under the system's temp dir, removed (with its contents) at the next cleanup. */
export function tempDir(prefix = 'cam-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `text` to `name` in a new temp dir and returns the file's absolute path. */
export function writeTempFile(name: string, text: string): string {
  const file = join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

/** A valid baseline JPEG, 320 x 240, of one flat colour (656 bytes): unlike the default 640 x 480 frames. */
export const SMALL_JPEG: Buffer = Buffer.from(
  '/9j/4AAQSkZJRgABAgAAAQABAAD/2wBDAAg+Pkk+SVVVVVVVVWRdZGhoaGRkZGRoaGhwcHCDg4NwcHBoaHBwfHyDg4+Tj4eHg4eTk5ubm7q6' +
    'srLZ2eD/////xABNAAEBAAAAAAAAAAAAAAAAAAAABgEBAQEAAAAAAAAAAAAAAAAAAAUGEAEAAAAAAAAAAAAAAAAAAAAAEQEAAAAAAAAAAAAA' +
    'AAAAAAAA/8AAEQgA8AFAAwEiAAIRAAMRAP/aAAwDAQACEQMRAD8AigGwQ' +
    'A'.repeat(598) +
    'H/9k=',
  'base64',
);

/**
 * `jpeg` with a comment segment (COM, FF FE) holding `label` right after its start-of-image marker: still
 * a valid JPEG showing the same image, but with bytes of its own that {@link jpegLabel} reads back.
 */
export function labelledJpeg(label: string, jpeg: Buffer = SMALL_JPEG): Buffer {
  const text = Buffer.from(label, 'latin1');
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xfffe, 0);
  header.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, text, jpeg.subarray(2)]);
}

/** The label of a JPEG made by {@link labelledJpeg}, or undefined when it has no comment segment. */
export function jpegLabel(jpeg: Buffer): string | undefined {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 4 <= jpeg.length && jpeg[offset] === 0xff) {
    const marker = jpeg[offset + 1]!;
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data or end: no comment before it
    const length = jpeg.readUInt16BE(offset + 2);
    if (marker === 0xfe) return jpeg.subarray(offset + 4, offset + 2 + length).toString('latin1');
    offset += 2 + length;
  }
  return undefined;
}

/** A new temp dir holding one labelled JPEG per label, as `1.jpg`, `2.jpg`, ... in that order. */
export function writeFrames(labels: readonly string[]): { dir: string; files: string[] } {
  const dir = tempDir('cam-frames-');
  const files = labels.map((label, index) => {
    const file = join(dir, `${index + 1}.jpg`);
    writeFileSync(file, labelledJpeg(label));
    return file;
  });
  return { dir, files };
}

// ---------------------------------------------------------------------------------------------------
// Polling and JSON

/** Calls `check` every `interval` ms until it returns something other than undefined/false; rejects after `timeout`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeout?: number; interval?: number; message?: string } = {},
): Promise<T> {
  const { timeout = 5000, interval = 50, message = 'a condition' } = options;
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result !== undefined && result !== false) return result;
      last = result;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${message} (last: ${String(last)})`);
    }
    await sleep(interval);
  }
}

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * The JSON bodies the server answers, all in one type for brevity: each route sends some of these
 * fields (`/api/cameras` its cameras, an error its error, `/healthz` and `/readyz` a status).
 */
export interface ApiBody {
  cameras: CameraStateJson[];
  error: { code: string; message: string; parameter?: string };
  status: string;
}

/** GETs `url` and parses its JSON body; fails if the response is not `application/json`. */
export async function getJson<T = ApiBody>(url: string, timeout = 5000): Promise<JsonResponse<T>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeout) });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  if (!type.startsWith('application/json')) {
    throw new Error(`${url}: ${res.status} ${type}, not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as T };
}

/** One camera of `GET /api/cameras`, as the server reports it. */
export interface CameraStateJson {
  id: string;
  driver: string;
  status: 'idle' | 'starting' | 'running' | 'stopping' | 'error' | 'closed';
  lastError: { code: string; message: string; at: string } | null;
  retryAt: string | null;
  fps: number;
  frameBytes: number | null;
  resolution: { width: number; height: number } | null;
  framesCaptured: number;
  framesSkipped: number;
  uptimeSeconds: number;
  lastFrameAt: string | null;
  viewers: {
    address: string | null;
    connectedAt: string;
    framesSent: number;
    framesSkipped: number;
    fps: number;
  }[];
}

/** `GET /api/cameras/:id`, expecting a 200. */
export async function cameraStateOf(url: string, id: string): Promise<CameraStateJson> {
  const res = await getJson<CameraStateJson>(`${url}/api/cameras/${id}`);
  if (res.status !== 200)
    throw new Error(`GET /api/cameras/${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

// ---------------------------------------------------------------------------------------------------
// Prometheus metrics

export interface MetricFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  samples: { labels: Record<string, string>; value: number }[];
}

/** A sample line of the text format: name, optional labels, a value, an optional timestamp. */
const SAMPLE_LINE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\\n])*")?(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\\n])*")*,?\})? (NaN|[+-]?Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)( -?\d+)?$/;
const COMMENT_LINE =
  /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/;

/**
 * Parses a Prometheus text exposition with `parse-prometheus-text-format`. That parser is lenient (it
 * reads any line as a sample), so every line is first checked against the format's grammar, and every
 * sample value must be a number.
 */
export function parseMetrics(text: string): Map<string, MetricFamily> {
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '' || SAMPLE_LINE.test(line) || COMMENT_LINE.test(line)) continue;
    throw new Error(`line ${index + 1} is not in the Prometheus text format: ${JSON.stringify(line)}`);
  }
  const families = new Map<string, MetricFamily>();
  for (const family of parsePrometheusTextFormat(text)) {
    if (families.has(family.name)) throw new Error(`metric ${family.name} appears twice`);
    families.set(family.name, {
      name: family.name,
      help: family.help,
      type: family.type,
      samples: family.metrics.map((sample) => {
        const value = Number(sample.value);
        if (sample.value === undefined || sample.value === '' || Number.isNaN(value)) {
          throw new Error(`${family.name}: sample value ${JSON.stringify(sample.value)} is not a number`);
        }
        return { labels: sample.labels ?? {}, value };
      }),
    });
  }
  return families;
}

/** `GET /metrics`, checked and parsed. */
export async function scrapeMetrics(url: string): Promise<Map<string, MetricFamily>> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status}`);
  const type = res.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain')) throw new Error(`GET /metrics: content-type ${type}`);
  return parseMetrics(await res.text());
}

/** The value of `name{camera="<camera>"}`; throws when there is no such sample. */
export function metricValue(metrics: Map<string, MetricFamily>, name: string, camera: string): number {
  const family = metrics.get(name);
  if (!family) throw new Error(`no metric ${name} (have: ${[...metrics.keys()].join(', ')})`);
  const sample = family.samples.find((s) => s.labels.camera === camera);
  if (!sample) throw new Error(`no sample ${name}{camera="${camera}"}`);
  return sample.value;
}

// ---------------------------------------------------------------------------------------------------
// Raw TCP connections

export interface RawConnection {
  socket: Socket;
  /** Everything the server sent, as latin1 text. */
  received(): string;
  /** Resolves with the ms from connecting to the connection's end, whoever ended it. */
  closed: Promise<number>;
}

/** A bare TCP connection to the server that reads (and keeps) whatever comes, sending only what the test writes. */
export function rawConnect(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1');
    onCleanup(() => socket.destroy());
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - start)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk)); // reading is what lets 'end' and 'close' fire
    socket.on('error', () => {});
    socket.once('connect', () =>
      resolve({ socket, closed, received: () => Buffer.concat(chunks).toString('latin1') }),
    );
    socket.once('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------------
// Servers from a config file

/** Writes `config` as a JSON config file and starts the server with `--config <that file>`. */
export async function startWithConfig(
  config: Record<string, unknown>,
  env: Record<string, string | undefined> = {},
): Promise<RunningServer & { configPath: string }> {
  const configPath = writeTempFile('cam.json', JSON.stringify(config, null, 2));
  return { ...(await startServer(env, ['--config', configPath])), configPath };
}

/** Labels of the frames of the `back` camera in the multi-camera tests. */
export const BACK_LABELS = ['back 1', 'back 2', 'back 3'] as const;

/**
 * Two emulated cameras: `front` loops the default frames ("1", "2", "3", 640 x 480) at `frontFps`, and
 * `back` loops its own labelled 320 x 240 frames at `backFps`. `front` is the default camera.
 */
export async function startTwoCameras(
  options: {
    frontFps?: number;
    backFps?: number;
    idleTimeout?: number;
    front?: Record<string, unknown>;
    back?: Record<string, unknown>;
    top?: Record<string, unknown>;
    env?: Record<string, string | undefined>;
  } = {},
): Promise<RunningServer & { configPath: string; backFrames: string[] }> {
  const { files } = writeFrames(BACK_LABELS);
  const server = await startWithConfig(
    {
      idleTimeout: options.idleTimeout ?? 10,
      ...options.top,
      cameras: [
        { id: 'front', options: { fps: options.frontFps ?? 10 }, ...options.front },
        {
          id: 'back',
          driver: 'emulated',
          options: { fps: options.backFps ?? 5, frames: files },
          ...options.back,
        },
      ],
    },
    options.env,
  );
  return { ...server, backFrames: files };
}

/** A labelled JPEG padded with comment segments to about `size` bytes: a big frame, to fill socket buffers. */
export function paddedJpeg(label: string, size: number): Buffer {
  const labelled = labelledJpeg(label);
  const segments: Buffer[] = [];
  for (let left = size - labelled.length; left > 4; left -= 65_535 + 2) {
    const length = Math.min(65_535, left - 2);
    const segment = Buffer.alloc(2 + length, 0x20);
    segment.writeUInt16BE(0xfffe, 0);
    segment.writeUInt16BE(length, 2);
    segments.push(segment);
  }
  // After the label's segment, so that jpegLabel still finds the label first.
  const afterLabel = 2 + 4 + Buffer.byteLength(label, 'latin1');
  return Buffer.concat([labelled.subarray(0, afterLabel), ...segments, labelled.subarray(afterLabel)]);
}

// ---------------------------------------------------------------------------------------------------
// Headless Chromium

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_INSTALL = 'apt-get install chromium';

/**
 * Debian's Chromium, headless, through playwright-core (never a browser download), closed after the
 * test. The flags keep it from reaching for the network this machine does not have.
 */
export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  onCleanup(() => browser.close());
  return browser;
}

/** Decodes a JPEG file with ffmpeg into raw RGB (proof that it is a whole, valid image). */
export function decodeWithFfmpeg(file: string) {
  return run('ffmpeg', [
    '-nostdin',
    '-loglevel',
    'error',
    '-i',
    file,
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ]);
}
