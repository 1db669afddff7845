import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { CameraError } from '@cam/core';
import type { HttpAuth } from './http-auth.js';
import { describeUrl } from './options.js';

/** What a successful upstream response holds. */
export type UpstreamBody =
  | { kind: 'stream'; response: IncomingMessage; boundary: string | undefined }
  | { kind: 'snapshot'; response: IncomingMessage };

export interface UpstreamRequest {
  /** The URL without credentials. */
  url: URL;
  auth: HttpAuth;
  agent: http.Agent;
  signal: AbortSignal;
  camera: string;
}

/**
 * GETs the upstream, answering one 401 challenge with the credentials, and returns its body once the
 * status and Content-Type say it is a Motion-JPEG stream or a JPEG. Anything else throws a CameraError
 * whose message names the URL without credentials or query.
 */
export async function openUpstream(request: UpstreamRequest): Promise<UpstreamBody> {
  const where = describeUrl(request.url);
  const fail = (code: CameraError['code'], detail: string, cause?: unknown) =>
    new CameraError(code, `${where} ${detail}`, { camera: request.camera, cause });
  let response = await get(request, fail);
  if (response.statusCode === 401) {
    const refusal = request.auth.accept(response);
    response.resume();
    if (refusal) throw fail('UNAUTHORIZED', `answered 401 Unauthorized: ${refusal}`);
    response = await get(request, fail);
  }
  const status = response.statusCode ?? 0;
  if (status !== 200) {
    response.resume();
    const answered = `answered ${status} ${response.statusMessage ?? ''}`.trim();
    if (status === 401 || status === 403) {
      throw fail('UNAUTHORIZED', `${answered}: the credentials were refused (options username and password)`);
    }
    if (status === 404 || status === 410)
      throw fail('DEVICE_NOT_FOUND', `${answered}: no camera at this URL`);
    throw fail('DRIVER_FAILED', answered);
  }
  const contentType = response.headers['content-type'] ?? '';
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (mediaType.startsWith('multipart/')) {
    return { kind: 'stream', response, boundary: boundaryOf(contentType) };
  }
  if (mediaType === 'image/jpeg' || mediaType === 'image/jpg' || mediaType === 'image/pjpeg') {
    return { kind: 'snapshot', response };
  }
  response.destroy();
  throw fail(
    'INVALID_FRAME',
    `answered with Content-Type ${JSON.stringify(contentType || '(none)')}, not a Motion-JPEG stream ` +
      '(multipart/x-mixed-replace) nor a JPEG (image/jpeg)' +
      (mediaType === 'text/html' ? ': is this the address of a web page rather than of the stream?' : ''),
  );
}

function get(
  request: UpstreamRequest,
  fail: (code: CameraError['code'], detail: string, cause?: unknown) => CameraError,
): Promise<IncomingMessage> {
  const { url, agent, signal } = request;
  const uri = `${url.pathname}${url.search}`;
  const authorization = request.auth.header('GET', uri);
  const headers: http.OutgoingHttpHeaders = {
    accept: 'multipart/x-mixed-replace, image/jpeg;q=0.9, */*;q=0.1',
    ...(authorization ? { authorization } : {}),
  };
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, { headers, agent, signal }, resolve);
    // 'on', not 'once': errors after the response (a reset) belong to the body's reader, and a rejection
    // after the resolve is a no-op.
    req.on('error', (error: NodeJS.ErrnoException) => reject(connectError(error, signal, fail)));
  });
}

function connectError(
  error: NodeJS.ErrnoException,
  signal: AbortSignal,
  fail: (code: CameraError['code'], detail: string, cause?: unknown) => CameraError,
): unknown {
  if (signal.aborted) return error;
  switch (error.code) {
    case 'ECONNREFUSED':
      return fail(
        'DEVICE_NOT_FOUND',
        'refused the connection: is the camera on, and is this its port?',
        error,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return fail('DEVICE_NOT_FOUND', 'cannot be found: its host name does not resolve', error);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return fail('DEVICE_NOT_FOUND', 'cannot be reached over the network', error);
    default:
      return fail('DRIVER_FAILED', `cannot be read: ${error.message}`, error);
  }
}

/** The boundary parameter of a multipart Content-Type, quoted or not; undefined when there is none. */
export function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  return boundary || undefined;
}
