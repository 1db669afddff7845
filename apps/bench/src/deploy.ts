import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { JpegSplitter } from '@cam/core';
import { combineGroups } from './combine.js';
import { readStamp, wallClock } from './frames.js';
import type { Child } from './ipc.js';
import type { ConnectResult, LoadReport } from './load.js';
import { type Nginx, startNginx } from './nginx.js';
import type { BenchOptions } from './options.js';
import { cpuMs } from './proc.js';
import { startCamServer, startLoad, startShippedServer } from './scenarios.js';
import type { ServerInfo } from './server-process.js';
import { type Distribution, distribution } from './stats.js';

// The deployments of docs/deploy, measured with real processes: an origin cam relayed by two edge cams
// (the `mjpeg` driver), and cam behind Debian's nginx with the shipped config.

export interface ChainResult extends Watched {
  viewersPerEdge: number;
  /** The viewers the origin's camera had (from its /api/cameras), read at each moment of the window. */
  originViewers: number[];
  /** The edges' idle timeout (s). */
  edgeIdleTimeoutSeconds: number;
  /**
   * From the viewers leaving to the origin reporting 0 viewers (s): the edges released their upstream
   * connections. Undefined when it still had viewers 3 idle timeouts later.
   */
  upstreamClosedAfterSeconds: number | undefined;
}

export interface NginxResult extends Watched {
  viewers: number;
  /** The viewers cam itself counted (from its /api/cameras) during the window: one per nginx viewer. */
  camViewers: number;
  /** ffmpeg reading a 1 fps stream through nginx: frame age when ffmpeg had written the whole JPEG (ms). */
  latency: { frames: number; age: Distribution; errors: string[] };
}

/** How many viewers a cam server's first camera has, from its state API. */
async function cameraViewers(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/api/cameras`);
  const { cameras } = (await response.json()) as { cameras: { viewers: unknown[] }[] };
  return cameras[0]?.viewers.length ?? Number.NaN;
}

const connectParams = { batch: 25, batchEveryMs: 20, timeoutMs: 20_000 };

/** Viewers of one server, read by a load generator of their own. */
interface ViewerGroup {
  port: number;
  viewers: number;
}

interface Watched {
  connect: ConnectResult;
  /** Every group's viewers together (the fps median is the median of the groups' medians). */
  load: LoadReport;
  /** Each group's viewers' fps. */
  groupFps: Distribution[];
  /** CPU of each named process during the window, as a share of one core. */
  cpuPercent: Record<string, number>;
}

/**
 * Connects each group's viewers with a load generator per group (hundreds of viewers' parsing would
 * saturate one process on this machine), warms up for 3 s, then measures a window of `windowSeconds`,
 * sampling the CPU of `processes` (name → pids) over it and running `during` beside it.
 */
async function watchWindow(
  groups: ViewerGroup[],
  windowSeconds: number,
  processes: Record<string, number[]>,
  during: (windowEnd: number) => Promise<void> = async () => {},
): Promise<Watched> {
  const loads = await Promise.all(groups.map(() => startLoad()));
  try {
    const connects = await Promise.all(
      loads.map((load, i) => load.call<ConnectResult>('connect', { ...connectParams, ...groups[i]! })),
    );
    await sleep(3000);
    // The load generators' own CPU too: a client starved of CPU reads fewer frames than the servers send.
    processes = { ...processes, 'load generators': loads.map((load) => load.pid) };
    const cpu = (pids: number[]) => pids.reduce((total, pid) => total + cpuMs(pid), 0);
    const cpuBefore = Object.fromEntries(Object.entries(processes).map(([name, pids]) => [name, cpu(pids)]));
    const t0 = performance.now();
    await Promise.all(loads.map((load) => load.call('mark')));
    const duringWindow = during(t0 + windowSeconds * 1000);
    await sleep(windowSeconds * 1000);
    const reports = await Promise.all(loads.map((load) => load.call<LoadReport>('report')));
    const elapsed = performance.now() - t0;
    const cpuPercent = Object.fromEntries(
      Object.entries(processes).map(([name, pids]) => [
        name,
        ((cpu(pids) - cpuBefore[name]!) / elapsed) * 100,
      ]),
    );
    await duringWindow;
    const total = (pick: (connect: ConnectResult) => number) =>
      connects.reduce((sum, connect) => sum + pick(connect), 0);
    return {
      connect: {
        connected: total((connect) => connect.connected),
        failed: total((connect) => connect.failed),
        errors: connects.flatMap((connect) => connect.errors).slice(0, 5),
        ports: connects.flatMap((connect) => connect.ports),
        seconds: Math.max(...connects.map((connect) => connect.seconds)),
      },
      load: {
        windowSeconds: Math.max(...reports.map((report) => report.windowSeconds)),
        fast: {
          ...combineGroups(reports.map((report) => report.fast)),
          viewers: reports.reduce((sum, report) => sum + report.fast.viewers, 0),
        },
        slow: undefined,
        clientLoopDelayP99Ms: Math.max(...reports.map((report) => report.clientLoopDelayP99Ms)),
      },
      groupFps: reports.map((report) => report.fast.fps),
      cpuPercent,
    };
  } finally {
    await Promise.all(loads.map((load) => load.call('close').catch(() => undefined)));
    await Promise.all(loads.map((load) => load.stop()));
  }
}

/**
 * An origin cam serving the benchmark camera at 30 fps, two edge cams whose one camera is `driver: mjpeg`
 * with the origin's /video_feed as its url, and `viewersPerEdge` viewers on each edge. The origin's viewer
 * count is read every 2 s during the window: each edge should hold one upstream connection however many
 * viewers it has.
 */
export async function runChain(options: BenchOptions, viewersPerEdge: number): Promise<ChainResult> {
  const origin = await startShippedServer({ fps: 30, frameSize: options.frameSize, idleTimeout: 10_000 });
  const upstream = `http://127.0.0.1:${origin.info.port}/video_feed`;
  const relay = { id: 'relay', driver: 'mjpeg', options: { url: upstream } };
  try {
    // A short idle timeout, so that the release of the upstream connections is seen without a long wait.
    const idleTimeout = 2000;
    const edges = await Promise.all([1, 2].map(() => startCamServer([relay], { idleTimeout })));
    try {
      const originViewers: number[] = [];
      const watched = await watchWindow(
        edges.map((edge) => ({ port: edge.info.port, viewers: viewersPerEdge })),
        options.quick ? 5 : 10,
        { origin: [origin.pid], edges: edges.map((edge) => edge.pid) },
        async (windowEnd) => {
          while (performance.now() < windowEnd - 2000) {
            await sleep(2000);
            originViewers.push(await cameraViewers(origin.info.port));
          }
        },
      );
      // watchWindow has closed every viewer: the edges now stop their cameras after their idle timeout.
      const left = performance.now();
      let upstreamClosedAfterSeconds: number | undefined;
      while (performance.now() - left < 3 * idleTimeout) {
        if ((await cameraViewers(origin.info.port)) === 0) {
          upstreamClosedAfterSeconds = (performance.now() - left) / 1000;
          break;
        }
        await sleep(100);
      }
      return {
        viewersPerEdge,
        ...watched,
        originViewers,
        edgeIdleTimeoutSeconds: idleTimeout / 1000,
        upstreamClosedAfterSeconds,
      };
    } finally {
      await Promise.all(edges.map((edge) => edge.stop()));
    }
  } finally {
    await origin.stop();
  }
}

/**
 * cam behind nginx: `viewers` viewers at 30 fps through nginx (two load generators), then, with a fresh
 * cam at 1 fps, an ffmpeg client reading through nginx, each JPEG it writes timed against the capture time
 * stamped in it.
 */
export async function runNginx(options: BenchOptions, viewers: number): Promise<NginxResult> {
  const stream = await throughNginx(30, viewers, async (nginx, cam) => {
    const half = Math.ceil(viewers / 2);
    let camViewers = Number.NaN;
    const watched = await watchWindow(
      [
        { port: nginx.port, viewers: half },
        { port: nginx.port, viewers: viewers - half },
      ],
      options.quick ? 5 : 10,
      { cam: [cam.pid], nginx: [nginx.pid, ...childPids(nginx.pid)] },
      async () => {
        camViewers = await cameraViewers(cam.info.port);
      },
    );
    return { ...watched, camViewers };
  });
  const latency = await throughNginx(1, 1, (nginx) => ffmpegFrameAges(nginx.port, options.quick ? 6 : 11));
  return { viewers, ...stream, latency };
}

/** The child processes of `pid` (nginx's workers), from /proc. */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Runs `measure` against fresh cam (benchmark camera at `fps`) and nginx processes, then stops them. */
async function throughNginx<T>(
  fps: number,
  viewers: number,
  measure: (nginx: Nginx, cam: Child<ServerInfo>) => Promise<T>,
): Promise<T> {
  const cam = await startShippedServer({ fps, frameSize: 30_000, idleTimeout: 10_000 });
  try {
    const nginx = await startNginx(cam.info.port, viewers + 16);
    try {
      return await measure(nginx, cam);
    } finally {
      await nginx.stop();
    }
  } finally {
    await cam.stop();
  }
}

/**
 * ffmpeg reads the stream through nginx for `seconds` and copies each JPEG to its stdout as it has it
 * (image2pipe; its raw mjpeg muxer would hold each frame until the next). The age of each frame is the
 * time from its capture (stamped in the JPEG) to the moment its last byte came out of ffmpeg.
 */
async function ffmpegFrameAges(port: number, seconds: number): Promise<NginxResult['latency']> {
  const ffmpeg = spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-v', 'error', '-f', 'mpjpeg', '-i', `http://127.0.0.1:${port}/video_feed`],
      ...['-c:v', 'copy', '-f', 'image2pipe', 'pipe:1'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const ages: number[] = [];
  const errors: string[] = [];
  const splitter = new JpegSplitter();
  ffmpeg.stdout.on('data', (chunk: Buffer) => {
    const now = wallClock();
    for (const jpeg of splitter.push(chunk)) {
      const stamp = readStamp(jpeg.subarray(0, 200));
      if (stamp) ages.push(now - stamp.capturedAt);
      else errors.push('a JPEG without the benchmark stamp');
    }
  });
  let stderr = '';
  ffmpeg.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  ffmpeg.on('error', (error) => errors.push(`ffmpeg: ${error.message}`));
  await sleep(seconds * 1000);
  if (ffmpeg.exitCode !== null) errors.push(`ffmpeg exited (${ffmpeg.exitCode}): ${stderr.trim()}`);
  ffmpeg.kill('SIGKILL');
  // The first frame is the one the camera made as ffmpeg connected: its age includes ffmpeg's own start
  // (opening the input, probing the stream). The latency of a live frame is measured from the second on.
  const live = ages.slice(1);
  return { frames: live.length, age: distribution(live), errors: errors.slice(0, 5) };
}
