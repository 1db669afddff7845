import type { CyclesRunResult, IdleResult, StreamResult } from './scenarios.js';

export interface TargetCheck {
  pass: boolean;
  target: string;
  measured: string;
}

export interface Results {
  streams: StreamResult[];
  idle: IdleResult | undefined;
  cycles: CyclesRunResult[];
  frameSize: number;
}

/** Frames every fast viewer must get per second at 30 fps. */
const MIN_FPS = 29;
const MAX_CPU_RATIO = 1.25;
const MAX_THOUSAND_CPU_PERCENT = 2;
const MAX_TTFF_P50_MS = 20;
/** "Idle CPU ≈ 0": under half a percent of one core. */
const MAX_IDLE_CPU_PERCENT = 0.5;
const MAX_RSS_GROWTH_MIB = 5;
const MAX_SLOW_LAG_SECONDS = 1;

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const signed = (value: number) => `${value >= 0 ? '+' : ''}${fixed(value)}`;

/** The issue's targets, checked against cam's figures (and the floor's, for the CPU ratios). */
export function checkTargets(results: Results): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const stream = (id: string) => results.streams.find((result) => result.scenario.id === id);

  for (const id of ['hundred', 'five-hundred']) {
    const result = stream(id);
    const cam = result?.runs.cam;
    if (!result || !cam) continue;
    const n = result.scenario.viewers;
    const fast = cam.load.fast;
    checks.push({
      pass: cam.connect.failed === 0 && fast.failures === 0 && fast.fps.min >= MIN_FPS,
      target: `${n} viewers at 30 fps: every viewer >= ${MIN_FPS} fps`,
      measured: `min ${fixed(fast.fps.min)}, median ${fixed(fast.fps.p50)} fps; ${cam.connect.failed + fast.failures} failed`,
    });
    checks.push({
      pass: fast.duplicates === 0 && fast.malformed === 0,
      target: `${n} viewers: 0 duplicates, 0 malformed parts`,
      measured: `${fast.duplicates} duplicates, ${fast.malformed} malformed`,
    });
    const floor = result.runs.floor;
    const ratio = result.cpuRatio;
    if (floor && ratio) {
      const rounds =
        ratio.rounds.length > 1 ? `median of ${ratio.rounds.map((r) => fixed(r, 2)).join(', ')}; ` : '';
      checks.push({
        pass: ratio.median <= MAX_CPU_RATIO,
        target: `${n} viewers: server CPU per delivered frame <= ${MAX_CPU_RATIO}x the floor's`,
        measured: `${fixed(ratio.median, 2)}x (${rounds}cam ${fixed(cam.cpu.perFrameUs)} us, floor ${fixed(floor.cpu.perFrameUs)} us)`,
      });
    }
  }

  const thousand = stream('thousand-1fps')?.runs.cam;
  if (thousand) {
    checks.push({
      pass: thousand.cpu.percentOfCore <= MAX_THOUSAND_CPU_PERCENT && thousand.connect.failed === 0,
      target: `1000 viewers at 1 fps: server CPU <= ${MAX_THOUSAND_CPU_PERCENT} % of a core`,
      measured: `${fixed(thousand.cpu.percentOfCore, 2)} %${thousand.connect.failed ? `; ${thousand.connect.failed} failed to connect` : ''}`,
    });
    checks.push({
      pass: thousand.load.fast.ttff.p50 <= MAX_TTFF_P50_MS,
      target: `1 fps camera: time to first frame p50 <= ${MAX_TTFF_P50_MS} ms`,
      measured: `p50 ${fixed(thousand.load.fast.ttff.p50)} ms, p99 ${fixed(thousand.load.fast.ttff.p99)} ms`,
    });
  }

  const idle = results.idle;
  if (idle) {
    checks.push({
      pass: idle.stoppedAfterSeconds !== undefined && idle.framesAfterStop === 0 && idle.status === 'idle',
      target: `idle: capture stops (0 frames after the idle stop)`,
      measured:
        idle.stoppedAfterSeconds === undefined
          ? `never stopped (status ${idle.status})`
          : `stopped ${fixed(idle.stoppedAfterSeconds)} s after the last viewer left; ${idle.framesAfterStop} frames after`,
    });
    checks.push({
      pass: idle.cpuAfterStopPercent <= MAX_IDLE_CPU_PERCENT,
      target: `idle: server CPU ~ 0 (< ${MAX_IDLE_CPU_PERCENT} % of a core) once stopped`,
      measured: `${fixed(idle.cpuAfterStopPercent, 2)} % of a core`,
    });
  }

  const cycles = results.cycles.find((run) => run.server === 'cam');
  if (cycles) {
    const growth = cycles.rssAfterMiB - cycles.rssBeforeMiB;
    const floor = results.cycles.find((run) => run.server === 'floor');
    checks.push({
      pass:
        growth <= MAX_RSS_GROWTH_MIB &&
        cycles.failed === 0 &&
        cycles.viewersLeft === 0 &&
        cycles.connectionsLeft === 0,
      target: `${cycles.requested} connect/disconnect cycles: RSS within ${MAX_RSS_GROWTH_MIB} MiB of the start (after ${cycles.warmup} to warm up)`,
      measured:
        `${signed(growth)} MiB (${fixed(cycles.rssBeforeMiB)} -> ${fixed(cycles.rssAfterMiB)}); ` +
        `${cycles.failed} failed, ${cycles.viewersLeft} viewers and ${cycles.connectionsLeft} connections left; ` +
        `from a fresh process ${signed(cycles.rssAfterMiB - cycles.rssFreshMiB)} MiB` +
        (floor ? ` (floor: ${signed(floor.rssAfterMiB - floor.rssFreshMiB)} MiB)` : ''),
    });
  }

  const slow = stream('slow');
  const slowCam = slow?.runs.cam;
  if (slow && slowCam?.load.slow) {
    const fast = slowCam.load.fast;
    const alone = stream('hundred')?.runs.cam?.load.fast.fps.min;
    checks.push({
      pass: fast.fps.min >= MIN_FPS && fast.failures === 0 && fast.duplicates === 0 && fast.malformed === 0,
      target: `${slow.scenario.slow} slow viewers among ${slow.scenario.viewers}: fast viewers keep >= ${MIN_FPS} fps`,
      measured: `fast min ${fixed(fast.fps.min)} fps${alone === undefined ? '' : ` (${fixed(alone)} without slow viewers)`}`,
    });
    // What cam's process holds for a viewer that has not drained: one part (its header, the JPEG, the
    // delimiter) and the HTTP chunk framing around them.
    const onePart = results.frameSize + 200;
    checks.push({
      pass: slowCam.queues.maxQueuedBytes <= onePart,
      target: `slow viewers: at most one frame of memory each in the server`,
      measured: `at most ${slowCam.queues.maxQueuedBytes} bytes queued per connection (a part is ${results.frameSize} + headers)`,
    });
    const lag = slowCam.load.slow.lastLag;
    const bounded = slow.runs['cam-sndbuf']?.load.slow;
    checks.push({
      pass: lag.max / 1000 <= MAX_SLOW_LAG_SECONDS,
      target: `slow viewers: <= ${MAX_SLOW_LAG_SECONDS} s behind live (goal)`,
      measured:
        `their last frame read was ${fixed(lag.p50 / 1000)} s old (median), ${fixed(lag.max / 1000)} s (worst), ` +
        `growing by ${fixed(slowCam.load.slow.lagGrowth, 2)} s per s` +
        (bounded
          ? `; with the kernel send buffer bounded outside Node (cam-sndbuf) ${fixed(bounded.lastLag.p50 / 1000)} s ` +
            `(worst ${fixed(bounded.lastLag.max / 1000)} s), growing by ${fixed(bounded.lagGrowth, 2)} s per s`
          : ''),
    });
  }
  return checks;
}
