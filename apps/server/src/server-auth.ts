import { type Auth, createAuth, exposureWarning } from '@cam/auth';
import type { Logger } from 'pino';
import { ConfigError, type ServerConfig } from './config.js';

/** What the start warning tells an open server's owner to do. */
export const ADD_USER_HINT =
  'To require a login, add a user: run "cam-server hash-password" and put the hash in auth.users of a ' +
  'config file (see SECURITY.md), or listen on 127.0.0.1 only (HOST=127.0.0.1).';

/**
 * The auth layer for `config`: reads (or creates) the signing key file. A bad setting or an unreadable
 * key file is a {@link ConfigError}: one line, and the server does not start.
 */
export async function createServerAuth(config: ServerConfig): Promise<Auth> {
  try {
    return await createAuth(config.security?.auth, { settingPrefix: 'auth' });
  } catch (error) {
    if ((error as { code?: unknown })?.code === 'AUTH_CONFIG')
      throw new ConfigError((error as Error).message);
    throw error;
  }
}

/** Logs, once, that anyone who can reach the server can watch, when it listens beyond loopback without users. */
export function warnIfExposed(config: ServerConfig, auth: Auth, logger: Logger): void {
  const warning = exposureWarning(config.host, auth.enabled, ADD_USER_HINT);
  if (warning) logger.warn({ host: config.host }, warning);
}
