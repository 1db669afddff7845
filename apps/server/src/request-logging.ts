import type { Server } from 'node:http';
import { principalName, redactUrl } from '@cam/auth';
import type { Logger } from 'pino';
import { clientAddressOf, principalOf } from './request-principal.js';

/**
 * At `debug`, one line per request when its response ends: method, URL (redacted), status, duration, the
 * client's address (from X-Forwarded-For when the peer is a `trustProxy` proxy) and who it was (a user's name, `link:<camera>/<route>`, `anonymous`). A stream's line comes when the viewer leaves, so its duration is how long it watched.
 */
export function logRequests(server: Server, logger: Logger): void {
  if (!logger.isLevelEnabled('debug')) return;
  server.on('request', (req, res) => {
    const started = performance.now();
    res.once('close', () => {
      const url = redactUrl(req.url ?? '/'); // a signed link's signature, a password: never in the log
      const principal = principalOf(req);
      logger.debug(
        {
          method: req.method,
          url,
          ...(principal ? { user: principalName(principal) } : {}),
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
          address: clientAddressOf(req) ?? req.socket.remoteAddress,
          complete: res.writableFinished,
        },
        `${req.method} ${url} ${res.statusCode}`,
      );
    });
  });
}
