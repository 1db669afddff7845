// The load generator, in a process of its own: opens real HTTP connections to the server under test on
// loopback, parses each stream incrementally, and measures what every viewer gets. Driven by the main
// process over IPC (see ipc.ts): `connect`, `mark` (start the measurement window), `report`, `cycles`.
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FrameStamp, wallClock } from './frames.js';
import { serveCalls } from './ipc.js';
import { concatSamples, type Distribution, distribution, Samples } from './stats.js';
import { type PartSummary, StreamReader } from './stream-reader.js';

export interface ConnectParams {
  port: number;
  /** The server's address (default 127.0.0.1). */
  host?: string;
  /** Local addresses to connect from, in turn (default: the system's choice). */
  localAddresses?: string[];
  /** Viewers, each reading everything as it arrives. */
  viewers: number;
  /** Connections opened at once, every `batchEveryMs`. */
  batch: number;
  batchEveryMs: number;
  /** Give up on viewers without a first frame after this long (ms). */
  timeoutMs: number;
}

export interface ConnectResult {
  connected: number;
  failed: number;
  errors: string[];
  /** The local ports of the connections, to find them in /proc/net/tcp. */
  ports: number[];
  seconds: number;
}

export interface GroupReport {
  viewers: number;
  /** Frames each viewer received per second during the window. */
  fps: Distribution;
  /** Frames all these viewers received during the window. */
  frames: number;
  /** Frames received again (a sequence number not above the previous one). */
  duplicates: number;
  /** Sequence numbers never received between two received ones (frames skipped). */
  skipped: number;
  /** Parts that were not a whole stamped JPEG, and streams that broke off in a framing error. */
  malformed: number;
  /** Viewers whose connection failed or ended during the window. */
  failures: number;
  errors: string[];
  /** Connect to first complete frame (ms), per viewer. */
  ttff: Distribution;
  /** Time between consecutive frames of a viewer (ms), all gaps. */
  gaps: Distribution;
  /** Age of each frame when the viewer read it (ms): capture time to completely read. */
  lag: Distribution;
  /** Age of each viewer's last frame read (ms), per viewer. */
  lastLag: Distribution;
}

export interface LoadReport {
  windowSeconds: number;
  fast: GroupReport;
  /** Viewers of another load generator, behind a slow link (see scenarios.ts); filled in by the main process. */
  slow: GroupReport | undefined;
  /** This process's event-loop delay: a large one means the client, not the server, is the bottleneck. */
  clientLoopDelayP99Ms: number;
}

export interface CyclesParams {
  port: number;
  count: number;
  concurrency: number;
}

export interface CyclesResult {
  completed: number;
  failed: number;
  errors: string[];
  seconds: number;
  ttff: Distribution;
}

const REQUEST = (host: string, port: number) =>
  Buffer.from(`GET /video_feed HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept: */*\r\n\r\n`, 'latin1');

interface Address {
  port: number;
  host: string;
  localAddress?: string | undefined;
}

class Viewer {
  readonly socket: net.Socket;
  readonly reader: StreamReader;
  readonly startedAt = performance.now();
  firstFrameAt: number | undefined;
  lastSeq = 0;
  error: string | undefined;
  ended = false;
  /** Resolves on the first frame or the first failure. */
  readonly ready: Promise<void>;
  #onReady!: () => void;

  // The measurement window.
  windowOpen = false;
  frames = 0;
  duplicates = 0;
  skipped = 0;
  malformed = 0;
  failedInWindow = false;
  readonly gaps = new Samples();
  readonly lags = new Samples();
  lastLag = Number.NaN;
  #lastArrival = Number.NaN;

  constructor({ port, host, localAddress }: Address) {
    this.ready = new Promise((resolve) => {
      this.#onReady = resolve;
    });
    this.reader = new StreamReader({ onPart: (part) => this.#read(part) });
    this.socket = net.connect({ port, host, ...(localAddress ? { localAddress } : {}) });
    this.socket.on('connect', () => this.socket.write(REQUEST(host, port)));
    this.socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      if (this.reader.error) this.fail(`stream: ${this.reader.error}`, true);
    });
    this.socket.on('error', (error) => this.fail(error.message, false));
    this.socket.on('close', () => {
      if (!this.ended)
        this.fail(this.reader.closed ? 'the server closed the stream' : 'connection closed', false);
    });
  }

  /** The application reads a frame. */
  #read(part: PartSummary): void {
    const now = performance.now();
    if (this.firstFrameAt === undefined) {
      this.firstFrameAt = now;
      this.#onReady();
    }
    const stamp: FrameStamp | undefined = part.stamp;
    const duplicate = stamp !== undefined && stamp.seq <= this.lastSeq;
    const skipped = stamp !== undefined && this.lastSeq > 0 && !duplicate ? stamp.seq - this.lastSeq - 1 : 0;
    if (stamp && !duplicate) this.lastSeq = stamp.seq;
    if (!this.windowOpen) {
      this.#lastArrival = now;
      return;
    }
    this.frames += 1;
    if (!part.jpeg || !stamp) this.malformed += 1;
    if (duplicate) this.duplicates += 1;
    this.skipped += skipped;
    if (!Number.isNaN(this.#lastArrival)) this.gaps.push(now - this.#lastArrival);
    this.#lastArrival = now;
    if (stamp) {
      this.lastLag = wallClock() - stamp.capturedAt;
      this.lags.push(this.lastLag);
    }
  }

  /** Gives up on this viewer: its connection closes and counts as failed. */
  fail(message: string, malformed = false): void {
    if (this.ended) return;
    this.error ??= message;
    if (this.windowOpen) {
      this.failedInWindow = true;
      if (malformed) this.malformed += 1;
    }
    this.close();
    this.#onReady();
  }

  openWindow(): void {
    this.windowOpen = true;
    this.frames = 0;
    this.duplicates = 0;
    this.skipped = 0;
    this.malformed = 0;
    this.failedInWindow = this.error !== undefined;
    this.gaps.clear();
    this.lags.clear();
    this.lastLag = Number.NaN;
  }

  close(): void {
    this.ended = true;
    this.socket.destroy();
  }
}

let viewers: Viewer[] = [];
let windowStart = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

async function connect(params: ConnectParams): Promise<ConnectResult> {
  const started = performance.now();
  for (let i = 0; i < params.viewers; i += params.batch) {
    const count = Math.min(params.batch, params.viewers - i);
    for (let j = 0; j < count; j++) {
      const locals = params.localAddresses;
      const localAddress = locals?.length ? locals[(i + j) % locals.length] : undefined;
      viewers.push(new Viewer({ port: params.port, host: params.host ?? '127.0.0.1', localAddress }));
    }
    if (i + params.batch < params.viewers) await sleep(params.batchEveryMs);
  }
  await Promise.race([Promise.all(viewers.map((viewer) => viewer.ready)), sleep(params.timeoutMs)]);
  const failed = viewers.filter((viewer) => viewer.firstFrameAt === undefined);
  return {
    connected: viewers.length - failed.length,
    failed: failed.length,
    errors: firstErrors(failed.map((viewer) => viewer.error ?? 'no frame before the timeout')),
    ports: viewers.map((viewer) => viewer.socket.localPort ?? 0),
    seconds: (performance.now() - started) / 1000,
  };
}

function mark(): void {
  windowStart = performance.now();
  loopDelay.reset();
  loopDelay.enable();
  for (const viewer of viewers) viewer.openWindow();
}

function report(): LoadReport {
  const seconds = (performance.now() - windowStart) / 1000;
  loopDelay.disable();
  for (const viewer of viewers) viewer.windowOpen = false;
  return {
    windowSeconds: seconds,
    fast: group(viewers, seconds),
    slow: undefined,
    clientLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
  };
}

function group(list: Viewer[], seconds: number): GroupReport {
  const sum = (pick: (viewer: Viewer) => number) => list.reduce((total, viewer) => total + pick(viewer), 0);
  return {
    viewers: list.length,
    fps: distribution(list.map((viewer) => viewer.frames / seconds)),
    frames: sum((viewer) => viewer.frames),
    duplicates: sum((viewer) => viewer.duplicates),
    skipped: sum((viewer) => viewer.skipped),
    malformed: sum((viewer) => viewer.malformed),
    failures: list.filter((viewer) => viewer.failedInWindow).length,
    errors: firstErrors(
      list.flatMap((viewer) => (viewer.failedInWindow && viewer.error ? [viewer.error] : [])),
    ),
    ttff: distribution(
      list.flatMap((viewer) =>
        viewer.firstFrameAt === undefined ? [] : [viewer.firstFrameAt - viewer.startedAt],
      ),
    ),
    gaps: distribution(concatSamples(list.map((viewer) => viewer.gaps))),
    lag: distribution(concatSamples(list.map((viewer) => viewer.lags))),
    lastLag: distribution(list.map((viewer) => viewer.lastLag).filter((lag) => !Number.isNaN(lag))),
  };
}

function closeAll(): void {
  for (const viewer of viewers) viewer.close();
  viewers = [];
}

/** Connect, read the first frame, disconnect: `count` times, `concurrency` at a time. */
async function cycles(params: CyclesParams): Promise<CyclesResult> {
  const started = performance.now();
  const ttff = new Samples();
  const errors: string[] = [];
  let begun = 0;
  let completed = 0;
  let failed = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const viewer = new Viewer({ port: params.port, host: '127.0.0.1' });
      const timer = setTimeout(() => viewer.fail('no frame within 5 s'), 5000);
      viewer.ready.then(() => {
        clearTimeout(timer);
        if (viewer.firstFrameAt === undefined) {
          failed += 1;
          if (errors.length < 5) errors.push(viewer.error ?? 'no frame within 5 s');
        } else {
          completed += 1;
          ttff.push(viewer.firstFrameAt - viewer.startedAt);
        }
        viewer.close();
        resolve();
      });
    });
  const worker = async () => {
    while (begun < params.count) {
      begun += 1;
      await one();
    }
  };
  await Promise.all(Array.from({ length: params.concurrency }, worker));
  return {
    completed,
    failed,
    errors,
    seconds: (performance.now() - started) / 1000,
    ttff: distribution(ttff.values()),
  };
}

function firstErrors(messages: string[]): string[] {
  const counts = new Map<string, number>();
  for (const message of messages) counts.set(message, (counts.get(message) ?? 0) + 1);
  return [...counts].slice(0, 5).map(([message, count]) => (count > 1 ? `${message} (x${count})` : message));
}

serveCalls({
  connect: (params: ConnectParams) => connect(params),
  mark: () => mark(),
  report: () => report(),
  close: () => closeAll(),
  cycles: (params: CyclesParams) => cycles(params),
});
