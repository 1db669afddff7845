import { z } from 'zod';

/** The server's configuration, read from the environment. Times are in milliseconds. */
export interface ServerConfig {
  /** The driver as the user named it: `emulated`, or a package name. */
  camera: string;
  port: number;
  host: string;
  idleTimeout: number;
  logLevel: string;
  /** `CAMERA_<OPTION>` variables, keyed by option name (`CAMERA_FRAME_RATE` becomes `frameRate`). */
  driverOptions: Record<string, string>;
}

/** A configuration value the server cannot use; the message names the variable and what it accepts. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const schema = z.object({
  CAMERA: z
    .string()
    .regex(/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i, 'a driver name such as "emulated", or a package name')
    .default('emulated'),
  PORT: z.coerce
    .number({ error: 'an integer from 0 to 65535' })
    .int('an integer from 0 to 65535')
    .min(0, 'an integer from 0 to 65535')
    .max(65535, 'an integer from 0 to 65535')
    .default(5000),
  HOST: z.string().min(1, 'a host name or IP address to listen on').default('0.0.0.0'),
  IDLE_TIMEOUT: z.coerce
    .number({ error: 'a number of seconds greater than 0' })
    .positive('a number of seconds greater than 0')
    .max(86_400, 'at most 86400 seconds')
    .default(10),
  LOG_LEVEL: z.enum(LOG_LEVELS, `one of ${LOG_LEVELS.join(', ')}`).default('info'),
});

/** Reads and validates the configuration; throws a {@link ConfigError} naming the first bad variable. */
export function configFromEnv(env: NodeJS.ProcessEnv): ServerConfig {
  // An empty variable means "not set", as in most shells' `VAR= command`; so does one of only blanks
  // (`PORT= ` would otherwise coerce to port 0, a random port).
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const result = schema.safeParse(present);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = String(issue.path[0]);
    throw new ConfigError(`invalid ${name}=${JSON.stringify(present[name])}: expected ${issue.message}`);
  }
  const { CAMERA, PORT, HOST, IDLE_TIMEOUT, LOG_LEVEL } = result.data;
  return {
    camera: CAMERA,
    port: PORT,
    host: HOST,
    idleTimeout: Math.round(IDLE_TIMEOUT * 1000),
    logLevel: LOG_LEVEL,
    driverOptions: driverOptionsFromEnv(present, CAMERA),
  };
}

const DRIVER_OPTION_PREFIX = 'CAMERA_';

/**
 * Variables of the original project that users already set, kept as aliases of one driver's option.
 * The `CAMERA_<OPTION>` spelling wins when both are set.
 */
const LEGACY_OPTION_VARIABLES: Record<string, { drivers: readonly string[]; option: string }> = {
  OPENCV_CAMERA_SOURCE: { drivers: ['opencv', '@cam/driver-opencv'], option: 'source' },
};

function driverOptionsFromEnv(env: Record<string, string | undefined>, camera: string): Record<string, string> {
  const options: Record<string, string> = {};
  for (const [name, legacy] of Object.entries(LEGACY_OPTION_VARIABLES)) {
    const value = env[name];
    if (value !== undefined && legacy.drivers.includes(camera)) options[legacy.option] = value;
  }
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith(DRIVER_OPTION_PREFIX) && value !== undefined) {
      options[optionName(name.slice(DRIVER_OPTION_PREFIX.length))] = value;
    }
  }
  return options;
}

/** `FRAME_RATE` → `frameRate`. */
function optionName(suffix: string): string {
  return suffix.toLowerCase().replace(/_([a-z0-9])/g, (_, char: string) => char.toUpperCase());
}

/** `frameRate` → `CAMERA_FRAME_RATE`: how the user spells a driver option in the environment. */
export function driverOptionVariable(option: string): string {
  return DRIVER_OPTION_PREFIX + option.replace(/[A-Z]/g, (char) => `_${char}`).toUpperCase();
}
