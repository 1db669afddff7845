import { parseArgs } from 'node:util';

/** The benchmark's command line. */
export interface BenchOptions {
  /** A short smoke run: the same scenarios, shorter windows, fewer cycles. */
  quick: boolean;
  /** Run only these scenarios (ids), in the usual order. */
  only: string[] | undefined;
  /** Measure these servers in every stream scenario instead of each scenario's own (for experiments). */
  servers: string[] | undefined;
  /** How long the idle scenario watches the server with no viewer (s). */
  idleSeconds: number;
  /** The camera's idle timeout in the idle scenario (s): capture must stop this long after the last viewer. */
  idleTimeoutSeconds: number;
  /** Connect/disconnect cycles. */
  cycles: number;
  /** Where the JSON results go. */
  json: string;
  /** Also write the table into the README between its bench markers. */
  readme: boolean;
  frameSize: number;
}

export const USAGE = `usage: pnpm bench [-- options]   (or: pnpm --filter @cam/bench bench -- options)

  --quick               short smoke run: same scenarios, shorter windows, one round
  --only a,b            run only these scenarios: one, hundred, five-hundred, thousand-1fps, slow-link,
                        recording, chain, nginx, idle, cycles, seek
  --servers a,b         measure these servers in every stream scenario instead of its own: server, handler,
                        floor, floor-raw, handler-unlimited, server-recording (ratios and targets need server, handler, floor)
  --idle-seconds N      idle scenario length (default 30; quick 6)
  --idle-timeout N      camera idle timeout in the idle scenario, seconds (default 10, cam's default; quick 2)
  --cycles N            connect/disconnect cycles, after twice as many to warm up (default 10000; quick 1000)
  --json PATH           results file (default results/latest.json in this package)
  --readme              write the table into README.md between the bench markers
  --help`;

export function parseOptions(argv: string[]): BenchOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    ({ values } = parse(argv.filter((arg) => arg !== '--')));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) throw new UsageError('');
  const quick = values.quick === true;
  const number = (name: 'idle-seconds' | 'idle-timeout' | 'cycles', fallback: number) => {
    const text = values[name];
    if (text === undefined) return fallback;
    const parsed = Number(text);
    if (!Number.isFinite(parsed) || parsed <= 0)
      throw new UsageError(`--${name} needs a positive number, got ${text}`);
    return parsed;
  };
  return {
    quick,
    only: values.only?.split(','),
    servers: values.servers?.split(','),
    idleSeconds: number('idle-seconds', quick ? 6 : 30),
    idleTimeoutSeconds: number('idle-timeout', quick ? 2 : 10),
    cycles: Math.round(number('cycles', quick ? 1000 : 10_000)),
    json: values.json ?? new URL('../results/latest.json', import.meta.url).pathname,
    readme: values.readme === true,
    frameSize: 30_000,
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      servers: { type: 'string' },
      'idle-seconds': { type: 'string' },
      'idle-timeout': { type: 'string' },
      cycles: { type: 'string' },
      json: { type: 'string' },
      readme: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}
