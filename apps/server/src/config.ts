import { z } from 'zod';
import { isDriverPath } from './drivers.js';

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
  /** How the user spelled `option`, for error messages: `CAMERA_FPS`, or a path in the config file. */
  describeOption(option: string): string;
}

/** The server's configuration, from the environment or a config file. */
export interface ServerConfig {
  port: number;
  host: string;
  logLevel: string;
  /** At most this many stream viewers in all. */
  maxViewers: number | undefined;
  /** At least one; the first is the default camera, served at `/`, `/video_feed` and `/snapshot.jpg`. */
  cameras: CameraConfig[];
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

/** The fields the environment and a config file share, coercing strings as the environment needs. */
export const fields = {
  driver: z
    .string({ error: DRIVER })
    .refine((driver) => DRIVER_NAME.test(driver) || isDriverPath(driver), DRIVER),
  port: z.coerce
    .number({ error: INTEGER_PORT })
    .int(INTEGER_PORT)
    .min(0, INTEGER_PORT)
    .max(65535, INTEGER_PORT),
  host: z.string({ error: HOST }).min(1, HOST),
  seconds: z.coerce.number({ error: SECONDS }).positive(SECONDS).max(86_400, 'at most 86400 seconds'),
  count: z.coerce.number({ error: COUNT }).int(COUNT).positive(COUNT),
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
 * IDLE_TIMEOUT, LOG_LEVEL, MAX_VIEWERS, MAX_FPS and CAMERA_<OPTION>. Throws a {@link ConfigError} naming the
 * first bad variable.
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
  const { options, variables } = driverOptionsFromEnv(present, CAMERA);
  return {
    port: PORT,
    host: HOST,
    logLevel: LOG_LEVEL,
    maxViewers: MAX_VIEWERS,
    cameras: [
      {
        driver: CAMERA,
        options,
        idleTimeout: Math.round(IDLE_TIMEOUT * 1000),
        maxViewers: undefined,
        maxFps: MAX_FPS,
        describeOption: (option) => variables[option] ?? driverOptionVariable(option),
      },
    ],
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
