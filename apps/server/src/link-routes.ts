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
  const request = linkRequest(req.body, auth.config.maxLinkLifetime);
  if (typeof request === 'string') {
    sendJsonError(res, 400, 'BAD_REQUEST', request);
    return;
  }
  const { route, expiresIn } = request;
  const link = auth.mintLink({ camera, route, expiresIn });
  const path = linkPath(camera, route, link.query);
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const body = JSON.stringify({
    camera,
    route,
    expires: new Date(link.expires * 1000).toISOString(),
    path,
    url: `${scheme}://${req.headers.host}${path}`,
  });
  res.writeHead(201, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/** The route and lifetime a link request asks for, or what is wrong with it. */
function linkRequest(body: unknown, maxLifetime: number): { route: LinkRoute; expiresIn: number } | string {
  const fields = body ?? {};
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    return 'send JSON: { "route": "stream" | "snapshot", "expiresIn": <seconds> }';
  }
  const unknown = Object.keys(fields).filter((key) => key !== 'route' && key !== 'expiresIn');
  if (unknown.length) return `unknown field ${JSON.stringify(unknown[0])} (fields: route, expiresIn)`;
  const { route = 'stream', expiresIn = DEFAULT_LINK_SECONDS } = fields as Record<string, unknown>;
  if (route !== 'stream' && route !== 'snapshot') return 'route: expected "stream" or "snapshot"';
  if (
    typeof expiresIn !== 'number' ||
    !Number.isInteger(expiresIn) ||
    expiresIn < 1 ||
    expiresIn > maxLifetime
  ) {
    return `expiresIn: expected a whole number of seconds from 1 to ${maxLifetime} (auth.maxLinkLifetime)`;
  }
  return { route, expiresIn };
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
    sendJsonError(res, 409, 'KEY_IN_CONFIG', (error as Error).message);
    return;
  }
  logger.warn(
    { by: principal ? principalName(principal) : undefined },
    'the signing key was rotated: every signed link and session has ended',
  );
  res.writeHead(204, { 'Cache-Control': 'no-store' });
  res.end();
}
