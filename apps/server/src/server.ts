import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { logCameraEvents } from './camera-logging.js';
import { type CameraEntry, createCameras } from './cameras.js';
import { ConfigError, type ServerConfig } from './config.js';

export interface RunningServer {
  /** Where the server listens, e.g. `http://127.0.0.1:5000`. */
  readonly url: string;
  readonly port: number;
  readonly cameras: readonly CameraEntry[];
  /** Ends every stream, stops the cameras (releasing their devices) and closes the listener. */
  close(): Promise<void>;
}

/** How long open connections get to finish after a shutdown began, before they are cut. */
const SHUTDOWN_GRACE_MS = 3000;
/** A request must have arrived whole within this long. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Loads the drivers, validates their options, and listens. Fails with a {@link ConfigError} or a
 * `DriverLoadError` before anything is started, so a bad configuration leaves nothing behind.
 */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const cameras = await createCameras(config.cameras);
  for (const entry of cameras) logCameraEvents(entry.camera, logger);

  // Checking connections every second (Node's default: 30 s) makes the header timeout bite on time.
  const server = createServer(
    { connectionsCheckingInterval: 1000 },
    createApp(cameras, logger, { maxViewers: config.maxViewers }),
  );
  // Idle connections are closed by Node's own checks: no request headers within 10 s (headersTimeout),
  // nothing after a response for 5 s (keepAliveTimeout). No socket timeout (`server.timeout`): a stream
  // is quiet while its camera is, and a socket timer, even cleared, is refreshed on every write, that is
  // for every frame of every viewer.
  server.headersTimeout = 10_000;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await Promise.all(cameras.map((entry) => entry.camera.close()));
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  const summary = cameras.map((entry) => ({ id: entry.id, driver: entry.driver }));
  logger.info({ url, port, cameras: summary, driver: cameras[0]!.driver }, `listening on ${url}`);

  return {
    url,
    port,
    cameras,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(cameras.map((entry) => entry.camera.close())); // ends every stream
      server.closeIdleConnections();
      const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(cut);
    },
  };
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
