import { expect, test } from 'vitest';
import { combineRuns, cpuRatio } from '../src/combine.js';
import type { GroupReport } from '../src/load.js';
import type { ServerKind, StreamRun } from '../src/scenarios.js';
import { distribution } from '../src/stats.js';

/** A run of `server` that used `cpuMs` of CPU to deliver `frames` frames in a 10 s window. */
function run(server: ServerKind, cpuMs: number, frames: number): StreamRun {
  const group: GroupReport = {
    viewers: 100,
    fps: distribution([30]),
    frames,
    duplicates: 0,
    skipped: 0,
    malformed: 0,
    failures: 0,
    errors: [],
    ttff: distribution([5]),
    gaps: distribution([33]),
    lag: distribution([2]),
    lastLag: distribution([2]),
  };
  return {
    server,
    connect: { connected: 100, failed: 0, errors: [], ports: [], seconds: 0.1 },
    load: { windowSeconds: 10, fast: group, slow: undefined, clientLoopDelayP99Ms: 1 },
    cameraFps: 30,
    cpu: {
      ms: cpuMs,
      percentOfCore: cpuMs / 100,
      perFrameUs: (cpuMs * 1000) / frames,
      userMs: cpuMs / 2,
      systemMs: cpuMs / 2,
    },
    clientCpuPercent: 10,
    rss: { startMiB: 80, maxMiB: 90, endMiB: 85 },
    queues: { sockets: 100, maxQueuedBytes: 0, maxTotalQueuedBytes: 0 },
    kernel: undefined,
  };
}

test('combineRuns sums CPU and frames: its CPU per frame is the pooled one', () => {
  const combined = combineRuns([run('server', 600, 30_000), run('server', 300, 30_000)]);
  expect(combined.cpu.ms).toBe(900);
  expect(combined.cpu.perFrameUs).toBeCloseTo(15, 10);
  expect(combined.load.windowSeconds).toBe(20);
  expect(combined.cpu.percentOfCore).toBeCloseTo(4.5, 10);
});

test('cpuRatio pairs runs of the same set only, in order, and pools every pair', () => {
  const sets = [
    // measured at once: two of each
    [
      run('server', 660, 30_000),
      run('handler', 600, 30_000),
      run('server', 540, 30_000),
      run('handler', 600, 30_000),
    ],
    // another group, without a handler: no pair for server/handler
    [run('server', 5000, 30_000), run('floor', 700, 30_000)],
  ];
  const ratio = cpuRatio(sets, 'server', 'handler')!;
  expect(ratio.pairs.map((r) => Number(r.toFixed(3)))).toEqual([1.1, 0.9]);
  expect(ratio.median).toBeCloseTo(1, 10);
  // (660 + 540) / (600 + 600), not touched by the second set's server
  expect(ratio.pooled).toBeCloseTo(1, 10);
  const overFloor = cpuRatio(sets, 'server', 'floor')!;
  expect(overFloor.pairs).toHaveLength(1);
  expect(overFloor.pooled).toBeCloseTo(5000 / 700, 10);
});

test('cpuRatio weighs each pair by its frames when pooling', () => {
  const sets = [
    [run('server', 200, 10_000), run('handler', 100, 10_000)],
    [run('server', 900, 90_000), run('handler', 900, 90_000)],
  ];
  const ratio = cpuRatio(sets, 'server', 'handler')!;
  expect(ratio.pairs).toEqual([2, 1]);
  expect(ratio.median).toBe(1.5);
  expect(ratio.pooled).toBeCloseTo(1100 / 1000, 10);
});

test('cpuRatio is undefined when no set holds both servers', () => {
  expect(cpuRatio([[run('server', 1, 1)], [run('handler', 1, 1)]], 'server', 'handler')).toBeUndefined();
  expect(cpuRatio([], 'server', 'handler')).toBeUndefined();
});
