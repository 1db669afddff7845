// pnpm bench: cam's Motion-JPEG fan-out against a minimal node:http floor, side by side on loopback.
// This process only orchestrates; the servers and the load generator run in processes of their own.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { combineRuns, cpuRatio } from './combine.js';
import { runChain, runNginx } from './deploy.js';
import { describeMachine } from './machine.js';
import { nginxMissing } from './nginx.js';
import { type BenchOptions, parseOptions, USAGE, UsageError } from './options.js';
import { fileLimits } from './proc.js';
import { runSeek } from './recording-seek.js';
import { formatReport } from './report.js';
import {
  type IdleResult,
  runCycles,
  runIdle,
  runStream,
  runTogether,
  SERVER_KINDS,
  type ServerKind,
  type StreamResult,
  type StreamRun,
  type StreamScenario,
} from './scenarios.js';
import { createSlowLink, SLOW_LINK_RATE_MBIT, type SlowLink } from './slow-link.js';
import { checkTargets, type Results } from './targets.js';

/**
 * The warm-up of the scenarios whose servers allocate little once their viewers are connected (1000
 * viewers at 1 fps; 10 viewers, recording or not). A fresh Node process that has just loaded its modules
 * and connected its viewers holds a heap bigger than it needs, and when allocation slows down V8's memory
 * reducer shrinks it with two or three full GCs, 8 to 10 s after the start. Measured from 2 s, they were in
 * the window: the shipped server at 1000 viewers took 3.6 % of a core, of which the GC threads alone 1.5
 * points; measured from 20 s, 1.6 %. A server runs for days: its steady state is what counts.
 */
const STEADY_WARMUP_SECONDS = 20;
const QUICK_STEADY_WARMUP_SECONDS = 12;

/** Every stream scenario compares the shipped server, the handler alone and the floor, in rounds. */
const SIDE_BY_SIDE: ServerKind[] = ['server', 'handler', 'floor'];

function streamScenarios(quick: boolean): StreamScenario[] {
  const pick = (full: number, short: number) => (quick ? short : full);
  const base = { slow: 0, fps: 30, rounds: 1, servers: SIDE_BY_SIDE };
  return [
    { ...base, id: 'one', title: '1 viewer', viewers: 1, warmupSeconds: 1, windowSeconds: pick(3, 2) },
    {
      ...base,
      id: 'hundred',
      title: '100 viewers',
      viewers: 100,
      warmupSeconds: 3,
      windowSeconds: pick(10, 2),
      // An even number: each start order (see runTogether) as often as the other.
      rounds: pick(4, 1),
      // Two of each at once (six servers take a third of a core, their load generators two thirds of
      // the other): 8 pairs per ratio. Measured one after the other, a process at a time, the same
      // server's CPU per frame moved by a fifth between runs, and three rounds of ratios (1.05, 1.14,
      // 1.10 in one run; 0.93-1.16 over six in another) could not tell 1.05 from 1.15.
      groups: [['server', 'handler', 'floor', 'server', 'handler', 'floor']],
    },
    {
      ...base,
      id: 'five-hundred',
      title: '500 viewers',
      viewers: 500,
      // Steady state, for RSS above all: the handler's nursery grows for its first 20 s at 500 viewers, and
      // until 30 November every server's RSS grew from 86 to 100 MiB in them (frames kept to a full GC).
      warmupSeconds: pick(STEADY_WARMUP_SECONDS, QUICK_STEADY_WARMUP_SECONDS),
      windowSeconds: pick(10, 2),
      rounds: pick(4, 1),
      // Two at a time: a server at 500 viewers takes a quarter of a core and its load generator almost
      // half of one, so three at once would overload the load generators' CPU. 4 pairs per ratio.
      groups: [
        ['server', 'handler'],
        ['server', 'floor'],
      ],
      once: ['floor', 'floor-raw'],
    },
    {
      ...base,
      id: 'thousand-1fps',
      title: '1000 viewers at 1 fps',
      viewers: 1000,
      fps: 1,
      warmupSeconds: pick(STEADY_WARMUP_SECONDS, QUICK_STEADY_WARMUP_SECONDS),
      // 30 frames per viewer: an 8 s window held 8 (or 9, by the camera's phase), and one process's
      // figure moved by a fifth with what fell into it (17.6 and 19.4 us a frame for two handlers
      // measured at once; 15.9-20.1 across runs), where a 30 s window gave 17.4-18.5.
      windowSeconds: pick(30, 4),
    },
    {
      ...base,
      id: 'slow-link',
      title: `100 viewers and 10 more behind a ${SLOW_LINK_RATE_MBIT} Mbit/s link each`,
      viewers: 100,
      slow: 10,
      warmupSeconds: 3,
      windowSeconds: pick(10, 5),
      servers: ['server', 'floor'],
      once: ['handler-unlimited'],
    },
    {
      ...base,
      id: 'recording',
      title: '10 viewers, the camera recorded or not',
      viewers: 10,
      warmupSeconds: pick(STEADY_WARMUP_SECONDS, QUICK_STEADY_WARMUP_SECONDS),
      // Long enough for a few steps of a server's CPU (a full GC every 5 s or so, a cluster written each
      // second), short enough for many rounds: what moves a ratio most is which processes were paired.
      windowSeconds: pick(15, 3),
      // An even number: each start order (see runTogether) as often as the other.
      rounds: pick(6, 1),
      // Three of each at once. Two identical servers measured side by side differed by up to a quarter in
      // one round (0.77-1.17 over six), and 45 s windows did not narrow that: a fresh process keeps its
      // own level (in one pair, its GC threads took 4.1 ms a second in the plain server and 2.5 in the
      // recording one). So more processes, not longer windows: 18 pairs in the time of 6.
      servers: ['server', 'server-recording'],
      // All at once: one after the other, the same server's CPU varied by a third between runs, and a
      // ratio of 1.1 could not be told from 1.3.
      groups: [['server', 'server-recording', 'server', 'server-recording', 'server', 'server-recording']],
    },
  ];
}

/**
 * What one round measures, group by group: a group of one is measured alone, a larger one all at once.
 * The first server of a group to start warms up longest, so every other round starts them the other
 * way round. `--servers` and the slow link measure one server at a time.
 */
function roundGroups(
  scenario: StreamScenario,
  round: number,
  options: BenchOptions,
  slowLink: boolean,
): ServerKind[][] {
  const once = round === 1 ? (scenario.once ?? []) : [];
  if (options.servers) return (options.servers as ServerKind[]).map((kind) => [kind]);
  if (!scenario.groups || slowLink) return [...scenario.servers, ...once].map((kind) => [kind]);
  const groups = once.length ? [...scenario.groups, once] : scenario.groups;
  return round % 2 === 1 ? groups : groups.map((group) => [...group].reverse());
}

/** Ratios of CPU per delivered frame reported and checked: the first over the second, round by round. */
const RATIOS: Array<[ServerKind, ServerKind]> = [
  ['server-recording', 'server'],
  ['server', 'handler'],
  ['server', 'floor'],
  ['handler', 'floor'],
];

/** Issue 15's deployments (docs/deploy): viewers per edge in `chain`, viewers through nginx in `nginx`. */
const CHAIN_VIEWERS_PER_EDGE = 200;
const NGINX_VIEWERS = 300;

const ALL_IDS = [
  ...streamScenarios(false).map((scenario) => scenario.id),
  'chain',
  'nginx',
  'idle',
  'cycles',
  'seek',
];

async function run(options: BenchOptions): Promise<void> {
  const started = performance.now();
  const machine = describeMachine();
  const wanted = (id: string) => !options.only || options.only.includes(id);
  const results: Results = {
    streams: [],
    idle: undefined,
    cycles: [],
    skipped: [],
    frameSize: options.frameSize,
  };
  const progress = (message: string) =>
    process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);

  // The idle scenario mostly waits: it runs beside the others, its server measuring only itself.
  let idle: Promise<IdleResult> | undefined;
  if (wanted('idle')) {
    progress(`idle for ${options.idleSeconds} s after the last viewer leaves (server), beside the others`);
    idle = runIdle(options);
    idle.then(
      () => progress('idle: done'),
      () => undefined, // awaited below, where its failure is reported
    );
  }

  const files = fileLimits();
  if (files && files.hard < 1100 && wanted('thousand-1fps')) {
    progress(`open files are limited to ${files.hard} (ulimit -Hn): 1000 viewers may not all connect`);
  }
  for (const scenario of streamScenarios(options.quick)) {
    if (!wanted(scenario.id)) continue;
    let slowLink: SlowLink | undefined;
    if (scenario.slow) {
      try {
        slowLink = createSlowLink(scenario.slow);
      } catch (error) {
        const why =
          "cannot make its network namespace and links (it needs root or CAP_NET_ADMIN, and iproute2's " +
          `ip and tc): ${(error as Error).message}`;
        progress(`${scenario.id}: skipped, ${why}`);
        results.skipped.push(`${scenario.id}: ${why}`);
        continue;
      }
    }
    try {
      const rounds: StreamResult['rounds'] = {};
      const sets: StreamRun[][] = [];
      const title = `${scenario.title}${scenario.fps === 1 ? '' : ` at ${scenario.fps} fps`}`;
      for (let round = 1; round <= scenario.rounds; round++) {
        const of = scenario.rounds > 1 ? `, round ${round} of ${scenario.rounds}` : '';
        // A group measured at once is a set of its own; servers measured alone compare within the round.
        const alone: StreamRun[] = [];
        for (const group of roundGroups(scenario, round, options, slowLink !== undefined)) {
          if (group.length > 1) {
            progress(`${title}: ${group.join(' and ')} at once${of}`);
            sets.push(await runTogether(scenario, group, options));
          } else {
            progress(`${title}: ${group[0]}${of}`);
            alone.push(await runStream(scenario, group[0]!, options, slowLink));
          }
        }
        if (alone.length > 0) sets.push(alone);
      }
      for (const run of sets.flat()) rounds[run.server] = [...(rounds[run.server] ?? []), run];
      const runs: StreamResult['runs'] = {};
      for (const [kind, list] of Object.entries(rounds)) runs[kind as ServerKind] = combineRuns(list);
      const cpuRatios: StreamResult['cpuRatios'] = {};
      for (const [a, b] of RATIOS) {
        const ratio = cpuRatio(sets, a, b);
        if (ratio) cpuRatios[`${a}/${b}`] = ratio;
      }
      results.streams.push({ scenario, rounds, sets, runs, cpuRatios });
    } finally {
      slowLink?.remove();
    }
  }
  if (wanted('chain')) {
    progress(
      `chain: an origin, 2 edges relaying it (driver mjpeg), ${CHAIN_VIEWERS_PER_EDGE} viewers on each edge`,
    );
    results.chain = await runChain(options, CHAIN_VIEWERS_PER_EDGE);
  }
  if (wanted('nginx')) {
    const missing = nginxMissing();
    if (missing) {
      progress(`nginx: skipped, ${missing}`);
      results.skipped.push(`nginx: ${missing}`);
    } else {
      progress(`nginx: ${NGINX_VIEWERS} viewers through nginx, then ffmpeg through it at 1 fps`);
      results.nginx = await runNginx(options, NGINX_VIEWERS);
    }
  }
  if (wanted('seek')) {
    const seeks = options.quick ? 20 : 100;
    progress(`seek: 24 h of recordings, ${seeks} stream?at= and snapshot.jpg?at= at random times (server)`);
    results.seek = await runSeek(seeks);
  }
  if (idle) results.idle = await idle;
  if (wanted('cycles')) {
    for (const kind of SIDE_BY_SIDE) {
      progress(`${options.cycles} connect/disconnect cycles after ${2 * options.cycles} to warm up: ${kind}`);
      results.cycles.push(await runCycles(kind, options));
    }
  }

  const checks = checkTargets(results);
  const report = formatReport(machine, results, checks, options.quick);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n${report}\n\n(${seconds.toFixed(0)} s)`);

  mkdirSync(dirname(options.json), { recursive: true });
  writeFileSync(
    options.json,
    `${JSON.stringify({ machine, options, seconds, targets: checks, results }, null, 2)}\n`,
  );
  process.stderr.write(`results: ${options.json}\n`);
  if (options.readme) updateReadme(report);
}

/** Replaces the README's latest results, between its bench markers, with `report`. */
function updateReadme(report: string): void {
  const path = new URL('../README.md', import.meta.url);
  const readme = readFileSync(path, 'utf8');
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} ... ${end} section`);
  writeFileSync(path, `${readme.slice(0, from + start.length)}\n\n${report}\n\n${readme.slice(to)}`);
  process.stderr.write('README.md updated\n');
}

try {
  const options = parseOptions(process.argv.slice(2));
  const unknown = options.only?.filter((id) => !ALL_IDS.includes(id));
  if (unknown?.length)
    throw new UsageError(`unknown scenario ${unknown.join(', ')} (known: ${ALL_IDS.join(', ')})`);
  const unknownServers = options.servers?.filter(
    (kind) => !(SERVER_KINDS as readonly string[]).includes(kind),
  );
  if (unknownServers?.length)
    throw new UsageError(`unknown server ${unknownServers.join(', ')} (known: ${SERVER_KINDS.join(', ')})`);
  await run(options);
} catch (error) {
  if (error instanceof UsageError) {
    if (error.message) console.error(`bench: ${error.message}\n`);
    console.error(USAGE);
    process.exit(error.message ? 2 : 0);
  }
  throw error;
}
