import { parseCommandLine } from './cli/command-line.js';
import { ConfigError, configFromEnv, type ServerConfig } from './config.js';
import { configFromFile } from './config-file.js';
import { resolveUserPath } from './user-paths.js';

/**
 * The configuration for the command line `args` (`--config <path>`, `--config=<path>`, or nothing):
 * from the file it names, or the one CAM_CONFIG names, when there is one; otherwise from the environment.
 */
export function loadConfig(env: NodeJS.ProcessEnv, args: readonly string[]): ServerConfig {
  const line = parseCommandLine(args, []);
  if (line.kind !== 'serve') {
    throw new ConfigError(`${args.join(' ')} does not start the server: see cam-server --help`);
  }
  return loadConfigFrom(env, line.configPath);
}

/**
 * The configuration from the file at `configPath` or CAM_CONFIG (relative to where the user ran the
 * command: see {@link resolveUserPath}), or from the environment when neither names one.
 */
export function loadConfigFrom(env: NodeJS.ProcessEnv, configPath: string | undefined): ServerConfig {
  const path = configPath ?? (env.CAM_CONFIG?.trim() || undefined);
  return path ? configFromFile(resolveUserPath(path, env), env) : configFromEnv(env);
}
