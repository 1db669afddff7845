import type { Route } from '@cam/auth';
import type { HotRoute } from './hot-routes.js';

/**
 * What a request needs before it is served: nothing (`open`), or `auth.check` with a route and maybe a
 * camera. `cors`: the API and snapshots answer CORS (and its preflights) for `cors.origins`.
 */
export type Access =
  | { open: true; cors: false }
  | { open: false; route: Route; camera: string | undefined; cors: boolean };

export interface AccessOptions {
  /** `/metrics` and `/readyz` open to anyone (the `metrics.public` setting). */
  metricsPublic: boolean;
  /** The default camera's id: `/video_feed`, `/snapshot.jpg` and `/?action=` are its routes. */
  defaultCamera: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const OPEN: Access = { open: true, cors: false };

/**
 * Who may make the request, from its method and path alone, decided before any route runs, so that
 * every route is covered by default and a new one cannot be forgotten:
 * - `/healthz` is open (orchestrators); `/metrics` and `/readyz` are for admins unless `metricsPublic`;
 * - streams and snapshots need the camera (a viewer's list, or a signed link for exactly that route);
 * - anything under `/cameras/<id>/` is a page of that camera (viewers limited to their cameras);
 * - anything under `/api/` is the API; `/api/cameras/<id>/…` is about that camera; a method that changes
 *   something (POST, PUT, DELETE…) is for admins, as are link minting and the key;
 * - every other path is a page (a browser without a session is sent to the login page).
 */
export function accessFor(
  method: string | undefined,
  path: string,
  hot: HotRoute | undefined,
  options: AccessOptions,
): Access {
  if (hot && hot.kind !== 'bad-request') {
    return {
      open: false,
      route: hot.kind,
      camera: hot.camera ?? options.defaultCamera,
      cors: hot.kind === 'snapshot',
    };
  }
  const lower = path.toLowerCase().replace(/\/+$/, '') || '/';
  if (lower === '/healthz') return OPEN;
  if (lower === '/metrics' || lower === '/readyz') {
    return options.metricsPublic ? OPEN : { open: false, route: 'admin', camera: undefined, cors: false };
  }
  const segments = path.split('/').slice(1);
  if (lower === '/api' || lower.startsWith('/api/')) {
    const camera = segments[1]?.toLowerCase() === 'cameras' ? cameraId(segments[2]) : undefined;
    const mutating = !SAFE_METHODS.has(method ?? 'GET');
    const adminPath =
      lower.startsWith('/api/auth/') || (camera !== undefined && /^links$/i.test(segments[3] ?? ''));
    return { open: false, route: mutating || adminPath ? 'admin' : 'api', camera, cors: true };
  }
  if (segments[0]?.toLowerCase() === 'cameras' && segments[1]) {
    // A snapshot asked for with a method the hot routes do not take (an OPTIONS preflight) is still one.
    const snapshot = /^snapshot\.jpg$/i.test(segments[2] ?? '');
    return { open: false, route: 'page', camera: cameraId(segments[1]), cors: snapshot };
  }
  return { open: false, route: 'page', camera: undefined, cors: /^\/snapshot\.jpg$/.test(lower) };
}

/** A camera id from a path segment; a malformed %-escape is kept as it is (no camera has that id). */
function cameraId(segment: string | undefined): string | undefined {
  if (!segment) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
