import { parseArgs } from 'node:util';
import { createAuth } from '@cam/auth';
import { ConfigError } from '../config.js';
import { DEFAULT_LINK_SECONDS, linkPath } from '../link-routes.js';
import { loadConfigFrom } from '../load-config.js';

export const linkHelp = {
  name: 'link',
  usage: 'link <camera> [options]',
  summary:
    'print a signed link to a camera that expires: --route stream|snapshot (stream), --for 1h, ' +
    '--url <base>, --config <path>',
};

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90`, `90s`, `15m`, `1h`, `7d` → seconds; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/i.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNITS[(match[2] || 's').toLowerCase()]!;
  return seconds >= 1 ? seconds : undefined;
}

/**
 * `cam-server link <camera>`: signs a link with the server's key file (the config's auth.keyFile, the
 * `cam-auth.key` next to the config file, or AUTH_KEY_FILE), exactly as `POST /api/cameras/:id/links`
 * does, so it works with a running server that uses the same key. Prints the path, or the URL with `--url`.
 */
export async function linkCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { values, positionals } = parse(args);
  if (positionals.length !== 1) {
    throw new ConfigError(`link takes one camera id, got ${positionals.length}: see cam-server --help`);
  }
  const camera = positionals[0]!;
  const route = values.route ?? 'stream';
  if (route !== 'stream' && route !== 'snapshot') {
    throw new ConfigError(`--route: expected stream or snapshot, got ${JSON.stringify(route)}`);
  }
  const expiresIn = values.for === undefined ? DEFAULT_LINK_SECONDS : parseDuration(values.for);
  if (expiresIn === undefined) {
    throw new ConfigError(
      `--for: expected a lifetime such as 90s, 15m, 1h or 7d, got ${JSON.stringify(values.for)}`,
    );
  }
  const config = loadConfigFrom(env, values.config);
  const ids = config.cameras.map((entry) => entry.id).filter((id) => id !== undefined);
  if (ids.length === config.cameras.length && !ids.includes(camera)) {
    throw new ConfigError(`no camera ${JSON.stringify(camera)} (cameras: ${ids.join(', ')})`);
  }
  const authConfig = config.security?.auth;
  if (!authConfig?.key && !authConfig?.keyFile) {
    throw new ConfigError(
      'link needs the server’s signing key: configure users in a config file (the key file is created next ' +
        'to it), or set auth.keyFile or AUTH_KEY_FILE',
    );
  }
  let auth: Awaited<ReturnType<typeof createAuth>>;
  try {
    auth = await createAuth(authConfig, { settingPrefix: 'auth' });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'AUTH_CONFIG') throw new ConfigError((error as Error).message);
    throw error;
  }
  if (expiresIn > auth.config.maxLinkLifetime) {
    throw new ConfigError(`--for: at most ${auth.config.maxLinkLifetime} s (auth.maxLinkLifetime)`);
  }
  const link = auth.mintLink({ camera, route, expiresIn });
  const path = linkPath(camera, route, link.query);
  return values.url ? `${values.url.replace(/\/+$/, '')}${path}` : path;
}

function parse(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        route: { type: 'string' },
        for: { type: 'string' },
        url: { type: 'string' },
        config: { type: 'string', short: 'c' },
      },
    });
  } catch (error) {
    throw new ConfigError(`link: ${(error as Error).message}`);
  }
}
