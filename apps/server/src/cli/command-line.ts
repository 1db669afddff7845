import { parseArgs } from 'node:util';
import { ConfigError } from '../config.js';

/** What the command line asks for. */
export type CommandLine =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'serve'; configPath: string | undefined }
  | { kind: 'subcommand'; name: string; args: string[] };

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  config: { type: 'string', short: 'c' },
} as const;

/**
 * Reads `cam-server [--config <path>] | --help | --version | <subcommand> [args]`. A leading bare `--`
 * is dropped: `pnpm start -- --config cam.yaml` passes it through to us. Everything after a subcommand's
 * name is the subcommand's own (it parses them itself), so new subcommands need nothing here.
 */
export function parseCommandLine(argv: readonly string[], subcommands: readonly string[]): CommandLine {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  const first = args[0];
  if (first !== undefined && !first.startsWith('-')) {
    if (!subcommands.includes(first)) {
      const known = subcommands.length ? ` (commands: ${subcommands.join(', ')})` : '';
      throw new ConfigError(`unknown argument ${JSON.stringify(first)}${known}: see cam-server --help`);
    }
    return { kind: 'subcommand', name: first, args: args.slice(1) };
  }
  const { values } = parseWithClearErrors(args);
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  if (values.config !== undefined && values.config.trim() === '') {
    throw new ConfigError('--config needs a path: --config cam.yaml');
  }
  return { kind: 'serve', configPath: values.config };
}

function parseWithClearErrors(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: false, strict: true });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new ConfigError('--config needs a path: --config cam.yaml');
    }
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const arg = /'([^']*)'/.exec((error as Error).message)?.[1] ?? '';
      throw new ConfigError(`unknown argument ${JSON.stringify(arg)}: see cam-server --help`);
    }
    throw error;
  }
}
