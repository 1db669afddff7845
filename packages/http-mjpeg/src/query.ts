import type { IncomingMessage, ServerResponse } from 'node:http';

/** The query parameters of a request (`?after=12&fps=5`). */
export function queryOf(req: IncomingMessage): URLSearchParams {
  const url = req.url ?? '/';
  const start = url.indexOf('?');
  return new URLSearchParams(start < 0 ? '' : url.slice(start + 1));
}

/**
 * Reads a whole-number parameter within [min, max]; undefined when absent. Answers 400 with a JSON
 * error naming the parameter and returns null when the value is bad: the caller stops there.
 */
export function integerParameter(
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  min: number,
  max: number,
): number | undefined | null {
  const raw = queryOf(req).get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (raw.trim() !== '' && Number.isInteger(value) && value >= min && value <= max) return value;
  sendBadParameter(res, name, `a whole number from ${min} to ${max}`, raw);
  return null;
}

/** Reads a number parameter within (0, max]; as {@link integerParameter} otherwise. */
export function positiveParameter(
  req: IncomingMessage,
  res: ServerResponse,
  name: string,
  max: number,
): number | undefined | null {
  const raw = queryOf(req).get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (raw.trim() !== '' && Number.isFinite(value) && value > 0 && value <= max) return value;
  sendBadParameter(res, name, `a number greater than 0, at most ${max}`, raw);
  return null;
}

/** Answers 400 with `{ error: { code: 'BAD_PARAMETER', parameter, message } }`, naming what is accepted. */
export function sendBadParameter(res: ServerResponse, name: string, accepts: string, got: unknown): void {
  const body = JSON.stringify({
    error: {
      code: 'BAD_PARAMETER',
      parameter: name,
      message: `parameter "${name}" must be ${accepts}, got ${JSON.stringify(got)}`,
    },
  });
  res.writeHead(400, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
