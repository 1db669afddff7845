import type { Machine } from './machine.js';
import type { StreamResult, StreamRun } from './scenarios.js';
import type { Results, TargetCheck } from './targets.js';

const fixed = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const pair = (a: number, b: number, digits = 1) => `${fixed(a, digits)} / ${fixed(b, digits)}`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((width, i) => (i < 2 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function streamRow(title: string, run: StreamRun): string[] {
  const fast = run.load.fast;
  return [
    title,
    run.server,
    String(fast.viewers + (run.load.slow?.viewers ?? 0)),
    pair(fast.fps.min, fast.fps.p50),
    String(fast.duplicates),
    String(fast.malformed + fast.failures + run.connect.failed),
    pair(fast.ttff.p50, fast.ttff.p99),
    pair(fast.lag.p50, fast.lag.p99),
    pair(fast.gaps.p99, fast.gaps.max, 0),
    fixed(run.cpu.percentOfCore),
    fixed(run.cpu.perFrameUs),
    fixed(run.rss.maxMiB),
    fixed(run.clientCpuPercent, 0),
  ];
}

function slowRow(run: StreamRun): string[] {
  const slow = run.load.slow!;
  return [
    `  ${slow.viewers} slow of them`,
    run.server,
    String(slow.viewers),
    pair(slow.fps.min, slow.fps.p50, 2),
    String(slow.duplicates),
    String(slow.malformed + slow.failures),
    pair(slow.ttff.p50, slow.ttff.p99),
    `${fixed(slow.lastLag.p50 / 1000)} s / ${fixed(slow.lastLag.max / 1000)} s`,
    pair(slow.gaps.p99, slow.gaps.max, 0),
    '',
    '',
    '',
    '',
  ];
}

export function streamTable(streams: StreamResult[]): string {
  const rows: string[][] = [];
  for (const { scenario, runs, cpuRatio } of streams) {
    const title = `${scenario.viewers} @ ${scenario.fps} fps${scenario.slow ? ` (${scenario.slow} slow)` : ''}`;
    for (const kind of ['cam', 'floor', 'floor-raw', 'cam-sndbuf'] as const) {
      const run = runs[kind];
      if (!run) continue;
      rows.push(streamRow(kind === 'cam' ? title : '', run));
      if (run.load.slow) rows.push(slowRow(run));
    }
    if (runs.cam && runs.floor) {
      const ratio = (pick: (run: StreamRun) => number) => `${fixed(pick(runs.cam!) / pick(runs.floor!), 2)}x`;
      rows.push([
        scenario.rounds > 1 ? `  ${scenario.rounds} rounds` : '',
        'cam/floor',
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        ratio((run) => run.cpu.percentOfCore),
        cpuRatio ? `${fixed(cpuRatio.median, 2)}x` : '',
        ratio((run) => run.rss.maxMiB),
        '',
      ]);
    }
  }
  return table(
    [
      'scenario',
      'server',
      'viewers',
      'fps min / median',
      'dup',
      'bad',
      'first frame p50 / p99 ms',
      'lag p50 / p99 ms',
      'gap p99 / max ms',
      'CPU % core',
      'CPU us / frame',
      'RSS MiB',
      'client CPU %',
    ],
    rows,
  );
}

/** Where a slow viewer's lag sits: the bytes each buffer holds, in frames. */
function slowBreakdown(streams: StreamResult[], frameSize: number): string | undefined {
  const lines: string[] = [];
  for (const { scenario, runs } of streams) {
    for (const run of Object.values(runs)) {
      if (!run?.kernel || !run.load.slow) continue;
      const frames = (bytes: number) => fixed(bytes / frameSize);
      const { serverSendQueue: send, clientReceiveQueue: receive } = run.kernel;
      lines.push(
        `- ${run.server}, ${scenario.slow} viewers reading one frame every ${scenario.slowEveryMs / 1000} s: ` +
          `the server's kernel send queue held ${frames(send.p50)} frames (median; max ${frames(send.max)}), ` +
          `the client's kernel receive queue ${frames(receive.p50)} (max ${frames(receive.max)}), ` +
          `the server process at most ${frames(run.queues.maxQueuedBytes)} per connection. ` +
          `Their frames were ${fixed(run.load.slow.lag.p50 / 1000)} s old when read (median), ` +
          `${fixed(run.load.slow.lastLag.p50 / 1000)} s at the end, the lag growing by ` +
          `${fixed(run.load.slow.lagGrowth, 2)} s per s.`,
      );
    }
  }
  return lines.length ? lines.join('\n') : undefined;
}

export function formatReport(
  machine: Machine,
  results: Results,
  checks: TargetCheck[],
  quick: boolean,
): string {
  const out: string[] = [];
  out.push(
    `cam bench${quick ? ' (--quick)' : ''}: ${machine.date.slice(0, 16).replace('T', ' ')} UTC, ` +
      `${machine.nproc} x ${machine.cpu}, ${machine.memory}, Node ${machine.node}, ${machine.kernel}, ` +
      `load average ${fixed(machine.loadAverage, 2)} at start; ${results.frameSize}-byte 640x480 JPEGs`,
  );
  if (results.streams.length) {
    out.push('', streamTable(results.streams));
    out.push(
      '',
      'fps: frames each viewer received per second in the window (min and median over viewers); dup: frames ' +
        'received twice; bad: malformed parts and failed connections; first frame: connect to first whole ' +
        'frame; lag: capture to fully read; gap: between two frames of one viewer; CPU: the server ' +
        "process's threads' run time (/proc/<pid>/task/*/schedstat), as a share of one core and per frame " +
        'delivered to any viewer; RSS: the most during the window; client CPU: the load generator. With ' +
        "rounds, each server's rounds are combined (worst min and p99, median of medians) and cam/floor CPU " +
        "per frame is the median of the rounds' ratios.",
    );
    const breakdown = slowBreakdown(results.streams, results.frameSize);
    if (breakdown) out.push('', breakdown);
  }
  const { idle, cycles } = results;
  if (idle) {
    out.push(
      '',
      `idle (cam, idle timeout ${idle.idleTimeoutSeconds} s, watched ${idle.idleSeconds} s after the last viewer left): ` +
        `${idle.stoppedAfterSeconds === undefined ? 'capture never stopped' : `capture stopped after ${fixed(idle.stoppedAfterSeconds)} s`}, ` +
        `${idle.framesAfterStop} frames after the stop, status ${idle.status}; CPU after the stop ` +
        `${fixed(idle.cpuAfterStopPercent, 2)} % of a core (${fixed(idle.cpuIdlePercent, 2)} % over the whole idle ` +
        `period, which includes the timeout); RSS ${fixed(idle.rssMiB)} MiB`,
    );
  }
  for (const run of cycles) {
    out.push(
      '',
      `cycles (${run.server}): ${run.completed} of ${run.requested} connect / first frame / disconnect cycles ` +
        `in ${fixed(run.seconds)} s (${fixed(run.completed / run.seconds, 0)} per s, first frame p50 ` +
        `${fixed(run.ttff.p50)} ms), ${run.failed} failed, after ${run.warmup} to warm up; RSS after GC: fresh ` +
        `${fixed(run.rssFreshMiB)}, warmed up ${fixed(run.rssBeforeMiB)}, after ${fixed(run.rssAfterMiB)} MiB; ` +
        `V8 heap used ${fixed(run.heapBeforeMiB)} -> ${fixed(run.heapAfterMiB)} MiB (reserved ` +
        `${fixed(run.heapTotalBeforeMiB)} -> ${fixed(run.heapTotalAfterMiB)}); ${run.connectionsLeft} connections and ` +
        `${run.viewersLeft} viewers left`,
    );
  }
  if (checks.length) {
    out.push('', 'targets:', '');
    for (const check of checks)
      out.push(`- ${check.pass ? 'PASS' : 'MISS'} ${check.target}: ${check.measured}`);
  }
  return out.join('\n');
}
