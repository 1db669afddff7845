#!/usr/bin/env node
// Starts the cam server: from a config file (--config <path> or CAM_CONFIG) listing cameras, or from the
// environment for one camera (CAMERA, CAMERA_<OPTION>, PORT, HOST, IDLE_TIMEOUT, LOG_LEVEL, MAX_VIEWERS).
import { isCameraError } from '@cam/core';
import { ConfigError } from './config.js';
import { DriverLoadError } from './drivers.js';
import { loadConfig } from './load-config.js';
import { createLogger } from './logger.js';
import { startServer } from './server.js';

/** A configuration problem ends the start with one line on stderr and exit code 1. */
function refuseToStart(error: unknown): never {
  // A driver's CameraError is recognised by its brand: the driver may bring its own copy of @cam/core.
  if (error instanceof ConfigError || error instanceof DriverLoadError || isCameraError(error)) {
    console.error(`cam: ${error.message}`);
  } else {
    console.error('cam: failed to start:', error);
  }
  process.exit(1);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env, process.argv.slice(2));
} catch (error) {
  refuseToStart(error);
}
const logger = createLogger(config.logLevel);

// The signal handlers go in before the start: "listening on" is logged while starting, and a supervisor
// that sends SIGTERM as soon as it reads that line must get a clean shutdown, not the default kill.
const starting = startServer(config, logger);
let shuttingDown = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ signal }, 'shutting down');
  const server = await starting.catch(() => undefined);
  if (!server) return; // the start failed: refuseToStart exits
  await server.close();
  logger.info('stopped');
  process.exit(0);
}
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);

try {
  await starting;
} catch (error) {
  refuseToStart(error);
}

// One bad request or driver must never take every viewer down with it: log, and keep serving.
process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception'));
process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
