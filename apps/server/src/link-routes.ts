import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Auth, LinkRoute, Principal } from '@cam/auth';
import { principalName } from '@cam/auth';
import type { Logger } from 'pino';
import { sendJsonError } from './json-errors.js';

/** A link's lifetime when the request names none: an hour. */
export const DEFAULT_LINK_SECONDS = 3600;

/** The path a signed link opens: the camera's stream or snapshot route with the signature's query. */
export function linkPath(camera: string, route: LinkRoute, query: string): string {
  const target = route === 'stream' ? 'stream' : 'snapshot.jpg';
  return `/cameras/${encodeURIComponent(camera)}/${target}?${query}`;
}

/**
 * `POST /api/cameras/:id/links` (admins), body `{ "route": "stream" | "snapshot", "expiresIn": seconds }`
 * (defaults: stream, {@link DEFAULT_LINK_SECONDS}): answers 201 with the link's `path`, its `url` on the
 * name the request used, and when it `expires`.
 */
export function mintLinkRoute(
  auth: Auth,
  camera: string,
  req: IncomingMessage & { body?: unknown },
  res: ServerResponse,
): void {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const bad = (message: string) => sendJsonError(res, 400, 'BAD_REQUEST', message);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return bad('send JSON: { "route": "stream" | "snapshot", "expiresIn": <seconds> }');
  }
  const unknown = Object.keys(body).filter((key) => key !== 'route' && key !== 'expiresIn');
  if (unknown.length) return bad(`unknown field ${JSON.stringify(unknown[0])} (fields: route, expiresIn)`);
  const route = body.route ?? 'stream';
  if (route !== 'stream' && route !== 'snapshot') return bad('route: expected "stream" or "snapshot"');
  const expiresIn = body.expiresIn ?? DEFAULT_LINK_SECONDS;
  const max = auth.config.maxLinkLifetime;
  if (typeof expiresIn !== 'number' || !Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > max) {
    return bad(`expiresIn: expected a whole number of seconds from 1 to ${max} (auth.maxLinkLifetime)`);
  }
  const link = auth.mintLink({ camera, route, expiresIn });
  const path = linkPath(camera, route, link.query);
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const body201 = JSON.stringify({
    camera,
    route,
    expires: new Date(link.expires * 1000).toISOString(),
    path,
    url: `${scheme}://${req.headers.host}${path}`,
  });
  res.writeHead(201, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body201),
    'Cache-Control': 'no-store',
  });
  res.end(body201);
}

/**
 * `POST /api/auth/rotate-key` (admins): a new signing key, so every signed link and every session ends
 * at once (their streams close). 204; 409 when the key is set in the config (change it there).
 */
export async function rotateKeyRoute(
  auth: Auth,
  logger: Logger,
  principal: Principal | undefined,
  res: ServerResponse,
): Promise<void> {
  try {
    await auth.rotateKey();
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'AUTH_CONFIG') throw error;
    return sendJsonError(res, 409, 'KEY_IN_CONFIG', (error as Error).message);
  }
  logger.warn(
    { by: principal ? principalName(principal) : undefined },
    'the signing key was rotated: every signed link and session has ended',
  );
  res.writeHead(204, { 'Cache-Control': 'no-store' });
  res.end();
}
