/** The benchmark's command line. */
export interface BenchOptions {
  /** A short smoke run: the same scenarios, shorter windows, fewer cycles. */
  quick: boolean;
  /** Run only these scenarios (ids), in the usual order. */
  only: string[] | undefined;
  /** How long the idle scenario watches the server with no viewer (s). */
  idleSeconds: number;
  /** The camera's idle timeout in the idle scenario (s): capture must stop this long after the last viewer. */
  idleTimeoutSeconds: number;
  /** Connect/disconnect cycles. */
  cycles: number;
  /** How often a slow viewer reads a frame (ms). */
  slowEveryMs: number;
  /** Where the JSON results go. */
  json: string;
  /** Also write the table into the README between its bench markers. */
  readme: boolean;
  frameSize: number;
}

export const USAGE = `usage: pnpm bench [-- options]   (or: pnpm --filter @cam/bench bench -- options)

  --quick               short smoke run (about a minute): same scenarios, shorter windows
  --only a,b            run only these scenarios: one, hundred, five-hundred, thousand-1fps, slow, idle, cycles
  --idle-seconds N      idle scenario length (default 30; quick 6)
  --idle-timeout N      camera idle timeout in the idle scenario, seconds (default 10, cam's default; quick 2)
  --cycles N            connect/disconnect cycles, after as many to warm up (default 10000; quick 1000)
  --slow-every MS       a slow viewer reads one frame every MS milliseconds (default 2000)
  --json PATH           results file (default results/latest.json in this package)
  --readme              write the table into README.md between the bench markers
  --help`;

export function parseOptions(argv: string[]): BenchOptions {
  const args = argv.filter((arg) => arg !== '--');
  const quick = args.includes('--quick');
  const options: BenchOptions = {
    quick,
    only: undefined,
    idleSeconds: quick ? 6 : 30,
    idleTimeoutSeconds: quick ? 2 : 10,
    cycles: quick ? 1000 : 10_000,
    slowEveryMs: 2000,
    json: new URL('../results/latest.json', import.meta.url).pathname,
    readme: false,
    frameSize: 30_000,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    const number = () => {
      const text = value();
      const parsed = Number(text);
      if (!Number.isFinite(parsed) || parsed <= 0)
        throw new UsageError(`${arg} needs a positive number, got ${text}`);
      return parsed;
    };
    switch (arg) {
      case '--quick':
        break;
      case '--only':
        options.only = value().split(',');
        break;
      case '--idle-seconds':
        options.idleSeconds = number();
        break;
      case '--idle-timeout':
        options.idleTimeoutSeconds = number();
        break;
      case '--cycles':
        options.cycles = Math.round(number());
        break;
      case '--slow-every':
        options.slowEveryMs = number();
        break;
      case '--json':
        options.json = value();
        break;
      case '--readme':
        options.readme = true;
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown option ${arg}`);
    }
  }
  return options;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}
