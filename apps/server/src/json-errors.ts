import type { IncomingMessage, ServerResponse } from 'node:http';
import { redactUrl } from '@cam/auth';
import type { Logger } from 'pino';

/**
 * Answers `{ error: { code, message } }` with `status`: every error the server makes is JSON, and says
 * nothing of its insides (no stack, no path). Written with node:http's own calls, so it serves both the
 * routes dispatched before express and express's.
 */
export function sendJsonError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    // Too late for a status: end what was started rather than leave the client waiting.
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache',
    ...headers,
  });
  res.end(body);
}

/** How many client errors are logged per window; the rest are counted and reported with the next line. */
const LINES_PER_WINDOW = 5;
const WINDOW_MS = 60_000;

export type ClientErrorLog = (req: IncomingMessage, code: string, message: string) => void;

/**
 * Logs requests refused for the client's fault (a malformed URL, an unknown Host) as one line each,
 * without a stack, and at most {@link LINES_PER_WINDOW} a minute: anyone can send bad requests, and
 * they must not be able to flood the log. The first line of a new window says how many were left out.
 */
export function createClientErrorLog(logger: Logger, now: () => number = Date.now): ClientErrorLog {
  let windowStart = Number.NEGATIVE_INFINITY;
  let logged = 0;
  let suppressed = 0;
  return (req, code, message) => {
    const time = now();
    if (time - windowStart >= WINDOW_MS) {
      windowStart = time;
      logged = 0;
    }
    if (logged >= LINES_PER_WINDOW) {
      suppressed += 1;
      return;
    }
    logged += 1;
    const fields = {
      code,
      method: req.method,
      url: redactUrl(req.url ?? '/').slice(0, 200), // a link's signature never reaches the log
      address: req.socket.remoteAddress,
      ...(suppressed ? { suppressed } : {}),
    };
    suppressed = 0;
    logger.warn(fields, `bad request: ${message}`);
  };
}
