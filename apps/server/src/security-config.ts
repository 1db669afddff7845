import { dirname, resolve } from 'node:path';
import { type AuthConfig, parseAuthConfig } from '@cam/auth';
import { ConfigError } from './config.js';

/**
 * Who may reach what: the config file's `auth` section (users, keys, sessions: what `createAuth` takes),
 * `trustProxy`, `cors` and `metrics.public`, with AUTH_KEY_FILE and TRUST_PROXY from the environment.
 * Absent from a {@link ServerConfig} when none of them is set: the server is open, as before.
 */
export interface SecurityConfig {
  /** The `auth` section with `keyFile` resolved, `trustProxy` and `cors` merged in: `createAuth`'s input. */
  auth: AuthConfig;
  /** `/metrics` and `/readyz` open to anyone (true) or admins only (false, the default). */
  metricsPublic: boolean;
}

/** The key file's name next to the config file, when users are configured and no key is given. */
export const DEFAULT_KEY_FILE = 'cam-auth.key';

/** The settings as written in a config file (already read as data; each is checked here). */
export interface SecuritySettings {
  auth?: unknown;
  trustProxy?: unknown;
  cors?: unknown;
  metrics?: unknown;
}

/** Where the settings came from, for messages and relative paths. */
interface Source {
  /** The config file, if any: `keyFile` is relative to its directory, and messages name it. */
  file?: string;
  env: Record<string, string>;
  /** Turns a path from the environment into an absolute one (relative to where the user ran us). */
  resolveUserPath(path: string): string;
}

/**
 * Checks the security settings and the variables AUTH_KEY_FILE and TRUST_PROXY (which win over the
 * file); undefined when none is set. Throws a {@link ConfigError} of one line naming the setting.
 */
export function securityConfig(settings: SecuritySettings, source: Source): SecurityConfig | undefined {
  const where = source.file ? `invalid config file ${source.file}: ` : '';
  const fail = (error: unknown): never => {
    if ((error as { code?: unknown })?.code === 'AUTH_CONFIG') {
      // Top-level settings are checked with an empty prefix: `.trustProxy[0]` → `trustProxy[0]`.
      throw new ConfigError(`${where}${(error as Error).message.replace(/^\./, '')}`);
    }
    throw error;
  };
  const { env } = source;
  const auth = settings.auth ?? {};
  if (typeof auth !== 'object' || auth === null || Array.isArray(auth)) {
    throw new ConfigError(`${where}auth: must be a mapping (users, keyFile, sessionTtl, …)`);
  }
  for (const key of ['trustProxy', 'cors'] as const) {
    if (key in auth) throw new ConfigError(`${where}auth.${key}: set ${key} at the top level of the file`);
  }
  const trustProxy = env.TRUST_PROXY
    ? env.TRUST_PROXY.split(',')
        .map((entry) => entry.trim())
        .filter(Boolean)
    : settings.trustProxy;
  const metrics = settings.metrics ?? {};
  if (
    typeof metrics !== 'object' ||
    metrics === null ||
    Object.keys(metrics).some((key) => key !== 'public') ||
    !['boolean', 'undefined'].includes(typeof (metrics as { public?: unknown }).public)
  ) {
    throw new ConfigError(`${where}metrics: expected { public: true | false }`);
  }
  const metricsPublic = (metrics as { public?: boolean }).public ?? false;

  const merged: Record<string, unknown> = { ...auth };
  if (trustProxy !== undefined) merged.trustProxy = trustProxy;
  if (settings.cors !== undefined) merged.cors = settings.cors;
  if (env.AUTH_KEY_FILE) merged.keyFile = source.resolveUserPath(env.AUTH_KEY_FILE);
  else if (typeof merged.keyFile === 'string' && source.file) {
    merged.keyFile = resolve(dirname(source.file), merged.keyFile);
  }
  const nothingSet =
    settings.auth === undefined &&
    trustProxy === undefined &&
    settings.cors === undefined &&
    settings.metrics === undefined &&
    !env.AUTH_KEY_FILE;
  if (nothingSet) return undefined;

  try {
    // The top-level settings first, so that their messages name them as written.
    parseAuthConfig({ trustProxy: merged.trustProxy, cors: merged.cors }, '');
    const parsed = parseAuthConfig(merged, 'auth');
    // Users but no key: one next to the config file, so that sessions and links outlive a restart.
    if (parsed.users.size > 0 && parsed.key === undefined && parsed.keyFile === undefined && source.file) {
      merged.keyFile = resolve(dirname(source.file), DEFAULT_KEY_FILE);
    }
  } catch (error) {
    fail(error);
  }
  return { auth: merged as AuthConfig, metricsPublic };
}
