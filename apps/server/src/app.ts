import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  createSnapshotHandler,
  createStreamHandler,
  type RequestHandler,
  sendBadParameter,
} from '@cam/http-mjpeg';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { CameraEventStream } from './camera-events.js';
import { cameraState } from './camera-state.js';
import type { CameraEntry } from './cameras.js';
import { FrameSocketServer } from './frame-socket.js';
import { createHostCheck } from './host-check.js';
import { matchHotRoute } from './hot-routes.js';
import { type ClientErrorLog, createClientErrorLog, sendJsonError } from './json-errors.js';
import { defaultMaxViewers } from './limits.js';
import { createBytesSentMetric, createMetrics, createStalledViewerMetrics } from './metrics.js';
import { offlineFrames } from './offline-frames.js';
import { cameraPage, homePage } from './page.js';
import { createRecordingMetrics } from './recording-metrics.js';
import { recordingRoutes, withPlayback, withSnapshotAt } from './recordings.js';
import { StreamTracker } from './stream-tracker.js';
import { loadWebAssets } from './web-assets.js';

export interface AppOptions {
  /** At most this many viewers (streams and snapshot waiters) in all. Default: {@link defaultMaxViewers}. */
  maxViewers?: number;
  /** /readyz fails when a camera with viewers has had no frame for this long (ms). Default 10 000. */
  readyTimeout?: number;
  /** A stream whose socket has not drained for this long (ms) is closed. Default 30 000. */
  stalledViewerTimeout?: number;
  /** Names accepted in `Host` besides the machine's own; `'*'` accepts any. Default none. */
  allowedHosts?: readonly string[];
}

/** The server's routes, as one node:http `request` listener. */
export interface CamApp {
  /** Give it to `http.createServer`: stream and snapshot routes are served first, express the rest. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** Give it to the server's `upgrade` event: the web app's frame WebSocket (`/api/frames`). */
  readonly upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Cuts every stream's connection at once (the end of a shutdown). */
  destroyStreams(): void;
  /** Stops the app's timers. */
  close(): void;
}

/** Retry-After for a viewer refused by a cap: viewers come and go, so soon. */
const FULL_RETRY_AFTER_SECONDS = 10;

/** The stream and snapshot handlers of one camera. */
interface CameraRoutes {
  readonly entry: CameraEntry;
  readonly stream: RequestHandler;
  readonly snapshot: RequestHandler;
}

/**
 * The HTTP routes. The first camera is the default one, served at the original's routes (`/`,
 * `/video_feed`) and at mjpg-streamer's (`/?action=stream`, `/?action=snapshot`). Every request's `Host`
 * must be a name the server answers to; every error is JSON and tells nothing of the server's insides.
 */
export function createApp(entries: readonly CameraEntry[], logger: Logger, options: AppOptions = {}): CamApp {
  const logClientError = createClientErrorLog(logger);
  const streams = new StreamTracker({
    maxTotal: options.maxViewers ?? defaultMaxViewers(),
    stalledViewerTimeout: options.stalledViewerTimeout ?? 30_000,
    onStalledClosed: (camera, count) =>
      logger.warn({ camera, count }, `closed ${count} stalled viewer(s): their socket did not drain`),
  });
  const metrics = createMetrics(entries);
  const ids = entries.map((entry) => entry.id);
  createBytesSentMetric(metrics, (id) => streams.bytesSent(id), ids);
  createStalledViewerMetrics(metrics, streams, ids);
  createRecordingMetrics(metrics, entries);
  const readyTimeout = options.readyTimeout ?? 10_000;
  const hostAllowed = createHostCheck(options.allowedHosts ?? []);

  const routes = new Map<string, CameraRoutes>(
    entries.map((entry) => {
      const stream = createStreamHandler(entry.camera, {
        offlineFrame: offlineFrames(entry),
        onViewer: (viewer, _req, res) => streams.track(entry.id, res, viewer),
      });
      const snapshot = withSnapshotAt(entry, createSnapshotHandler(entry.camera));
      // `?at=` (recordings.ts): a recorded stream, behind the same caps as a live one
      const playable = withPlayback(entry, stream, streams, logger);
      return [
        entry.id,
        {
          entry,
          stream: capped(entry, playable, streams),
          snapshot: waitersCapped(entry, snapshot, streams),
        },
      ];
    }),
  );
  const defaultCamera = routes.get(entries[0]!.id)!;
  const unknownCamera = (res: ServerResponse, id: string) =>
    sendJsonError(res, 404, 'UNKNOWN_CAMERA', `no camera "${id}" (cameras: ${ids.join(', ')})`);
  const state = (entry: CameraEntry) => cameraState(entry, Date.now(), streams.stalled(entry.id));
  const events = new CameraEventStream(entries, state);
  const frameSocket = new FrameSocketServer(entries);
  const web = loadWebAssets();
  if (!web.files) logger.warn('the web app is not built (dist/web is missing): run pnpm build');

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.get('/', (req, res) => {
    const action = req.query.action;
    if (action === undefined) sendPage(res, homePage(ids, web.files));
    else sendBadParameter(res, 'action', 'stream or snapshot', action); // the good ones are hot routes
  });
  app.get('/cameras/:id', (req, res) => {
    const camera = routes.get(req.params.id);
    if (!camera) return unknownCamera(res, req.params.id);
    // Relative links on the page need the URL without a trailing slash.
    if (req.path.endsWith('/')) return res.redirect(301, `../${encodeURIComponent(req.params.id)}`);
    sendPage(res, cameraPage(camera.entry.id, ids, web.files));
  });
  app.use('/assets', web.handler);
  app.get('/api/events', (_req, res) => events.serve(res));
  app.get('/api/cameras', (_req, res) => {
    res.set('Cache-Control', 'no-cache').json({ cameras: entries.map(state) });
  });
  app.get('/api/cameras/:id', (req, res) => {
    const camera = routes.get(req.params.id);
    if (!camera) return unknownCamera(res, req.params.id);
    res.set('Cache-Control', 'no-cache').json(state(camera.entry));
  });

  app.use(recordingRoutes((id) => routes.get(id)?.entry, unknownCamera, logger));

  app.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-cache').json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const stalled = entries.filter((entry) => isStalled(entry, readyTimeout)).map((entry) => entry.id);
    res
      .status(stalled.length ? 503 : 200)
      .set('Cache-Control', 'no-cache')
      .json(stalled.length ? { status: 'stalled', cameras: stalled } : { status: 'ready' });
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.contentType).send(await metrics.metrics());
  });

  app.use((req, res) => {
    sendJsonError(res, 404, 'NOT_FOUND', `no route for ${req.method} ${req.path}`);
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    answerError(error, req, res, logger, logClientError);
  });

  return {
    listener(req, res) {
      if (!hostAllowed(req.headers.host)) {
        const message = `this server does not answer to the name ${JSON.stringify(req.headers.host)}`;
        logClientError(req, 'UNKNOWN_HOST', message);
        sendJsonError(res, 421, 'UNKNOWN_HOST', `${message}: add it to ALLOWED_HOSTS (allowedHosts)`);
        return;
      }
      const route = matchHotRoute(req);
      if (!route) {
        app(req, res);
        return;
      }
      if (route.kind === 'bad-request') {
        logClientError(req, 'BAD_REQUEST', route.message);
        sendJsonError(res, 400, 'BAD_REQUEST', route.message);
        return;
      }
      const camera = route.camera === undefined ? defaultCamera : routes.get(route.camera);
      if (!camera) return unknownCamera(res, route.camera!);
      camera[route.kind](req, res);
    },
    upgrade(req, socket, head) {
      if (!hostAllowed(req.headers.host) || !frameSocket.handleUpgrade(req, socket, head)) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      }
    },
    destroyStreams() {
      streams.destroyAll();
      frameSocket.close();
      events.close();
    },
    close() {
      streams.stop();
      frameSocket.close();
      events.close();
    },
  };
}

/**
 * Answers an error that reached express: a client's fault (a malformed %-escape in the URL, which the
 * router fails to decode) is a 400 and one rate-limited log line; anything else is the server's, a 500
 * logged in full. Neither response carries a stack or a path.
 */
function answerError(
  error: unknown,
  req: Request,
  res: Response,
  logger: Logger,
  logClientError: ClientErrorLog,
): void {
  const status = (error as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message =
      error instanceof URIError ? 'the URL is not valid: a malformed %-escape' : 'the request is not valid';
    logClientError(req, 'BAD_REQUEST', message);
    sendJsonError(res, 400, 'BAD_REQUEST', message);
    return;
  }
  logger.error({ err: error, method: req.method, url: req.originalUrl }, 'request failed');
  sendJsonError(res, 500, 'INTERNAL_ERROR', 'the server failed to answer this request');
}

/** A page of the web app: always revalidated, its assets cached for good (their names change). */
function sendPage(res: Response, html: string): void {
  res.type('html').set('Cache-Control', 'no-cache').send(html);
}

/** Answers 503 TOO_MANY_VIEWERS with Retry-After: the viewer is refused at once, others unaffected. */
function refuse(res: ServerResponse, refusal: string): void {
  sendJsonError(res, 503, 'TOO_MANY_VIEWERS', refusal, { 'Retry-After': String(FULL_RETRY_AFTER_SECONDS) });
}

/** The stream handler behind the viewer caps (the handler's onViewer tracks the streams it opens). */
function capped(entry: CameraEntry, stream: RequestHandler, streams: StreamTracker): RequestHandler {
  return (req, res) => {
    const refusal = streams.refusal(entry.id, entry.maxViewers);
    if (refusal) return refuse(res, refusal);
    stream(req, res);
  };
}

/** The snapshot handler with `?after` long-polls counted as viewers against the caps while they wait. */
function waitersCapped(entry: CameraEntry, snapshot: RequestHandler, streams: StreamTracker): RequestHandler {
  return (req, res) => {
    if (!hasParameter(req, 'after')) return snapshot(req, res);
    const refusal = streams.refusal(entry.id, entry.maxViewers);
    if (refusal) return refuse(res, refusal);
    streams.trackWaiter(entry.id, res);
    snapshot(req, res);
  };
}

function hasParameter(req: IncomingMessage, name: string): boolean {
  const url = req.url ?? '';
  const queryStart = url.indexOf('?');
  return queryStart >= 0 && new URLSearchParams(url.slice(queryStart + 1)).has(name);
}

/** A camera that viewers wait on but that has produced no frame, nor started, for `timeout` ms. */
function isStalled(entry: CameraEntry, timeout: number): boolean {
  const state = entry.camera.state;
  if (state.viewers === 0) return false;
  const lastSignOfLife = Math.max(state.lastFrameAt ?? 0, state.startedAt ?? 0);
  return Date.now() - lastSignOfLife > timeout;
}
