// The auth settings as a user writes them (a JSON/YAML config object), checked once at start with
// messages that name the setting (`auth.users[1].password`) and say what it accepts.
import { isIP } from 'node:net';
import { AuthConfigError } from './errors.js';
import { type ParsedHash, parsePasswordHash } from './password.js';

export type Role = 'viewer' | 'admin';
export const ROLES: readonly Role[] = ['viewer', 'admin'];

/** One user as written in the config file. */
export interface UserConfig {
  name: string;
  /** A scrypt hash from `hashPassword()` / `cam-server hash-password`; never the password itself. */
  password: string;
  role: Role;
  /** The camera ids a viewer may watch; absent: every camera. Admins always see every camera. */
  cameras?: string[];
}

export type CrossOriginResourcePolicy = 'same-origin' | 'same-site' | 'cross-origin';

/** The `auth` section of the config (all optional but `users`, which may be empty: auth off). */
export interface AuthConfig {
  users?: UserConfig[];
  /** The signing key for sessions and links, at least 32 characters. Takes precedence over `keyFile`. */
  key?: string;
  /** Where the signing key lives; created (mode 0600) with a random key when missing. */
  keyFile?: string;
  /** Browser session lifetime in seconds. Default 43200 (12 hours). */
  sessionTtl?: number;
  /** Longest lifetime a signed link may be minted for, in seconds. Default 31536000 (a year). */
  maxLinkLifetime?: number;
  /** Failed logins allowed per client address per window. Default 10 per 60 s. */
  loginLimit?: { attempts?: number; window?: number };
  /** Proxy addresses (or CIDR ranges) whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed. */
  trustProxy?: string[];
  /** The Basic realm. Default `cam`. */
  realm?: string;
  /** Where the login form lives. Default `/login`. */
  loginPath?: string;
  /** Where logout is posted. Default `/logout`. */
  logoutPath?: string;
  /** CSP `frame-ancestors` sources for HTML pages. Default `['\'self\'']`. */
  frameAncestors?: string[];
  /** Origins allowed to read the API and snapshots with CORS. Default none (CORS off). */
  cors?: { origins?: string[] };
  /** `Cross-Origin-Resource-Policy` of streams and snapshots reached with a session or a password. Default `same-origin`; signed links always get `cross-origin` (they exist to be embedded). */
  crossOriginResourcePolicy?: CrossOriginResourcePolicy;
}

export interface User {
  name: string;
  role: Role;
  /** undefined: every camera. */
  cameras: ReadonlySet<string> | undefined;
  hash: ParsedHash;
  /** The hash as written: sessions are bound to it, so a new password ends the old sessions. */
  hashText: string;
}

export interface ResolvedAuthConfig {
  users: ReadonlyMap<string, User>;
  key: string | undefined;
  keyFile: string | undefined;
  sessionTtl: number;
  maxLinkLifetime: number;
  loginLimit: { attempts: number; window: number };
  trustProxy: readonly string[];
  realm: string;
  loginPath: string;
  logoutPath: string;
  frameAncestors: readonly string[];
  corsOrigins: readonly string[];
  crossOriginResourcePolicy: CrossOriginResourcePolicy;
}

const KNOWN_KEYS = new Set([
  'users',
  'key',
  'keyFile',
  'sessionTtl',
  'maxLinkLifetime',
  'loginLimit',
  'trustProxy',
  'realm',
  'loginPath',
  'logoutPath',
  'frameAncestors',
  'cors',
  'crossOriginResourcePolicy',
]);
const USER_KEYS = new Set(['name', 'password', 'role', 'cameras']);
const POLICIES: readonly CrossOriginResourcePolicy[] = ['same-origin', 'same-site', 'cross-origin'];

/** Checks an `auth` config object; `prefix` is how the messages name it. */
export function parseAuthConfig(raw: unknown, prefix = 'auth'): ResolvedAuthConfig {
  const config = raw ?? {};
  if (!isRecord(config)) throw new AuthConfigError(prefix, 'must be an object');
  unknownKeys(config, KNOWN_KEYS, prefix);

  const users = parseUsers(config.users, `${prefix}.users`);
  const key = optionalString(config.key, `${prefix}.key`);
  if (key !== undefined && key.length < 32)
    throw new AuthConfigError(`${prefix}.key`, 'must be at least 32 characters (a random secret)');
  const keyFile = optionalString(config.keyFile, `${prefix}.keyFile`);

  const limit = config.loginLimit ?? {};
  if (!isRecord(limit)) throw new AuthConfigError(`${prefix}.loginLimit`, 'must be an object');
  unknownKeys(limit, new Set(['attempts', 'window']), `${prefix}.loginLimit`);

  const trustProxy = stringList(config.trustProxy, `${prefix}.trustProxy`) ?? [];
  trustProxy.forEach((entry, index) => {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const goodBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !goodBits || extra !== undefined)
      throw new AuthConfigError(
        `${prefix}.trustProxy[${index}]`,
        `must be an IP address or a CIDR range such as 10.0.0.0/8, got ${JSON.stringify(entry)}`,
      );
  });

  const cors = config.cors ?? {};
  if (!isRecord(cors)) throw new AuthConfigError(`${prefix}.cors`, 'must be an object');
  unknownKeys(cors, new Set(['origins']), `${prefix}.cors`);
  const corsOrigins = stringList(cors.origins, `${prefix}.cors.origins`) ?? [];
  corsOrigins.forEach((origin, index) => {
    if (!isOrigin(origin))
      throw new AuthConfigError(
        `${prefix}.cors.origins[${index}]`,
        `must be an origin such as https://example.com (scheme, host, optional port; no path), got ${JSON.stringify(origin)}`,
      );
  });

  const policy = config.crossOriginResourcePolicy ?? 'same-origin';
  if (!POLICIES.includes(policy as CrossOriginResourcePolicy))
    throw new AuthConfigError(
      `${prefix}.crossOriginResourcePolicy`,
      `must be one of ${POLICIES.join(', ')}, got ${JSON.stringify(policy)}`,
    );

  const frameAncestors = stringList(config.frameAncestors, `${prefix}.frameAncestors`) ?? ["'self'"];
  frameAncestors.forEach((source, index) => {
    if (!/^[^\s;,]+$/.test(source))
      throw new AuthConfigError(
        `${prefix}.frameAncestors[${index}]`,
        `must be one CSP source ('self', 'none', https://example.com), got ${JSON.stringify(source)}`,
      );
  });

  return {
    users,
    key,
    keyFile,
    sessionTtl: positiveInteger(config.sessionTtl, `${prefix}.sessionTtl`, 43_200),
    maxLinkLifetime: positiveInteger(config.maxLinkLifetime, `${prefix}.maxLinkLifetime`, 31_536_000),
    loginLimit: {
      attempts: positiveInteger(limit.attempts, `${prefix}.loginLimit.attempts`, 10),
      window: positiveInteger(limit.window, `${prefix}.loginLimit.window`, 60),
    },
    trustProxy,
    realm: realm(config.realm, `${prefix}.realm`),
    loginPath: path(config.loginPath, `${prefix}.loginPath`, '/login'),
    logoutPath: path(config.logoutPath, `${prefix}.logoutPath`, '/logout'),
    frameAncestors,
    corsOrigins,
    crossOriginResourcePolicy: policy as CrossOriginResourcePolicy,
  };
}

function parseUsers(raw: unknown, setting: string): Map<string, User> {
  const users = new Map<string, User>();
  if (raw === undefined) return users;
  if (!Array.isArray(raw)) throw new AuthConfigError(setting, 'must be a list of users');
  raw.forEach((entry: unknown, index) => {
    const at = `${setting}[${index}]`;
    if (!isRecord(entry)) throw new AuthConfigError(at, 'must be an object { name, password, role }');
    unknownKeys(entry, USER_KEYS, at);
    const name = entry.name;
    if (typeof name !== 'string' || !/^[^\s:]{1,64}$/.test(name) || /[\p{Cc}]/u.test(name))
      throw new AuthConfigError(
        `${at}.name`,
        'must be 1 to 64 characters without spaces, control characters or ":" (HTTP Basic splits on it)',
      );
    if (users.has(name)) throw new AuthConfigError(`${at}.name`, `${JSON.stringify(name)} is listed twice`);
    if (typeof entry.password !== 'string')
      throw new AuthConfigError(`${at}.password`, 'must be a scrypt hash string from hash-password');
    let hash: ParsedHash;
    try {
      hash = parsePasswordHash(entry.password);
    } catch (error) {
      throw new AuthConfigError(`${at}.password`, (error as Error).message);
    }
    const role = entry.role;
    if (!ROLES.includes(role as Role))
      throw new AuthConfigError(
        `${at}.role`,
        `must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`,
      );
    const cameras = stringList(entry.cameras, `${at}.cameras`);
    if (cameras && role === 'admin')
      throw new AuthConfigError(`${at}.cameras`, 'applies to viewers only: an admin sees every camera');
    users.set(name, {
      name,
      role: role as Role,
      cameras: cameras ? new Set(cameras) : undefined,
      hash,
      hashText: entry.password,
    });
  });
  return users;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(object: Record<string, unknown>, known: ReadonlySet<string>, setting: string): void {
  for (const key of Object.keys(object))
    if (!known.has(key))
      throw new AuthConfigError(`${setting}.${key}`, `is not a setting; known: ${[...known].join(', ')}`);
}

function optionalString(value: unknown, setting: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new AuthConfigError(setting, 'must be a non-empty string');
  return value;
}

function stringList(value: unknown, setting: string): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new AuthConfigError(setting, 'must be a list of strings');
  value.forEach((item, index) => {
    if (typeof item !== 'string' || item === '')
      throw new AuthConfigError(`${setting}[${index}]`, 'must be a non-empty string');
  });
  return value as string[];
}

function positiveInteger(value: unknown, setting: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new AuthConfigError(setting, `must be a whole number of at least 1, got ${JSON.stringify(value)}`);
  return value;
}

function realm(value: unknown, setting: string): string {
  const text = optionalString(value, setting) ?? 'cam';
  if (!/^[\x20-\x7e]+$/.test(text) || text.includes('"') || text.includes('\\'))
    throw new AuthConfigError(setting, 'must be printable ASCII without quotes or backslashes');
  return text;
}

function path(value: unknown, setting: string, fallback: string): string {
  const text = optionalString(value, setting) ?? fallback;
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(text) || text.startsWith('//'))
    throw new AuthConfigError(setting, `must be a path such as ${fallback}`);
  return text;
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === text;
  } catch {
    return false;
  }
}
