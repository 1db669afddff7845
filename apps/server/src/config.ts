import { z } from 'zod';
import { isDriverPath } from './drivers.js';
import { type SecurityConfig, securityConfig } from './security-config.js';
import type { TlsConfig } from './tls.js';
import { resolveUserPath } from './user-paths.js';

/** One camera as configured. Times are in milliseconds. */
export interface CameraConfig {
  /**
   * Unique; appears in URLs (`/cameras/<id>/stream`), logs and metrics. Absent (from the environment):
   * the driver's `name`, whatever package or file the driver was loaded from.
   */
  id?: string;
  /** The driver as the user named it: `emulated`, a package name, or a path to a driver file. */
  driver: string;
  /** Raw driver options: strings from the environment, any JSON/YAML value from a config file. */
  options: Record<string, unknown>;
  idleTimeout: number;
  /** At most this many stream viewers of this camera at once. */
  maxViewers: number | undefined;
  /** Capture at most this many frames per second. */
  maxFps: number | undefined;
  /** The camera fails with TIMEOUT when a run yields no first frame within this (ms); core's default when undefined. */
  startTimeout?: number | undefined;
  /** The camera fails with TIMEOUT when a running driver yields nothing for this long (ms); core's default when undefined. */
  stallTimeout?: number | undefined;
  /** Record this camera to disk (config file `record`); undefined or `mode: off`: no recording. */
  record?: RecordConfig | undefined;
  /** Keep the frames of the last this long in memory, for `?at=` without recording (ms; `replaySeconds`). */
  replayMs?: number | undefined;
  /** ...in at most this many bytes. */
  replayBytes?: number | undefined;
  /** How the user spelled `option`, for error messages: `CAMERA_FPS`, or a path in the config file. */
  describeOption(option: string): string;
}

/** A camera's `record` setting, times in milliseconds. */
export interface RecordConfig {
  mode: 'continuous' | 'off';
  /** The recordings root (absolute); this camera's segments go to `<dir>/<id>/`. */
  dir: string;
  segmentSeconds: number;
  retain: { maxAge?: number | undefined; maxBytes?: number | undefined; minFreeBytes?: number | undefined };
}

/** The server's configuration, from the environment or a config file. */
export interface ServerConfig {
  port: number;
  host: string;
  logLevel: string;
  /** At most this many stream viewers (and snapshot waiters) in all; undefined: sized for the machine. */
  maxViewers: number | undefined;
  /** A stream whose socket has not drained for this long (ms) is closed. */
  stalledViewerTimeout: number;
  /**
   * Names accepted in the `Host` header besides the machine's own (localhost, its addresses, its
   * hostname); `['*']` accepts any, e.g. behind a proxy that rewrites `Host`.
   */
  allowedHosts: string[];
  /** Settings of all cameras' recordings: `maxBytes` bounds every camera's segments together. */
  recordings?: { maxBytes?: number | undefined } | undefined;
  /** At least one; the first is the default camera, served at `/`, `/video_feed` and `/snapshot.jpg`. */
  cameras: CameraConfig[];
  /** HTTPS with this certificate and key (reloaded on SIGHUP); undefined: plain HTTP. */
  tls?: TlsConfig | undefined;
  /** Users, proxies, CORS, metrics access; absent when none is configured (no auth: open to anyone). */
  security?: SecurityConfig;
}

/** A configuration value the server cannot use; the message names the variable and what it accepts. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const DRIVER_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i;

const DRIVER =
  'a driver name such as "emulated", a package name, or a path to a driver file ("./my-driver.js")';
const HOST = 'a host name or IP address to listen on';
const INTEGER_PORT = 'an integer from 0 to 65535';
const SECONDS = 'a number of seconds greater than 0';
const COUNT = 'a whole number greater than 0';
const HOSTS = 'host names separated by commas, or "*" for any';

/**
 * A whole number written in decimal: `"5201"` or a number from a config file. `Number()` would also take
 * `"0x1451"`, `"1e3"` and `" 5201 "`-style surprises; a setting means what it says or is refused.
 */
function decimalInteger(message: string) {
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
    z.number({ error: message }).int(message),
  );
}

/** Seconds as the user writes them, milliseconds as the server uses them (at least 1 ms, so never 0). */
export function milliseconds(seconds: number): number {
  return Math.round(seconds * 1000);
}

/** The fields the environment and a config file share, coercing strings as the environment needs. */
export const fields = {
  driver: z
    .string({ error: DRIVER })
    .refine((driver) => DRIVER_NAME.test(driver) || isDriverPath(driver), DRIVER),
  port: decimalInteger(INTEGER_PORT).pipe(z.number().min(0, INTEGER_PORT).max(65535, INTEGER_PORT)),
  host: z.string({ error: HOST }).min(1, HOST),
  // At least a millisecond: the server works in whole milliseconds, and 0.0001 s would round to 0.
  seconds: z.coerce
    .number({ error: SECONDS })
    .positive(SECONDS)
    .min(0.001, 'at least 0.001 seconds (1 ms)')
    .max(86_400, 'at most 86400 seconds'),
  count: decimalInteger(COUNT).pipe(z.number().positive(COUNT)),
  /** `a.example, b.example` from the environment, or a list from a config file. */
  hosts: z.preprocess(
    (value) => (typeof value === 'string' ? value.split(',') : value),
    z.array(z.string({ error: HOSTS }).trim().toLowerCase().min(1, HOSTS), { error: HOSTS }),
  ),
  fps: z.coerce
    .number({ error: 'a number of frames per second greater than 0' })
    .positive('a number of frames per second greater than 0')
    .max(1000, 'at most 1000 frames per second'),
  logLevel: z.enum(LOG_LEVELS, `one of ${LOG_LEVELS.join(', ')}`),
};

const envSchema = z.object({
  CAMERA: fields.driver.default('emulated'),
  PORT: fields.port.default(5000),
  HOST: fields.host.default('0.0.0.0'),
  IDLE_TIMEOUT: fields.seconds.default(10),
  LOG_LEVEL: fields.logLevel.default('info'),
  MAX_VIEWERS: fields.count.optional(),
  MAX_FPS: fields.fps.optional(),
  STALLED_VIEWER_TIMEOUT: fields.seconds.default(30),
  ALLOWED_HOSTS: fields.hosts.default([]),
  START_TIMEOUT: fields.seconds.optional(),
  STALL_TIMEOUT: fields.seconds.optional(),
  // Checked with the rest of the security settings (securityConfig).
  TRUST_PROXY: z.string().optional(),
  AUTH_KEY_FILE: z.string().optional(),
});

/** The environment without unset variables: an empty or blank one counts as unset (`PORT= cmd`). */
export function presentVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const present: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && value.trim() !== '') present[name] = value;
  return present;
}

/**
 * Reads the single-camera configuration from the environment, as the original did: CAMERA, PORT, HOST,
 * IDLE_TIMEOUT, LOG_LEVEL, MAX_VIEWERS, MAX_FPS and CAMERA_<OPTION>; and STALLED_VIEWER_TIMEOUT,
 * ALLOWED_HOSTS, START_TIMEOUT, STALL_TIMEOUT, TLS_CERT, TLS_KEY, TRUST_PROXY and AUTH_KEY_FILE. Throws a
 * {@link ConfigError} naming the first bad variable.
 */
export function configFromEnv(env: NodeJS.ProcessEnv): ServerConfig {
  const present = presentVariables(env);
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0]);
    throw new ConfigError(`invalid ${name}=${JSON.stringify(present[name])}: expected ${issue.message}`);
  }
  const { CAMERA, PORT, HOST, IDLE_TIMEOUT, LOG_LEVEL, MAX_VIEWERS, MAX_FPS } = result.data;
  const { STALLED_VIEWER_TIMEOUT, ALLOWED_HOSTS, START_TIMEOUT, STALL_TIMEOUT } = result.data;
  const { options, variables } = driverOptionsFromEnv(present, CAMERA);
  const security = securityConfig(
    {},
    { env: present, resolveUserPath: (path) => resolveUserPath(path, env) },
  );
  return {
    tls: tlsFromEnv(env),
    port: PORT,
    host: HOST,
    logLevel: LOG_LEVEL,
    maxViewers: MAX_VIEWERS,
    stalledViewerTimeout: milliseconds(STALLED_VIEWER_TIMEOUT),
    allowedHosts: ALLOWED_HOSTS,
    cameras: [
      {
        driver: CAMERA,
        options,
        idleTimeout: milliseconds(IDLE_TIMEOUT),
        maxViewers: undefined,
        maxFps: MAX_FPS,
        startTimeout: optionalMilliseconds(START_TIMEOUT),
        stallTimeout: optionalMilliseconds(STALL_TIMEOUT),
        describeOption: (option) => variables[option] ?? driverOptionVariable(option),
      },
    ],
    ...(security ? { security } : {}),
  };
}

/**
 * TLS_CERT and TLS_KEY, both or neither: paths relative to where the user ran the command. Undefined
 * when neither is set.
 */
export function tlsFromEnv(env: NodeJS.ProcessEnv): TlsConfig | undefined {
  const { TLS_CERT, TLS_KEY } = presentVariables(env);
  if (TLS_CERT === undefined && TLS_KEY === undefined) return undefined;
  if (TLS_CERT === undefined || TLS_KEY === undefined) {
    const [set, unset] = TLS_CERT === undefined ? ['TLS_KEY', 'TLS_CERT'] : ['TLS_CERT', 'TLS_KEY'];
    throw new ConfigError(
      `${set} is set without ${unset}: HTTPS needs both the certificate (TLS_CERT) and its private key ` +
        '(TLS_KEY), as PEM files',
    );
  }
  return {
    cert: resolveUserPath(TLS_CERT, env),
    key: resolveUserPath(TLS_KEY, env),
    describe: { cert: 'TLS_CERT', key: 'TLS_KEY' },
  };
}

export function optionalMilliseconds(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : milliseconds(seconds);
}

const DRIVER_OPTION_PREFIX = 'CAMERA_';

/**
 * Variables of the original project that users already set, kept as aliases of one driver's option.
 * The `CAMERA_<OPTION>` spelling wins when both are set.
 */
const LEGACY_OPTION_VARIABLES: Record<string, { drivers: readonly string[]; option: string }> = {
  OPENCV_CAMERA_SOURCE: { drivers: ['opencv', '@cam/driver-opencv'], option: 'source' },
};

function driverOptionsFromEnv(env: Record<string, string>, camera: string) {
  const options: Record<string, string> = {};
  const variables: Record<string, string> = {};
  for (const [name, legacy] of Object.entries(LEGACY_OPTION_VARIABLES)) {
    const value = env[name];
    if (value !== undefined && legacy.drivers.includes(camera)) {
      options[legacy.option] = value;
      variables[legacy.option] = name;
    }
  }
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(DRIVER_OPTION_PREFIX)) {
      const option = optionName(name.slice(DRIVER_OPTION_PREFIX.length));
      options[option] = value;
      variables[option] = name;
    }
  }
  return { options, variables };
}

/** `FRAME_RATE` → `frameRate`. */
function optionName(suffix: string): string {
  return suffix.toLowerCase().replace(/_([a-z0-9])/g, (_, char: string) => char.toUpperCase());
}

/** `frameRate` → `CAMERA_FRAME_RATE`: how the user spells a driver option in the environment. */
export function driverOptionVariable(option: string): string {
  return DRIVER_OPTION_PREFIX + option.replace(/[A-Z]/g, (char) => `_${char}`).toUpperCase();
}
