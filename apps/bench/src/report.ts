import type { Machine } from './machine.js';
import type { StreamResult, StreamRun } from './scenarios.js';
import { SLOW_LINK_RATE_MBIT } from './slow-link.js';
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
    `  ${slow.viewers} on slow links`,
    run.server,
    String(slow.viewers),
    pair(slow.fps.min, slow.fps.p50),
    String(slow.duplicates),
    String(slow.malformed + slow.failures),
    pair(slow.ttff.p50, slow.ttff.p99),
    `${pair(slow.lag.p50, slow.lag.p90, 0)} (p90)`,
    pair(slow.gaps.p99, slow.gaps.max, 0),
    '',
    '',
    '',
    '',
  ];
}

/** The order of the rows: what people run, what it is built on, the floor, then the variants. */
const KINDS = ['server', 'server-recording', 'handler', 'floor', 'floor-raw', 'handler-unlimited'] as const;

export function streamTable(streams: StreamResult[]): string {
  const rows: string[][] = [];
  for (const { scenario, runs, cpuRatios } of streams) {
    const title = `${scenario.viewers} @ ${scenario.fps} fps${scenario.slow ? ` + ${scenario.slow} slow` : ''}`;
    let first = true;
    for (const kind of KINDS) {
      const run = runs[kind];
      if (!run) continue;
      rows.push(streamRow(first ? title : '', run));
      first = false;
      if (run.load.slow) rows.push(slowRow(run));
    }
    let label = scenario.rounds > 1 ? `  ${scenario.rounds} rounds` : '';
    for (const [name, ratio] of Object.entries(cpuRatios)) {
      const [a, b] = name.split('/') as [keyof typeof runs, keyof typeof runs];
      const of = (pick: (run: StreamRun) => number) => `${fixed(pick(runs[a]!) / pick(runs[b]!), 2)}x`;
      rows.push([
        label,
        name,
        '',
        '',
        '',
        '',
        '',
        '',
        '',
        of((run) => run.cpu.percentOfCore),
        `${fixed(ratio.pooled, 2)}x`,
        of((run) => run.rss.maxMiB),
        '',
      ]);
      label = '';
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

/** Where a slow-link viewer's frame age comes from: what the server's kernel held for it. */
function slowBreakdown(streams: StreamResult[], frameSize: number): string | undefined {
  const lines: string[] = [];
  for (const { scenario, runs } of streams) {
    for (const run of Object.values(runs)) {
      if (!run?.kernel || !run.load.slow) continue;
      const frames = (bytes: number) => fixed(bytes / frameSize);
      const send = run.kernel.serverSendQueue;
      lines.push(
        `- ${run.server}, ${scenario.slow} viewers on ${SLOW_LINK_RATE_MBIT} Mbit/s links: the server's kernel send queue held ` +
          `${frames(send.p50)} frames per connection (median; max ${frames(send.max)}), the server process at most ` +
          `${frames(run.queues.maxQueuedBytes)}; frames ${fixed(run.load.slow.lag.p50, 0)} ms old when read (median), ` +
          `${fixed(run.load.slow.lag.p90, 0)} ms (p90), at ${fixed(run.load.slow.fps.p50)} fps.`,
      );
    }
  }
  return lines.length ? lines.join('\n') : undefined;
}

/** Which stack each server name in the table measured. */
const STACKS =
  'server: the shipped @cam/server (apps/server dist/main.js --config, express with its routes and middleware, ' +
  'pino, prom-client; its page, camera list and metrics requested once before the viewers), serving the ' +
  'benchmark camera through its driver loader; handler: createStreamHandler ' +
  'from @cam/http-mjpeg alone on a bare node:http server; floor: the least a node:http server does for the same ' +
  'chunked response (one timer, shared buffers, no per-viewer state); floor-raw: the floor without chunked ' +
  'encoding; handler-unlimited: the handler without TCP_NOTSENT_LOWAT; server-recording: the shipped server ' +
  'recording its camera to disk (record, 60 s segments). a/b rows: CPU per delivered frame of a ' +
  "over b's, pooled over every pair of runs of a and b (CPU and frames summed). Where a scenario measures " +
  'servers at once, a pair is two servers measured at once (100 viewers: two each of server, handler and ' +
  'floor at once; 500: server with handler, then server with floor; recording: three of each); ' +
  "elsewhere, one round's runs, measured back to back.";

/** `cam 45 %, nginx 60 %` (of one core; a group of processes summed). */
const cpuShares = (shares: Record<string, number>) =>
  Object.entries(shares)
    .map(([name, percent]) => `${name} ${fixed(percent, 0)} %`)
    .join(', ');

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
        "rounds, each server's rounds are combined (worst min and p99, median of medians). Slow-link rows: " +
        `viewers in a network namespace, each behind a ${SLOW_LINK_RATE_MBIT} Mbit/s link of its own (tc htb); their lag is p50 / p90.`,
    );
    out.push('', STACKS);
    const breakdown = slowBreakdown(results.streams, results.frameSize);
    if (breakdown) out.push('', breakdown);
  }
  const { idle, cycles, seek } = results;
  if (seek) {
    const { streamFirstFrameMs: stream, snapshotMs: snapshot } = seek;
    out.push(
      '',
      `seek (server, ${seek.hours} h of recordings in ${seek.segments} segments, ${stream.count} random times, each on a new ` +
        `connection): first frame of stream?at= p50 ${fixed(stream.p50)} ms, p90 ${fixed(stream.p90)} ms, max ${fixed(stream.max)} ms; ` +
        `snapshot.jpg?at= p50 ${fixed(snapshot.p50)} ms, p90 ${fixed(snapshot.p90)} ms, max ${fixed(snapshot.max)} ms`,
    );
  }
  if (idle) {
    out.push(
      '',
      `idle (server, idle timeout ${idle.idleTimeoutSeconds} s, watched ${idle.idleSeconds} s after the last viewer left): ` +
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
  const { chain, nginx } = results;
  if (chain) {
    const fast = chain.load.fast;
    out.push(
      '',
      `chain (origin -> 2 edges with driver mjpeg -> ${chain.viewersPerEdge} viewers each, 30 fps, ${fixed(chain.load.windowSeconds)} s window): ` +
        `${fast.viewers} viewers, fps ${pair(fast.fps.min, fast.fps.p50)} (min / median; by edge ${chain.groupFps.map((fps) => pair(fps.min, fps.p50)).join(' and ')}), ${fast.duplicates} duplicates, ` +
        `${fast.malformed + fast.failures + chain.connect.failed} bad; frame age ${pair(fast.lag.p50, fast.lag.p99)} ms (p50 / p99, ` +
        `capture at the origin to read from an edge); origin viewers ${chain.originViewers.join(', ')}, 0 ${chain.upstreamClosedAfterSeconds === undefined ? 'never' : `${fixed(chain.upstreamClosedAfterSeconds)} s after the viewers left`} (edge idle timeout ${chain.edgeIdleTimeoutSeconds} s); load generator ` +
        `event-loop delay p99 ${fixed(chain.load.clientLoopDelayP99Ms)} ms; CPU ${cpuShares(chain.cpuPercent)}`,
    );
  }
  if (nginx) {
    const fast = nginx.load.fast;
    const { age } = nginx.latency;
    out.push(
      '',
      `nginx (docs/deploy/nginx.conf, ${nginx.viewers} viewers at 30 fps through it, ${fixed(nginx.load.windowSeconds)} s window): ` +
        `fps ${pair(fast.fps.min, fast.fps.p50)} (min / median), ${fast.duplicates} duplicates, ` +
        `${fast.malformed + fast.failures + nginx.connect.failed} bad; frame age ${pair(fast.lag.p50, fast.lag.p99)} ms (p50 / p99); ` +
        `cam counted ${nginx.camViewers} viewers; load generators' event-loop delay p99 ${fixed(nginx.load.clientLoopDelayP99Ms)} ms; ` +
        `CPU ${cpuShares(nginx.cpuPercent)}. At 1 fps, ffmpeg through nginx: frame age ${fixed(age.p50)} ms median, ` +
        `${fixed(age.p90)} p90, ${fixed(age.max)} max over ${nginx.latency.frames} frames (capture to the JPEG's last byte out of ffmpeg)`,
    );
  }
  for (const skipped of results.skipped) out.push('', `skipped: ${skipped}`);
  if (checks.length) {
    out.push('', 'targets:', '');
    for (const check of checks)
      out.push(`- ${check.pass ? 'PASS' : 'MISS'} ${check.target}: ${check.measured}`);
  }
  return out.join('\n');
}
