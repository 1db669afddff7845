import { createServer, type Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from './app.js';
import { logCameraEvents } from './camera-logging.js';
import { type CameraEntry, createCameras } from './cameras.js';
import { ConfigError, type ServerConfig } from './config.js';
import { openUrls } from './open-urls.js';
import { startRecorders, stopRecorders, withRecording } from './recording.js';
import { logRequests } from './request-logging.js';
import { createServerAuth, warnIfExposed } from './server-auth.js';
import { createTlsReloader, describeCertificate, readTlsCredentials } from './tls.js';

export interface RunningServer {
  /** Where the server listens, e.g. `http://127.0.0.1:5000`. */
  readonly url: string;
  readonly port: number;
  readonly cameras: readonly CameraEntry[];
  /**
   * Under TLS (`config.tls`): re-reads the certificate and key files for new connections (the CLI calls
   * it on SIGHUP); resolves false, having logged why, when the new pair is refused and the old one stays.
   * Undefined without TLS.
   */
  readonly reloadTls?: (() => Promise<boolean>) | undefined;
  /**
   * Stops accepting, ends every stream, stops the cameras (releasing their devices) and closes the
   * listener; resolves within {@link SHUTDOWN_BOUND_MS} even when a driver or a client does not end.
   */
  close(): Promise<void>;
}

/**
 * A shutdown ends within 5 s whatever drivers and clients do: cameras get {@link CAMERA_CLOSE_MS} to
 * close (a driver that ignores its abort signal is not waited for beyond it), then the connections left
 * (a viewer that stopped reading never takes its stream's end) get {@link CONNECTION_GRACE_MS} to
 * finish before they are cut; the cut itself is waited for at most {@link CUT_WAIT_MS}.
 */
export const SHUTDOWN_BOUND_MS = 5000;
const CAMERA_CLOSE_MS = 3000;
/** Of the cameras' 3 s, the recorders may take this long to finish their segments. */
const RECORDER_STOP_MS = 2000;
const CONNECTION_GRACE_MS = 1000;
const CUT_WAIT_MS = 500;
/** A request must have arrived whole within this long. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Loads the drivers, validates their options, and listens. Fails with a {@link ConfigError} or a
 * `DriverLoadError` before anything is started, so a bad configuration leaves nothing behind.
 */
export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  // Certificate problems are configuration errors: found before any camera is opened.
  const credentials = config.tls && (await readTlsCredentials(config.tls));
  const auth = await createServerAuth(config);
  const cameras = await withRecording(await createCameras(config.cameras), config, logger);
  for (const entry of cameras) logCameraEvents(entry.camera, logger);

  const app = createApp(cameras, logger, {
    maxViewers: config.maxViewers,
    stalledViewerTimeout: config.stalledViewerTimeout,
    allowedHosts: allowedHosts(config),
    auth,
    metricsPublic: config.security?.metricsPublic ?? false,
  });
  // Checking connections every second (Node's default: 30 s) makes the header timeout bite on time.
  const serverOptions = { connectionsCheckingInterval: 1000 };
  // node:https (and TLS with it) is loaded only for a server that serves TLS.
  const server: Server | HttpsServer = credentials
    ? (await import('node:https')).createServer(
        { ...serverOptions, cert: credentials.cert, key: credentials.key },
        app.listener,
      )
    : createServer(serverOptions, app.listener);
  server.on('upgrade', app.upgrade);
  logRequests(server, logger);
  // Idle connections are closed by Node's own checks: no request headers within 10 s (headersTimeout),
  // nothing after a response for 5 s (keepAliveTimeout). No socket timeout (`server.timeout`): a stream
  // is quiet while its camera is, and a socket timer, even cleared, is refreshed on every write, that is
  // for every frame of every viewer.
  server.headersTimeout = 10_000;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    app.close();
    await stopRecorders(cameras); // none started: this lets go of the replay buffers
    await settledWithin(Promise.all(cameras.map((entry) => entry.camera.close())), CAMERA_CLOSE_MS);
    throw error;
  }
  // Repairs what a crash left, applies retention, records; a disk that refuses is a state, not a failed start.
  await startRecorders(cameras);
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const scheme = credentials ? 'https' : 'http';
  const url = `${scheme}://${host}:${port}`;
  const summary = cameras.map((entry) => ({ id: entry.id, driver: entry.driver }));
  const urls = openUrls(config.host, port, scheme);
  const tls = config.tls &&
    credentials && { cert: config.tls.cert, key: config.tls.key, ...describeCertificate(credentials.leaf) };
  logger.info(
    { url, urls, port, cameras: summary, driver: cameras[0]!.driver, ...(tls && { tls }) },
    `listening on ${urls.join(', ')} (Ctrl-C to stop)`,
  );
  warnIfExposed(config, auth, logger);

  return {
    url,
    port,
    cameras,
    reloadTls: config.tls && createTlsReloader(server as HttpsServer, config.tls, logger),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve())); // stops accepting
      server.closeIdleConnections();
      // Recorders first, while their cameras still run: each finishes its segment (sync, rename), so the
      // file is complete and playable. Their time comes out of the cameras' share of the bound.
      const stoppingRecorders = Date.now();
      if (!(await settledWithin(stopRecorders(cameras), RECORDER_STOP_MS))) {
        logger.warn(
          `recorders did not stop within ${RECORDER_STOP_MS} ms: their segments are repaired at the next start`,
        );
      }
      const cameraCloseMs = Math.max(500, CAMERA_CLOSE_MS - (Date.now() - stoppingRecorders));
      // Closing a camera ends its streams at once (each gets its close delimiter), then waits for the run.
      const camerasClosed = Promise.all(cameras.map((entry) => entry.camera.close()));
      if (!(await settledWithin(camerasClosed, cameraCloseMs))) {
        logger.warn(`cameras did not close within ${cameraCloseMs} ms: shutting down without them`);
      }
      server.closeIdleConnections();
      if (!(await settledWithin(closed, CONNECTION_GRACE_MS))) {
        app.destroyStreams();
        server.closeAllConnections();
        await settledWithin(closed, CUT_WAIT_MS);
      }
      app.close();
    },
  };
}

/** The extra names for the Host check: the configured ones, and the address the server listens on. */
function allowedHosts(config: ServerConfig): string[] {
  const listening = ['0.0.0.0', '::'].includes(config.host) ? [] : [config.host];
  return [...config.allowedHosts, ...listening];
}

/** Waits for `promise` at most `ms`: true when it settled (either way) in time. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function listen(server: Server | HttpsServer, port: number, host: string): Promise<void> {
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
