import type { ServerResponse } from 'node:http';
import { toCameraError } from '@cam/core';
import { NO_CACHE_HEADERS } from './headers.js';
import { redactPaths } from './redact.js';

/**
 * Answers a request that could not get a frame: 503 with a JSON body `{ error: { code, message } }`,
 * and `Retry-After` when the camera will retry. Absolute paths in the message are redacted: a driver's
 * error may name where it is installed, which is none of a client's business.
 */
export function sendCameraError(res: ServerResponse, error: unknown, retryAt?: number): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  // By code, not class: a driver with its own copy of @cam/core throws CameraErrors of another class.
  const cameraError = toCameraError(error);
  const body = JSON.stringify({
    error: { code: cameraError.code, message: redactPaths(cameraError.message) },
  });
  res.writeHead(503, {
    ...NO_CACHE_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Retry-After': String(retryAfterSeconds(retryAt)),
  });
  res.end(body);
}

/** Whole seconds until the camera's next retry, at least 1. */
function retryAfterSeconds(retryAt: number | undefined): number {
  return retryAt === undefined ? 1 : Math.max(1, Math.ceil((retryAt - Date.now()) / 1000));
}
