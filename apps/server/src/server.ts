import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BaseCamera, type CameraDriver, CameraError } from '@cam/core';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { logCameraEvents } from './camera-logging.js';
import { ConfigError, driverOptionVariable, type ServerConfig } from './config.js';
import { loadDriver } from './drivers.js';

export interface RunningServer {
  /** Where the server listens, e.g. `http://127.0.0.1:5000`. */
  readonly url: string;
  readonly port: number;
  readonly camera: BaseCamera;
  /** Ends every stream, stops the camera (releasing its device) and closes the listener. */
  close(): Promise<void>;
}

/** How long open connections get to finish after a shutdown began, before they are cut. */
const SHUTDOWN_GRACE_MS = 3000;

/**
 * Loads the driver, validates its options, and listens. Fails with a {@link ConfigError} or a
 * `DriverLoadError` before anything is started, so a bad configuration leaves nothing behind.
 */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const driver = await loadDriver(config.camera);
  const options = parseDriverOptions(driver, config.driverOptions);
  await checkDriverAvailable(driver, options);
  const camera = driver.createCamera(options, { name: driver.name, idleTimeout: config.idleTimeout });
  logCameraEvents(camera, logger);

  const server = createServer(createApp(camera, logger));
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await camera.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  logger.info({ url, port, driver: driver.name, idleTimeout: config.idleTimeout }, `listening on ${url}`);

  return {
    url,
    port,
    camera,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await camera.close(); // ends every stream with its close delimiter
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(cut);
    },
  };
}

function parseDriverOptions(driver: CameraDriver, raw: Record<string, string>): unknown {
  try {
    return driver.parseOptions(raw);
  } catch (error) {
    if (error instanceof CameraError && error.code === 'INVALID_OPTION') {
      const variable = error.option ? driverOptionVariable(error.option) : 'CAMERA_*';
      throw new ConfigError(`invalid ${variable} for the ${driver.name} driver: ${error.detail}`, {
        cause: error,
      });
    }
    throw error;
  }
}

async function checkDriverAvailable(driver: CameraDriver, options: unknown): Promise<void> {
  try {
    await driver.checkAvailable?.(options);
  } catch (error) {
    if (error instanceof CameraError) {
      throw new ConfigError(`the ${driver.name} driver cannot run here: ${error.detail}`, { cause: error });
    }
    throw error;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(listenError(error, port, host));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

function listenError(error: NodeJS.ErrnoException, port: number, host: string): Error {
  switch (error.code) {
    case 'EADDRINUSE':
      return new ConfigError(
        `PORT=${port} is already in use on ${host}: stop the other server or choose another PORT`,
      );
    case 'EACCES':
      return new ConfigError(`PORT=${port} needs privileges on this system: choose a PORT above 1023`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(`HOST=${JSON.stringify(host)} is not an address of this machine`);
    default:
      return error;
  }
}
