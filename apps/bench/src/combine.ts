import type { GroupReport } from './load.js';
import type { StreamRun } from './scenarios.js';
import type { Distribution } from './stats.js';

// A scenario measured in several rounds (server, handler, floor, server...: the shared machine's noise drifts,
// and alternating spreads it over both) is reported as one run per server: sums of counts, the worst
// minimum and 99th percentile, the median of medians.

export function median(values: number[]): number {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
const finite = (values: number[]) => values.filter((value) => !Number.isNaN(value));
const max = (values: number[]) => (finite(values).length ? Math.max(...finite(values)) : Number.NaN);
const min = (values: number[]) => (finite(values).length ? Math.min(...finite(values)) : Number.NaN);

export function combineDistributions(list: Distribution[]): Distribution {
  return {
    count: sum(list.map((d) => d.count)),
    min: min(list.map((d) => d.min)),
    p50: median(list.map((d) => d.p50)),
    p90: max(list.map((d) => d.p90)),
    p99: max(list.map((d) => d.p99)),
    max: max(list.map((d) => d.max)),
  };
}

export function combineGroups(list: GroupReport[]): GroupReport {
  const distributions = (pick: (group: GroupReport) => Distribution) => combineDistributions(list.map(pick));
  return {
    viewers: list[0]!.viewers,
    fps: distributions((group) => group.fps),
    frames: sum(list.map((group) => group.frames)),
    duplicates: sum(list.map((group) => group.duplicates)),
    skipped: sum(list.map((group) => group.skipped)),
    malformed: sum(list.map((group) => group.malformed)),
    failures: sum(list.map((group) => group.failures)),
    errors: list.flatMap((group) => group.errors).slice(0, 5),
    ttff: distributions((group) => group.ttff),
    gaps: distributions((group) => group.gaps),
    lag: distributions((group) => group.lag),
    lastLag: distributions((group) => group.lastLag),
  };
}

/** One server's rounds as one run. */
export function combineRuns(runs: StreamRun[]): StreamRun {
  if (runs.length === 1) return runs[0]!;
  const slow = runs.flatMap((run) => (run.load.slow ? [run.load.slow] : []));
  const kernels = runs.flatMap((run) => (run.kernel ? [run.kernel] : []));
  const cpuMs = sum(runs.map((run) => run.cpu.ms));
  const frames = sum(runs.map((run) => run.load.fast.frames + (run.load.slow?.frames ?? 0)));
  const seconds = sum(runs.map((run) => run.load.windowSeconds));
  return {
    server: runs[0]!.server,
    connect: {
      connected: min(runs.map((run) => run.connect.connected)),
      failed: sum(runs.map((run) => run.connect.failed)),
      errors: runs.flatMap((run) => run.connect.errors).slice(0, 5),
      ports: runs.flatMap((run) => run.connect.ports),
      seconds: max(runs.map((run) => run.connect.seconds)),
    },
    load: {
      windowSeconds: seconds,
      fast: combineGroups(runs.map((run) => run.load.fast)),
      slow: slow.length ? combineGroups(slow) : undefined,
      clientLoopDelayP99Ms: max(runs.map((run) => run.load.clientLoopDelayP99Ms)),
    },
    cameraFps: median(runs.map((run) => run.cameraFps)),
    cpu: {
      ms: cpuMs,
      percentOfCore: (cpuMs / (seconds * 1000)) * 100,
      perFrameUs: frames > 0 ? (cpuMs * 1000) / frames : Number.NaN,
      userMs: sum(runs.map((run) => run.cpu.userMs)),
      systemMs: sum(runs.map((run) => run.cpu.systemMs)),
    },
    clientCpuPercent: median(runs.map((run) => run.clientCpuPercent)),
    rss: {
      startMiB: runs[0]!.rss.startMiB,
      maxMiB: max(runs.map((run) => run.rss.maxMiB)),
      endMiB: runs[runs.length - 1]!.rss.endMiB,
    },
    queues: {
      sockets: max(runs.map((run) => run.queues.sockets)),
      maxQueuedBytes: max(runs.map((run) => run.queues.maxQueuedBytes)),
      maxTotalQueuedBytes: max(runs.map((run) => run.queues.maxTotalQueuedBytes)),
    },
    kernel: kernels.length
      ? {
          serverSendQueue: combineDistributions(kernels.map((kernel) => kernel.serverSendQueue)),
        }
      : undefined,
  };
}

export interface CpuRatio {
  /** One server's CPU per delivered frame over another's, pair by pair (see {@link cpuRatio}). */
  pairs: number[];
  /** Their median, for a sense of the spread. */
  median: number;
  /**
   * All of `a`'s paired runs' CPU per frame delivered over all of `b`'s (CPU and frames summed): the
   * figure checked against a target. A fresh Node process keeps a CPU level of its own for its life, a
   * few percent either way, so any one pair's ratio moves by a fifth or more (six pairs of 10 viewers
   * ranged 0.88-1.30 around a pooled 1.05); pooling many processes averages their levels out, where a
   * median of a few keeps one pair's luck.
   */
  pooled: number;
}

/**
 * `a`'s CPU per delivered frame as a multiple of `b`'s. Only runs of the same set compare (servers
 * measured at once, or in the same round): in each set, its first `a` with its first `b`, its second
 * with its second, and so on.
 */
export function cpuRatio(sets: StreamRun[][], a: string, b: string): CpuRatio | undefined {
  const paired: Array<[StreamRun, StreamRun]> = [];
  for (const set of sets) {
    const as = set.filter((run) => run.server === a);
    const bs = set.filter((run) => run.server === b);
    for (let i = 0; i < Math.min(as.length, bs.length); i++) paired.push([as[i]!, bs[i]!]);
  }
  if (paired.length === 0) return undefined;
  const ratios = paired.map(([x, y]) => x.cpu.perFrameUs / y.cpu.perFrameUs);
  // combineRuns sums CPU and frames over the runs: its CPU per frame is the pooled one.
  const pooledPerFrame = (runs: StreamRun[]) => combineRuns(runs).cpu.perFrameUs;
  const pooled = pooledPerFrame(paired.map(([x]) => x)) / pooledPerFrame(paired.map(([, y]) => y));
  return { pairs: ratios, median: median(ratios), pooled };
}
