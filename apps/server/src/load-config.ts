import { ConfigError, configFromEnv, type ServerConfig } from './config.js';
import { configFromFile } from './config-file.js';

/**
 * The configuration: from the file named by `--config <path>` (or `--config=<path>`) or by CAM_CONFIG,
 * when there is one; otherwise from the environment alone.
 */
export function loadConfig(env: NodeJS.ProcessEnv, args: readonly string[]): ServerConfig {
  const path = configPath(args) ?? (env.CAM_CONFIG?.trim() || undefined);
  return path ? configFromFile(path, env) : configFromEnv(env);
}

function configPath(args: readonly string[]): string | undefined {
  let path: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--config') {
      path = args[++index];
      if (!path || path.startsWith('-')) throw new ConfigError('--config needs a path: --config cam.yaml');
    } else if (arg.startsWith('--config=')) {
      path = arg.slice('--config='.length);
      if (!path) throw new ConfigError('--config needs a path: --config cam.yaml');
    } else {
      throw new ConfigError(`unknown argument ${JSON.stringify(arg)}: the only one is --config <path>`);
    }
  }
  return path;
}
