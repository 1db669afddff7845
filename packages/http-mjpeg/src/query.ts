import type { IncomingMessage, ServerResponse } from 'node:http';
import { isCameraError, type OptionReader, readOptions } from '@cam/core';

/** The query parameters of a request (`?after=12&fps=5`); of a repeated name, the first counts. */
export function queryOf(req: IncomingMessage): Record<string, string> {
  const url = req.url ?? '/';
  const start = url.indexOf('?');
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(start < 0 ? '' : url.slice(start + 1)))
    query[name] ??= value;
  return query;
}

/**
 * Reads query parameters with core's option reader (`read.number('fps', …)`); unknown parameters are
 * ignored. A bad value answers 400 naming the parameter (see {@link sendBadParameter}) and returns
 * undefined: the caller stops there.
 */
export function readQuery<T>(
  req: IncomingMessage,
  res: ServerResponse,
  read: (query: OptionReader) => T,
): T | undefined {
  try {
    return read(readOptions(queryOf(req), 'http-mjpeg', { noun: 'parameter' }));
  } catch (error) {
    if (!isCameraError(error) || error.code !== 'INVALID_OPTION' || !error.option) throw error;
    answerBadParameter(res, error.option, error.detail);
    return undefined;
  }
}

/** Answers 400 with `{ error: { code: 'BAD_PARAMETER', parameter, message } }`, naming what is accepted. */
export function sendBadParameter(res: ServerResponse, name: string, accepts: string, got: unknown): void {
  answerBadParameter(res, name, `parameter "${name}" must be ${accepts}, got ${JSON.stringify(got)}`);
}

function answerBadParameter(res: ServerResponse, name: string, message: string): void {
  const body = JSON.stringify({ error: { code: 'BAD_PARAMETER', parameter: name, message } });
  res.writeHead(400, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}
