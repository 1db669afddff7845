import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import {
  ConfigError,
  configFromEnv,
  fields,
  milliseconds,
  optionalMilliseconds,
  presentVariables,
  type ServerConfig,
  tlsFromEnv,
} from './config.js';
import { securityConfig } from './security-config.js';
import { isRelativePathOption, resolveOptionPaths, resolveUserPath } from './user-paths.js';

// The YAML parser (2 MiB once loaded) is loaded only to read a config file: a server configured by its
// environment alone never needs it.
const require = createRequire(import.meta.url);
const yaml = () => require('yaml') as typeof import('yaml');

const CAMERAS = 'a list of at least one camera';
const CAMERA_ID = 'letters, digits, "-" and "_" (at most 64), starting with a letter or digit';

const BYTES = 'a whole number of bytes greater than 0';
const bytes = z.number({ error: BYTES }).int(BYTES).positive(BYTES);
const RECORD = 'a mapping with "dir" (and "mode", "segmentSeconds", "retain")';

const recordSchema = z.strictObject(
  {
    mode: z.enum(['continuous', 'off'], 'continuous or off').default('continuous'),
    dir: z.string({ error: 'a directory path' }).min(1, 'a directory path'),
    segmentSeconds: fields.seconds.pipe(z.number().min(1, 'at least 1 second')).default(60),
    retain: z
      .strictObject(
        { maxAge: fields.seconds.optional(), maxBytes: bytes.optional(), minFreeBytes: bytes.optional() },
        { error: 'a mapping with "maxAge" (seconds), "maxBytes", "minFreeBytes"' },
      )
      .default({}),
  },
  { error: RECORD },
);

const cameraSchema = z.strictObject(
  {
    id: z.string({ error: CAMERA_ID }).regex(/^[a-z0-9][\w-]{0,63}$/i, CAMERA_ID),
    driver: fields.driver.default('emulated'),
    options: z.record(z.string(), z.unknown(), { error: 'a mapping of driver options' }).default({}),
    idleTimeout: fields.seconds.optional(),
    maxViewers: fields.count.optional(),
    maxFps: fields.fps.optional(),
    startTimeout: fields.seconds.optional(),
    stallTimeout: fields.seconds.optional(),
    record: recordSchema.optional(),
    replaySeconds: fields.seconds.optional(),
    replayBytes: bytes.optional(),
  },
  { error: 'a camera: a mapping with at least an "id"' },
);

const PEM_PATH = 'the path of a PEM file';
const tlsSchema = z.strictObject(
  {
    cert: z.string({ error: PEM_PATH }).min(1, PEM_PATH),
    key: z.string({ error: PEM_PATH }).min(1, PEM_PATH),
  },
  { error: 'a mapping with "cert" and "key": the paths of the PEM certificate and its private key' },
);

const fileSchema = z
  .strictObject(
    {
      port: fields.port.optional(),
      host: fields.host.optional(),
      logLevel: fields.logLevel.optional(),
      idleTimeout: fields.seconds.default(10),
      maxViewers: fields.count.optional(),
      stalledViewerTimeout: fields.seconds.default(30),
      allowedHosts: fields.hosts.default([]),
      startTimeout: fields.seconds.optional(),
      stallTimeout: fields.seconds.optional(),
      recordings: z
        .strictObject({ maxBytes: bytes.optional() }, { error: 'a mapping with "maxBytes"' })
        .optional(),
      cameras: z.array(cameraSchema, { error: CAMERAS }).min(1, CAMERAS),
      tls: tlsSchema.optional(),
      // Checked by securityConfig, whose messages name each setting as written.
      auth: z.unknown().optional(),
      trustProxy: z.unknown().optional(),
      cors: z.unknown().optional(),
      metrics: z.unknown().optional(),
    },
    { error: 'a mapping of settings with a "cameras" list' },
  )
  .superRefine((config, context) => {
    const seen = new Set<string>();
    config.cameras.forEach((camera, index) => {
      if (seen.has(camera.id)) {
        context.addIssue({
          code: 'custom',
          path: ['cameras', index, 'id'],
          message: `a unique id ("${camera.id}" is taken)`,
        });
      }
      seen.add(camera.id);
    });
  });

/** Variables that configure the single camera of the environment; meaningless beside a config file. */
const SINGLE_CAMERA_VARIABLES =
  /^(CAMERA|CAMERA_\w+|OPENCV_CAMERA_SOURCE|IDLE_TIMEOUT|MAX_FPS|START_TIMEOUT|STALL_TIMEOUT)$/;

/** Server-wide variables that override the file's value when set. */
const OVERRIDING_VARIABLES = [
  'PORT',
  'HOST',
  'LOG_LEVEL',
  'MAX_VIEWERS',
  'STALLED_VIEWER_TIMEOUT',
  'ALLOWED_HOSTS',
  'TLS_CERT',
  'TLS_KEY',
  'TRUST_PROXY',
  'AUTH_KEY_FILE',
] as const;

/**
 * Reads a JSON or YAML config file listing several cameras. Driver options that start with `./` or `../`
 * are paths relative to the file's directory (see {@link resolveOptionPaths}), and so is a driver given
 * as such a path; `tls.cert` and `tls.key`, always paths, are relative to it unless absolute. PORT, HOST,
 * LOG_LEVEL, MAX_VIEWERS, STALLED_VIEWER_TIMEOUT, ALLOWED_HOSTS, TLS_CERT, TLS_KEY, TRUST_PROXY and
 * AUTH_KEY_FILE from the environment override the file's values (handy in containers); the single-camera variables
 * (CAMERA, CAMERA_<OPTION>, IDLE_TIMEOUT) are refused, since the file says which cameras run.
 */
export function configFromFile(path: string, env: NodeJS.ProcessEnv): ServerConfig {
  const conflicting = Object.keys(presentVariables(env)).filter((name) => SINGLE_CAMERA_VARIABLES.test(name));
  if (conflicting.length) {
    throw new ConfigError(
      `${conflicting.join(', ')} cannot be used with a config file (${path}), which lists the cameras: ` +
        'set them in the file instead',
    );
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the config file ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = yaml().parse(text); // YAML is a superset of JSON: one parser reads both
  } catch (error) {
    // The parser's message goes on with a code frame over several lines: its first line says where.
    const reason = (error as Error).message.split('\n')[0]!.replace(/:$/, '');
    throw new ConfigError(`the config file ${path} is not valid JSON or YAML: ${reason}`);
  }
  const result = fileSchema.safeParse(data ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      // Name the key itself, and the keys that exist there, as drivers do for unknown options.
      const known = Object.keys(shapeAt(issue.path));
      throw new ConfigError(
        `invalid config file ${path}: ${describePath([...issue.path, issue.keys[0]!], data)}: ` +
          `unknown key (known keys: ${known.join(', ')})`,
      );
    }
    throw new ConfigError(
      `invalid config file ${path}: ${describePath(issue.path, data)}: expected ${issue.message}`,
    );
  }
  const file = result.data;
  const fromEnv = configFromEnv(pick(env, OVERRIDING_VARIABLES));
  const envSet = presentVariables(env);
  const security = securityConfig(file, {
    file: path,
    env: pick(envSet, ['TRUST_PROXY', 'AUTH_KEY_FILE']) as Record<string, string>,
    resolveUserPath: (userPath) => resolveUserPath(userPath, env),
  });
  return {
    // TLS_CERT and TLS_KEY replace the file's pair (both of them: a key goes with its certificate).
    tls:
      envSet.TLS_CERT || envSet.TLS_KEY
        ? tlsFromEnv(env)
        : file.tls && {
            cert: resolve(dirname(path), file.tls.cert),
            key: resolve(dirname(path), file.tls.key),
            describe: { cert: `tls.cert in ${path}`, key: `tls.key in ${path}` },
          },
    port: envSet.PORT ? fromEnv.port : (file.port ?? 5000),
    host: envSet.HOST ? fromEnv.host : (file.host ?? '0.0.0.0'),
    logLevel: envSet.LOG_LEVEL ? fromEnv.logLevel : (file.logLevel ?? 'info'),
    maxViewers: envSet.MAX_VIEWERS ? fromEnv.maxViewers : file.maxViewers,
    stalledViewerTimeout: envSet.STALLED_VIEWER_TIMEOUT
      ? fromEnv.stalledViewerTimeout
      : milliseconds(file.stalledViewerTimeout),
    allowedHosts: envSet.ALLOWED_HOSTS ? fromEnv.allowedHosts : file.allowedHosts,
    recordings: file.recordings,
    cameras: file.cameras.map((camera, index) => ({
      id: camera.id,
      // a driver file given as `./my-driver.js` is next to the config file too
      driver: isRelativePathOption(camera.driver) ? resolve(dirname(path), camera.driver) : camera.driver,
      // `frames: ./back` means next to the config file, wherever the server was started from
      options: resolveOptionPaths(camera.options, dirname(path)),
      idleTimeout: milliseconds(camera.idleTimeout ?? file.idleTimeout),
      maxViewers: camera.maxViewers,
      maxFps: camera.maxFps,
      startTimeout: optionalMilliseconds(camera.startTimeout ?? file.startTimeout),
      stallTimeout: optionalMilliseconds(camera.stallTimeout ?? file.stallTimeout),
      record: camera.record && {
        ...camera.record,
        // a relative `dir` is next to the config file, like relative driver options
        dir: resolve(dirname(path), camera.record.dir),
        retain: { ...camera.record.retain, maxAge: optionalMilliseconds(camera.record.retain.maxAge) },
      },
      replayMs: optionalMilliseconds(camera.replaySeconds),
      replayBytes: camera.replayBytes,
      describeOption: (option) => `cameras[${index}] ("${camera.id}").options.${option} in ${path}`,
    })),
    ...(security ? { security } : {}),
  };
}

/** The keys known where an unknown key was found: at the top, in a camera, or in its sub-mappings. */
function shapeAt(path: readonly PropertyKey[]): object {
  const last = path.at(-1);
  if (last === 'record') return recordSchema.shape;
  if (last === 'retain') return recordSchema.shape.retain.unwrap().shape;
  if (last === 'recordings') return { maxBytes: true };
  if (path[0] === 'tls') return tlsSchema.shape;
  return path.length ? cameraSchema.shape : fileSchema.shape;
}

/** `['cameras', 1, 'options']` → `cameras[1] ("back").options`. */
function describePath(path: readonly PropertyKey[], data: unknown): string {
  let text = '';
  for (const [position, key] of path.entries()) {
    if (typeof key === 'number') {
      text += `[${key}]`;
      const id = path[position - 1] === 'cameras' ? cameraId(data, key) : undefined;
      if (id) text += ` ("${id}")`;
    } else {
      text += text ? `.${String(key)}` : String(key);
    }
  }
  return text || 'the file';
}

function cameraId(data: unknown, index: number): string | undefined {
  const cameras = (data as { cameras?: unknown })?.cameras;
  const id = Array.isArray(cameras) ? (cameras[index] as { id?: unknown })?.id : undefined;
  return typeof id === 'string' ? id : undefined;
}

function pick(env: NodeJS.ProcessEnv, names: readonly string[]): NodeJS.ProcessEnv {
  return Object.fromEntries(names.map((name) => [name, env[name]]));
}
