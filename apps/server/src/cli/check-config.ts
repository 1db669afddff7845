import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { createCameras } from '../cameras.js';
import { ConfigError, type RecordConfig, type ServerConfig } from '../config.js';
import { loadConfigFrom } from '../load-config.js';
import type { SecurityConfig } from '../security-config.js';
import { readTlsCredentials } from '../tls.js';

// yaml is loaded when this command runs: the server imports this module for its help text.
const require = createRequire(import.meta.url);

export const checkConfigHelp = {
  name: 'check-config',
  usage: 'check-config [<path>]',
  summary: 'validate a config file (or the environment) and print the effective config; exit 0 or 1',
};

/**
 * `cam-server check-config [<path>]`: everything a start checks short of listening (the file, the
 * environment, each driver loaded, its options parsed and its dependencies checked), then the effective
 * configuration as YAML on stdout. A problem throws the same ConfigError a start would.
 */
export async function checkConfig(args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { positionals } = parseArgs({ args: [...args], allowPositionals: true, strict: true, options: {} });
  if (positionals.length > 1) {
    throw new ConfigError(`check-config takes one path, got ${positionals.length}: ${positionals.join(' ')}`);
  }
  const config = loadConfigFrom(env, positionals[0]);
  if (config.tls) await readTlsCredentials(config.tls);
  const cameras = await createCameras(config.cameras);
  // The cameras never opened a device (that happens on demand), but close them as a start would.
  await Promise.all(cameras.map((entry) => entry.camera.close()));
  const { stringify } = require('yaml') as typeof import('yaml');
  return stringify(effectiveConfig(config));
}

/** The configuration as data: what the server would run with, defaults filled in, times in seconds. */
function effectiveConfig(config: ServerConfig) {
  return {
    port: config.port,
    host: config.host,
    logLevel: config.logLevel,
    ...(config.maxViewers === undefined ? {} : { maxViewers: config.maxViewers }),
    ...(config.tls === undefined ? {} : { tls: { cert: config.tls.cert, key: config.tls.key } }),
    ...(config.recordings?.maxBytes === undefined ? {} : { recordings: config.recordings }),
    cameras: config.cameras.map((camera) => ({
      id: camera.id,
      driver: camera.driver,
      options: camera.options,
      idleTimeout: camera.idleTimeout / 1000,
      ...(camera.maxViewers === undefined ? {} : { maxViewers: camera.maxViewers }),
      ...(camera.maxFps === undefined ? {} : { maxFps: camera.maxFps }),
      ...(camera.record === undefined ? {} : { record: effectiveRecord(camera.record) }),
      ...(camera.replayMs === undefined ? {} : { replaySeconds: camera.replayMs / 1000 }),
      ...(camera.replayBytes === undefined ? {} : { replayBytes: camera.replayBytes }),
    })),
    ...(config.security ? securitySummary(config.security) : {}),
  };
}

/** Who may log in and how, without password hashes or the key (the output may be pasted in an issue). */
function securitySummary(security: SecurityConfig) {
  const { users = [], keyFile, trustProxy, cors } = security.auth;
  return {
    auth: {
      users: users.map(({ name, role, cameras }) => ({ name, role, ...(cameras ? { cameras } : {}) })),
      ...(security.auth.key ? { key: '(set in the config)' } : keyFile ? { keyFile } : {}),
    },
    ...(trustProxy ? { trustProxy } : {}),
    ...(cors ? { cors } : {}),
    metrics: { public: security.metricsPublic },
  };
}

function effectiveRecord(record: RecordConfig) {
  const { maxAge, ...retain } = record.retain;
  return {
    ...record,
    retain: { ...(maxAge === undefined ? {} : { maxAge: maxAge / 1000 }), ...dropUndefined(retain) },
  };
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
