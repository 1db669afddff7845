import type { ServerConfig } from '../config.js';
import { createLogger, endLogs, type LogFormat, reportDroppedLogLines } from '../logger.js';
import { startServer } from '../server.js';
import { keepYoungGenerationSmall } from '../young-generation.js';
import { refuse } from './refuse.js';

/**
 * Runs the server until SIGINT or SIGTERM, then exits 0 after a clean shutdown; under TLS, SIGHUP
 * reloads the certificate.
 */
export async function serve(config: ServerConfig, logFormat: LogFormat): Promise<void> {
  keepYoungGenerationSmall();
  const logger = createLogger(config.logLevel, { format: logFormat });
  reportDroppedLogLines(logger);

  // The signal handlers go in before the start: "listening on" is logged while starting, and a supervisor
  // that sends SIGTERM as soon as it reads that line must get a clean shutdown, not the default kill.
  const starting = startServer(config, logger);
  let shuttingDown = false;
  async function shutdown(signal: NodeJS.Signals): Promise<void> {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const server = await starting.catch(() => undefined);
    if (!server) return; // the start failed: refuse() exits
    await server.close();
    logger.info('stopped');
    await endLogs(logger); // asynchronous output: without this, "stopped" could be lost
    process.exit(0);
  }
  // `on`, not `once`: pnpm forwards the Ctrl-C that the terminal also sends us, so one press arrives
  // twice, and a second signal must not kill the process midway through its (bounded) shutdown.
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // Under TLS, SIGHUP (`systemctl reload`, after a certificate renewal) reloads the certificate and key
  // for new connections. Without TLS it keeps its default: a closed terminal ends the server.
  if (config.tls) {
    process.on('SIGHUP', () => {
      void starting.then(
        (server) => server.reloadTls?.(),
        () => undefined,
      );
    });
  }

  try {
    await starting;
  } catch (error) {
    refuse(error);
  }

  // One bad request or driver must never take every viewer down with it: log, and keep serving.
  process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception'));
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
}
