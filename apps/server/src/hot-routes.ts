import type { IncomingMessage } from 'node:http';

/** A request for a stream or a snapshot: the routes that carry frames. */
export type HotRoute =
  | { kind: 'stream' | 'snapshot'; camera: string | undefined }
  | { kind: 'bad-request'; message: string };

// As express matches them: any case, an optional trailing slash; `:id` is one path segment.
const CAMERA_ROUTE = /^\/cameras\/([^/]+)\/(stream|snapshot\.jpg)\/?$/i;
const DEFAULT_STREAM = /^\/video_feed\/?$/i;
const DEFAULT_SNAPSHOT = /^\/snapshot\.jpg\/?$/i;

/**
 * Which stream or snapshot route `req` asks for (`camera` undefined: the default camera), or undefined
 * when it is for another route. These are served straight from node:http's `request` event, before
 * express: express gives every `req`/`res` another prototype, which slows each write for the life of a
 * stream. Only GET and HEAD: anything else is express's, which answers 404 as for any unknown route.
 */
export function matchHotRoute(req: IncomingMessage): HotRoute | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart < 0 ? url : url.slice(0, queryStart);
  if (DEFAULT_STREAM.test(path)) return { kind: 'stream', camera: undefined };
  if (DEFAULT_SNAPSHOT.test(path)) return { kind: 'snapshot', camera: undefined };
  if (path === '/' && queryStart >= 0) {
    // mjpg-streamer's routes; `/` without an action (the page), or with another, is express's.
    const actions = new URLSearchParams(url.slice(queryStart + 1)).getAll('action');
    if (actions.length === 1 && (actions[0] === 'stream' || actions[0] === 'snapshot')) {
      return { kind: actions[0], camera: undefined };
    }
    return undefined;
  }
  const match = CAMERA_ROUTE.exec(path);
  if (!match) return undefined;
  const kind = match[2]!.toLowerCase() === 'stream' ? 'stream' : 'snapshot';
  try {
    return { kind, camera: decodeURIComponent(match[1]!) };
  } catch {
    return { kind: 'bad-request', message: 'the URL is not valid: a malformed %-escape in the camera id' };
  }
}
