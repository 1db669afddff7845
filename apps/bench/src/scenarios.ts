import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { CpuRatio } from './combine.js';
import { Child, type StartOptions } from './ipc.js';
import type { ConnectResult, CyclesResult, LoadReport } from './load.js';
import type { BenchOptions } from './options.js';
import { cpuMs, fileLimits, rssBytes, statCpu, tcpSockets } from './proc.js';
import type { ServerInfo, ServerParams, ServerStats } from './server-process.js';
import type { SlowLink } from './slow-link.js';
import { type Distribution, distribution, Samples } from './stats.js';

/**
 * What a run measures: `server`, the shipped @cam/server (apps/server's dist/main.js with a config file:
 * express, its middleware and routes, pino, prom-client); `handler`, createStreamHandler alone on a
 * bare node:http server; `floor`, the least a node:http server can do for the same response (chunked);
 * `floor-raw`, the floor without chunked encoding; `handler-unlimited`, the handler without
 * TCP_NOTSENT_LOWAT (maxUnsentBytes 0), for the slow link; `server-recording`, the shipped server with its
 * camera recorded to disk (`record`, @cam/recorder), to compare with `server`.
 */
export const SERVER_KINDS = [
  'server',
  'server-recording',
  'handler',
  'floor',
  'floor-raw',
  'handler-unlimited',
] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

export interface StreamScenario {
  id: string;
  title: string;
  viewers: number;
  /** More viewers, each behind a 4 Mbit/s link of its own (see slow-link.ts). */
  slow: number;
  fps: number;
  warmupSeconds: number;
  /** The measurement window of each run. */
  windowSeconds: number;
  /**
   * Each round measures every server in `servers`, in this order, one after the other; with `groups`,
   * each group in turn, the servers of a group all at once over the same window (see
   * {@link runTogether}).
   */
  rounds: number;
  servers: ServerKind[];
  /**
   * Servers measured at once, a group at a time. A ratio compares servers of the same group only (the
   * first `a` with the first `b`, and so on), pooled over every such pair of every round.
   */
  groups?: ServerKind[][];
  /**
   * Servers measured once, at the end of the first round (for scale, not checked): at once when the
   * scenario measures in groups, else one after the other.
   */
  once?: ServerKind[];
}

export interface StreamRun {
  server: ServerKind;
  connect: ConnectResult;
  load: LoadReport;
  /** Frames the server captured per second during the window: the source kept its rate or not. */
  cameraFps: number;
  /**
   * Server CPU during the window: ms (threads' run time from schedstat), share of one core, per frame
   * delivered to a viewer; and utime and stime from /proc/<pid>/stat (10 ms ticks): how much of it was
   * the kernel's (system), mostly copying frames into sockets.
   */
  cpu: { ms: number; percentOfCore: number; perFrameUs: number; userMs: number; systemMs: number };
  /** The load generator's CPU during the window, as a share of one core. */
  clientCpuPercent: number;
  rss: { startMiB: number; maxMiB: number; endMiB: number };
  /** What the server process held for its connections (bytes written, not yet taken by the kernel). */
  queues: ServerStats['queues'];
  /** For slow viewers: what the server's kernel held for them, from /proc/net/tcp (bytes per connection). */
  kernel: { serverSendQueue: Distribution } | undefined;
}

export interface StreamResult {
  scenario: StreamScenario;
  /** Every run, by server, in round order. */
  rounds: Partial<Record<ServerKind, StreamRun[]>>;
  /**
   * The runs that compare with each other: each group of each round where servers are measured in
   * groups, else each round's runs (measured back to back).
   */
  sets: StreamRun[][];
  /** Each server's rounds combined (see combine.ts): what the table shows and the targets check. */
  runs: Partial<Record<ServerKind, StreamRun>>;
  /** CPU per frame of one server over another's, pair by pair, and pooled: `server/floor` etc. */
  cpuRatios: Record<string, CpuRatio>;
}

export interface IdleResult {
  idleSeconds: number;
  idleTimeoutSeconds: number;
  /** From the last viewer leaving to the camera's idle stop (s); undefined when it never stopped. */
  stoppedAfterSeconds: number | undefined;
  status: string;
  framesBeforeStop: number;
  framesAfterStop: number;
  /** Server CPU from the idle stop to the end of the scenario, as a share of one core. */
  cpuAfterStopPercent: number;
  /** Server CPU over the whole scenario after the viewer left, as a share of one core. */
  cpuIdlePercent: number;
  rssMiB: number;
}

export interface CyclesRunResult extends CyclesResult {
  server: ServerKind;
  requested: number;
  warmup: number;
  /** RSS (after GC) of the fresh server, after the warm-up cycles, and after the measured cycles. */
  rssFreshMiB: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  /** V8 heap in use and reserved, after GC, before and after the measured cycles. */
  heapBeforeMiB: number;
  heapAfterMiB: number;
  heapTotalBeforeMiB: number;
  heapTotalAfterMiB: number;
  /** Connections and viewers the server still had once every client had gone. */
  connectionsLeft: number;
  viewersLeft: number;
}

const MiB = 2 ** 20;

/** Open files a server or the load generator needs: a socket per viewer (1000), and room to spare. */
const FILES_NEEDED = 4096;

/**
 * How to start a node child with enough open files. Many systems give processes a soft limit of 1024,
 * too few for 1000 viewers; a child that needs more goes through `sh -c 'ulimit -n ...; exec node'`,
 * which raises its soft limit as far as the hard limit allows (Node cannot raise its own).
 */
function nodeStart(execArgv: string[], cpus?: string): StartOptions {
  const limits = fileLimits();
  const raise = limits && limits.soft < FILES_NEEDED && limits.hard > limits.soft;
  const pin = cpus !== undefined && TASKSET !== undefined;
  if (!raise && !pin) return { execArgv };
  const commands = [
    ...(raise ? [`ulimit -n ${Math.min(limits.hard, FILES_NEEDED)}`] : []),
    `exec ${pin ? `${TASKSET} -c ${cpus} ` : ''}"$0" "$@"`,
  ];
  return { execPath: '/bin/sh', execArgv: ['-c', commands.join(' && '), process.execPath, ...execArgv] };
}

/** util-linux's taskset, to pin a process to CPUs; undefined where it is missing. */
const TASKSET = ['/usr/bin/taskset', '/bin/taskset'].find((path) => existsSync(path));

/** apps/server's entry point, as `pnpm --filter server start` runs it. */
const SERVER_MAIN = new URL('dist/main.js', import.meta.resolve('@cam/server/package.json'));

/** A free TCP port on `host`, for a server that takes its port from the environment. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * The shipped server, started as people start it (node dist/main.js --config <file>), with `cameras` in
 * its config file; shipped-server.js, loaded with --import, answers the benchmark's calls from inside the
 * process.
 */
export async function startCamServer(
  cameras: unknown[],
  params: Pick<ServerParams, 'idleTimeout' | 'host'>,
  execArgv: string[] = [],
  cpus?: string,
) {
  const host = params.host ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'cam-bench-'));
  const config = join(dir, 'cam.json');
  writeFileSync(
    config,
    JSON.stringify({
      idleTimeout: params.idleTimeout / 1000,
      // The default cap is sized for the machine (500 here); the benchmark's largest scenario has 1000.
      maxViewers: 2000,
      cameras,
    }),
  );
  const start = nodeStart(
    [...execArgv, '--import', new URL('./shipped-server.js', import.meta.url).href],
    cpus,
  );
  try {
    const server = await Child.start<ServerInfo>(SERVER_MAIN, ['--config', config], {
      ...start,
      env: { ...process.env, HOST: host, PORT: String(await freePort(host)), LOG_LEVEL: 'warn' },
    });
    await visitAsPeopleDo(host, server.info.port);
    return server;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What a deployed server has served before its viewers come: someone opened its web page (and its
 * camera list), and Prometheus scraped its metrics. The server loads express and prom-client only on
 * such a first request, so a benchmark that only streamed would measure a server lighter than the one
 * people run. (The web app's tiles, over a WebSocket, are not visited: these viewers are MJPEG clients.)
 */
async function visitAsPeopleDo(host: string, port: number): Promise<void> {
  for (const path of ['/', '/api/cameras', '/metrics']) {
    const res = await fetch(`http://${host}:${port}${path}`);
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`the shipped server answered ${res.status} to GET ${path}`);
  }
}

/**
 * The shipped server serving the benchmark's camera as a local driver file (bench-driver.js); with
 * `record`, the camera is also recorded (60 s segments, at most 200 MB kept) into a fresh directory of its
 * own, removed when the server stops: several recording servers may run at once.
 */
export async function startShippedServer(
  params: ServerParams,
  execArgv: string[] = [],
  record = false,
  cpus?: string,
) {
  const recordings = record ? mkdtempSync(join(tmpdir(), 'cam-bench-recordings-')) : undefined;
  const camera = {
    id: 'bench',
    driver: fileURLToPath(new URL('./bench-driver.js', import.meta.url)),
    options: { fps: params.fps, frameSize: params.frameSize },
    ...(recordings ? { record: { dir: recordings, segmentSeconds: 60, retain: { maxBytes: 200e6 } } } : {}),
  };
  const removeRecordings = () => {
    if (recordings) rmSync(recordings, { recursive: true, force: true });
  };
  const server = await startCamServer([camera], params, execArgv, cpus).catch((error: unknown) => {
    removeRecordings();
    throw error;
  });
  // Once the process has gone, its recorder has finished its segment (or cannot any more).
  server.process.once('exit', removeRecordings);
  return server;
}

/** A server of `kind`; pinned to `cpus` (a taskset list) when given. */
function startServer(kind: ServerKind, params: ServerParams, execArgv: string[] = [], cpus?: string) {
  const args = (extra: Partial<ServerParams> = {}) => [JSON.stringify({ ...params, ...extra })];
  switch (kind) {
    case 'server':
      return startShippedServer(params, execArgv, false, cpus);
    case 'server-recording':
      return startShippedServer(params, execArgv, true, cpus);
    case 'handler':
      return Child.start<ServerInfo>('./handler-server.js', args(), nodeStart(execArgv, cpus));
    case 'handler-unlimited':
      return Child.start<ServerInfo>(
        './handler-server.js',
        args({ maxUnsentBytes: 0 }),
        nodeStart(execArgv, cpus),
      );
    case 'floor':
      return Child.start<ServerInfo>('./floor-server.js', args(), nodeStart(execArgv, cpus));
    case 'floor-raw':
      return Child.start<ServerInfo>('./floor-server.js', args({ raw: true }), nodeStart(execArgv, cpus));
  }
}

/**
 * A load generator; inside `namespace` when given (ip netns exec), for viewers behind the slow link;
 * pinned to `cpus` when given.
 */
export function startLoad(namespace?: string, cpus?: string) {
  if (!namespace) return Child.start('./load.js', [], nodeStart([], cpus));
  return Child.start('./load.js', [], {
    execPath: 'ip',
    execArgv: ['netns', 'exec', namespace, process.execPath],
  });
}

/** Samples a process's RSS every 200 ms until stopped. */
export function rssSampler(pid: number) {
  const start = rssBytes(pid);
  let max = start;
  const timer = setInterval(() => {
    try {
      max = Math.max(max, rssBytes(pid));
    } catch {
      // the process is gone
    }
  }, 200);
  return {
    stop() {
      clearInterval(timer);
      const end = rssBytes(pid);
      return { startMiB: start / MiB, maxMiB: Math.max(max, end) / MiB, endMiB: end / MiB };
    },
  };
}

/** Samples what the server's kernel holds for the slow viewers' connections every 250 ms. */
function kernelQueueSampler(serverPort: number, clientPorts: number[]) {
  const send = new Samples();
  const ports = new Set(clientPorts);
  const sample = () => {
    for (const socket of tcpSockets()) {
      if (socket.localPort === serverPort && ports.has(socket.remotePort)) send.push(socket.txQueue);
    }
  };
  const timer = setInterval(sample, 250);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { serverSendQueue: distribution(send.values()) };
    },
  };
}

/**
 * One server in one scenario: fresh processes, viewers connected, a warm-up, then a measured window.
 * With `slowLink`, the server listens on the link's host address, and a second load generator inside
 * the link's namespace runs the slow viewers.
 */
export async function runStream(
  scenario: StreamScenario,
  kind: ServerKind,
  options: BenchOptions,
  slowLink?: SlowLink,
): Promise<StreamRun> {
  const run = await connectViewers(scenario, kind, options, slowLink);
  try {
    await sleep(scenario.warmupSeconds * 1000);
    return await measureWindow(run, scenario.windowSeconds);
  } finally {
    await tearDown(run);
  }
}

/**
 * Several servers in one scenario at once: each with fresh processes and its own load generator, then one
 * warm-up and one measured window for all. Each server's CPU is its own threads' run time, as in
 * {@link runStream}; what changes is that the machine's state (another VM's load, the CPU's clock, the
 * kernel's writeback) is the same for all of them. Measured one after the other, 15 s apart, the same
 * server's CPU per frame varied by a third between runs on this 2-core machine, far more than the
 * difference a ratio like recording/not recording looks for. Servers start in the order given (the first
 * has the longest warm-up): callers alternate it between rounds.
 */
export async function runTogether(
  scenario: StreamScenario,
  kinds: readonly ServerKind[],
  options: BenchOptions,
): Promise<StreamRun[]> {
  const runs: ConnectedRun[] = [];
  const placement = togetherPlacement();
  try {
    for (const kind of kinds) runs.push(await connectViewers(scenario, kind, options, undefined, placement));
    await sleep(scenario.warmupSeconds * 1000);
    return await Promise.all(runs.map((run) => measureWindow(run, scenario.windowSeconds)));
  } finally {
    await Promise.all(runs.map(tearDown));
  }
}

/**
 * Where {@link runTogether} runs its processes: every server on the last CPU, the load generators on the
 * others. Left to the scheduler, the server started first tended to keep a CPU to itself while the other
 * shared one with a load generator, and which server started first moved a round's ratio by a fifth.
 * Undefined (no pinning) with one CPU or without taskset.
 */
function togetherPlacement(): { servers: string; loads: string } | undefined {
  const cpus = availableParallelism();
  if (cpus < 2 || TASKSET === undefined) return undefined;
  return { servers: String(cpus - 1), loads: cpus === 2 ? '0' : `0-${cpus - 2}` };
}

/** A server and its load generators, viewers connected. */
interface ConnectedRun {
  kind: ServerKind;
  server: Awaited<ReturnType<typeof startServer>>;
  load: Awaited<ReturnType<typeof startLoad>>;
  slowLoad: Awaited<ReturnType<typeof startLoad>> | undefined;
  connect: ConnectResult;
  slowConnect: ConnectResult | undefined;
}

async function connectViewers(
  scenario: StreamScenario,
  kind: ServerKind,
  options: BenchOptions,
  slowLink?: SlowLink,
  placement?: { servers: string; loads: string },
): Promise<ConnectedRun> {
  const host = slowLink?.serverAddress ?? '127.0.0.1';
  const params = { fps: scenario.fps, frameSize: options.frameSize, idleTimeout: 10_000, host };
  const server = await startServer(kind, params, [], placement?.servers);
  let load: ConnectedRun['load'] | undefined;
  let slowLoad: ConnectedRun['slowLoad'];
  try {
    load = await startLoad(undefined, placement?.loads);
    slowLoad = slowLink && scenario.slow > 0 ? await startLoad(slowLink.namespace) : undefined;
    if (slowLoad) await server.call('sampleQueues');
    const connectParams = { port: server.info.port, host, batch: 25, batchEveryMs: 20, timeoutMs: 20_000 };
    const connect = await load.call<ConnectResult>('connect', {
      ...connectParams,
      viewers: scenario.viewers,
    });
    const slowConnect = await slowLoad?.call<ConnectResult>('connect', {
      ...connectParams,
      viewers: scenario.slow,
      localAddresses: slowLink!.viewerAddresses,
    });
    return { kind, server, load, slowLoad, connect, slowConnect };
  } catch (error) {
    await Promise.all([load?.stop(), slowLoad?.stop()]);
    await server.stop();
    throw error;
  }
}

async function measureWindow(run: ConnectedRun, windowSeconds: number): Promise<StreamRun> {
  const { server, load, slowLoad, connect, slowConnect } = run;
  const statsBefore = await server.call<ServerStats>('stats');
  const rss = rssSampler(server.pid);
  const kernel = slowConnect ? kernelQueueSampler(server.info.port, slowConnect.ports) : undefined;
  const cpu0 = cpuMs(server.pid);
  const stat0 = statCpu(server.pid);
  const clientCpu0 = cpuMs(load.pid);
  const t0 = performance.now();
  await Promise.all([load.call('mark'), slowLoad?.call('mark')]);
  await sleep(windowSeconds * 1000);
  const [report, slowReport] = await Promise.all([
    load.call<LoadReport>('report'),
    slowLoad?.call<LoadReport>('report'),
  ]);
  report.slow = slowReport?.fast;
  const cpu1 = cpuMs(server.pid);
  const stat1 = statCpu(server.pid);
  const clientCpu1 = cpuMs(load.pid);
  const t1 = performance.now();
  const statsAfter = await server.call<ServerStats>('stats');

  const elapsed = t1 - t0;
  const frames = report.fast.frames + (report.slow?.frames ?? 0);
  const framesCaptured = (stats: ServerStats) => Number(stats.framesCaptured);
  return {
    server: run.kind,
    connect: slowConnect
      ? {
          ...connect,
          failed: connect.failed + slowConnect.failed,
          errors: [...connect.errors, ...slowConnect.errors],
        }
      : connect,
    load: report,
    cameraFps: ((framesCaptured(statsAfter) - framesCaptured(statsBefore)) * 1000) / elapsed,
    cpu: {
      ms: cpu1 - cpu0,
      percentOfCore: ((cpu1 - cpu0) / elapsed) * 100,
      perFrameUs: frames > 0 ? ((cpu1 - cpu0) * 1000) / frames : Number.NaN,
      userMs: stat1.userMs - stat0.userMs,
      systemMs: stat1.systemMs - stat0.systemMs,
    },
    clientCpuPercent: ((clientCpu1 - clientCpu0) / elapsed) * 100,
    rss: rss.stop(),
    queues: statsAfter.queues,
    kernel: kernel?.stop(),
  };
}

async function tearDown(run: ConnectedRun): Promise<void> {
  await Promise.all([
    run.load.call('close').catch(() => undefined),
    run.slowLoad?.call('close').catch(() => undefined),
  ]);
  await Promise.all([run.load.stop(), run.slowLoad?.stop()]);
  await run.server.stop();
}

export async function runIdle(options: BenchOptions): Promise<IdleResult> {
  const server = await startServer('server', {
    fps: 30,
    frameSize: options.frameSize,
    idleTimeout: options.idleTimeoutSeconds * 1000,
  });
  const load = await startLoad();
  try {
    // One viewer watches for two seconds, then leaves: from then on, nobody watches.
    await load.call('connect', {
      port: server.info.port,
      viewers: 1,
      batch: 1,
      batchEveryMs: 0,
      timeoutMs: 10_000,
    });
    await sleep(2000);
    await load.call('close');
    const leftAt = Date.now();
    const leftCpu = cpuMs(server.pid);
    const leftTime = performance.now();
    const end = leftTime + options.idleSeconds * 1000;

    // Poll until the camera stops; then leave the server alone until the end, so that the polling
    // itself costs it nothing while its idle CPU is measured.
    let stoppedCpu: number | undefined;
    let stoppedTime: number | undefined;
    while (performance.now() < end - 500) {
      const stats = await server.call<ServerStats>('stats');
      if (stats.status === 'idle' && Number(stats.stops) > 0) {
        stoppedCpu = cpuMs(server.pid);
        stoppedTime = performance.now();
        break;
      }
      await sleep(250);
    }
    await sleep(Math.max(0, end - performance.now()));
    const endCpu = cpuMs(server.pid);
    const endTime = performance.now();
    const stats = await server.call<ServerStats>('stats');
    const stopped = Number(stats.stops) > 0;
    const framesBeforeStop = stopped ? Number(stats.framesAtLastStop) : Number(stats.framesCaptured);
    return {
      idleSeconds: options.idleSeconds,
      idleTimeoutSeconds: options.idleTimeoutSeconds,
      stoppedAfterSeconds: stopped ? (Number(stats.lastStopAt) - leftAt) / 1000 : undefined,
      status: String(stats.status),
      framesBeforeStop,
      framesAfterStop: Number(stats.framesCaptured) - framesBeforeStop,
      cpuAfterStopPercent:
        stoppedCpu !== undefined && stoppedTime !== undefined
          ? ((endCpu - stoppedCpu) / (endTime - stoppedTime)) * 100
          : Number.NaN,
      cpuIdlePercent: ((endCpu - leftCpu) / (endTime - leftTime)) * 100,
      rssMiB: rssBytes(server.pid) / MiB,
    };
  } finally {
    await load.stop();
    await server.stop();
  }
}

/**
 * Connect / first frame / disconnect, `options.cycles` times, after twice as many to warm up: a fresh Node
 * process grows to its working size in the first thousands of connections whoever serves them (V8's
 * young generation, malloc's arenas: the floor grows just as much), so the leak check starts from the
 * server in service. Measured after a forced GC, RSS being what the issue asks about.
 */
export async function runCycles(kind: ServerKind, options: BenchOptions): Promise<CyclesRunResult> {
  const server = await startServer(kind, { fps: 30, frameSize: options.frameSize, idleTimeout: 10_000 }, [
    '--expose-gc',
  ]);
  const load = await startLoad();
  // RSS after GC takes a few collections to settle (V8 gives its young generation back over several):
  // collect until two readings agree within 256 KiB.
  const settle = async () => {
    let rss = Number.POSITIVE_INFINITY;
    let memory: NodeJS.MemoryUsage | undefined;
    for (let i = 0; i < 10; i++) {
      await sleep(300);
      memory = await server.call<NodeJS.MemoryUsage>('gc');
      const now = rssBytes(server.pid);
      const settled = Math.abs(rss - now) < 256 * 1024;
      rss = now;
      if (settled) break;
    }
    return { rss, heap: memory!.heapUsed, heapTotal: memory!.heapTotal };
  };
  const cycles = (count: number) =>
    load.call<CyclesResult>('cycles', { port: server.info.port, count, concurrency: 16 });
  try {
    const fresh = await settle();
    await cycles(options.cycles);
    await cycles(options.cycles);
    const before = await settle();
    const result = await cycles(options.cycles);
    const after = await settle();
    const stats = await server.call<ServerStats>('stats');
    return {
      ...result,
      server: kind,
      requested: options.cycles,
      warmup: 2 * options.cycles,
      rssFreshMiB: fresh.rss / MiB,
      rssBeforeMiB: before.rss / MiB,
      rssAfterMiB: after.rss / MiB,
      heapBeforeMiB: before.heap / MiB,
      heapAfterMiB: after.heap / MiB,
      heapTotalBeforeMiB: before.heapTotal / MiB,
      heapTotalAfterMiB: after.heapTotal / MiB,
      connectionsLeft: stats.connections,
      viewersLeft: Number(stats.viewers),
    };
  } finally {
    await load.stop();
    await server.stop();
  }
}
