import type { Server } from 'node:http';
import type { Logger } from 'pino';

/**
 * At `debug`, one line per request when its response ends: method, URL, status, duration and the
 * client's address. A stream's line comes when the viewer leaves, so its duration is how long it watched.
 */
export function logRequests(server: Server, logger: Logger): void {
  if (!logger.isLevelEnabled('debug')) return;
  server.on('request', (req, res) => {
    const started = performance.now();
    res.once('close', () => {
      logger.debug(
        {
          method: req.method,
          url: req.url,
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
          address: req.socket.remoteAddress,
          complete: res.writableFinished,
        },
        `${req.method} ${req.url} ${res.statusCode}`,
      );
    });
  });
}
