import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { Auth, type Principal, parseAuthConfig, redactUrl } from '@cam/auth';
import {
  createSnapshotHandler,
  createStreamHandler,
  type RequestHandler,
  sendBadParameter,
} from '@cam/http-mjpeg';
import type express from 'express';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { CameraEventStream } from './camera-events.js';
import { cameraState } from './camera-state.js';
import type { CameraEntry } from './cameras.js';
import { FrameSocketServer } from './frame-socket.js';
import { type Admission, Guard } from './guard.js';
import { createHostCheck } from './host-check.js';
import { type HotRoute, matchHotRoute } from './hot-routes.js';
import { type ClientErrorLog, createClientErrorLog, sendJsonError } from './json-errors.js';
import { defaultMaxViewers } from './limits.js';
import { mintLinkRoute, rotateKeyRoute } from './link-routes.js';
import {
  countCameraEvents,
  createBytesSentMetric,
  createMetrics,
  createStalledViewerMetrics,
  type PromClient,
} from './metrics.js';
import { offlineFrames } from './offline-frames.js';
import { cameraPage, homePage } from './page.js';
import { createRecordingMetrics } from './recording-metrics.js';
import { recordingRoutes, withPlayback, withSnapshotAt } from './recordings.js';
import { decisionOf, principalOf, seesAddresses } from './request-principal.js';
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
  /** Users, sessions, links (`createAuth` from @cam/auth). Default: none, every request is allowed. */
  auth?: Auth;
  /** `/metrics` and `/readyz` open to anyone; otherwise for admins only. Default false. */
  metricsPublic?: boolean;
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

// express is loaded with the first request for one of its routes (a page, the API, /metrics, a 404), and
// prom-client with the first scrape, not at start: a server that only streams (to OctoPrint, to another
// cam, to a recorder) never needs them, and they cost the process about 5 MiB. Loaded with require, as
// they are CommonJS, so that the request that loads them is answered as every later one is, in the same
// tick for express.
const require = createRequire(import.meta.url);

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
  const ids = entries.map((entry) => entry.id);
  const cameraEvents = countCameraEvents(entries);
  // The registry, and prom-client with it, is made on the first scrape: its metrics are all read then.
  let registry: Registry | undefined;
  const metrics = () => {
    if (registry) return registry;
    const prom = require('prom-client') as PromClient;
    registry = createMetrics(prom, entries, cameraEvents);
    createBytesSentMetric(prom, registry, (id) => streams.bytesSent(id), ids);
    createStalledViewerMetrics(prom, registry, streams, ids);
    createRecordingMetrics(prom, registry, entries);
    return registry;
  };
  const readyTimeout = options.readyTimeout ?? 10_000;
  const hostAllowed = createHostCheck(options.allowedHosts ?? []);
  // Without an auth layer given: no users, every request allowed (as `anonymous`).
  const auth = options.auth ?? new Auth(parseAuthConfig(undefined), randomBytes(32).toString('base64url'));
  const guard = new Guard(
    auth,
    { metricsPublic: options.metricsPublic ?? false, defaultCamera: entries[0]!.id },
    logClientError,
  );

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
  // What a request may see: the cameras its user may view, viewers' addresses for admins only.
  const visible = (req: IncomingMessage) => {
    const principal = principalOf(req);
    return entries.filter((entry) => principal !== undefined && auth.mayView(principal, entry.id));
  };
  const redactedState = (entry: CameraEntry) => withoutAddresses(state(entry));
  // One of two functions, so that the events stream renders each state once per kind of client.
  const stateFor = (req: IncomingMessage) => (seesAddresses(principalOf(req)) ? state : redactedState);
  const account = (req: IncomingMessage) => accountOf(principalOf(req), auth.config.logoutPath);
  const events = new CameraEventStream(entries, state);
  const frameSocket = new FrameSocketServer(entries);
  const web = loadWebAssets();
  if (!web.files) logger.warn('the web app is not built (dist/web is missing): run pnpm build');

  /** Every route but the hot ones, on express; built on the first request for one of them. */
  function expressRoutes(express: typeof import('express')): Express {
    const app = express();
    app.disable('x-powered-by');
    app.set('query parser', 'simple');

    const sendPage = (res: Response, html: string) => {
      // A page of the web app: always revalidated (its assets are cached for good: their names change).
      res.type('html').set('Cache-Control', 'no-cache').set(auth.htmlHeaders()).send(html);
    };

    app.get('/', (req, res) => {
      const action = req.query.action;
      const shown = visible(req).map((entry) => entry.id);
      if (action === undefined) sendPage(res, homePage(shown, web.files, account(req)));
      else sendBadParameter(res, 'action', 'stream or snapshot', action); // the good ones are hot routes
    });
    app.get('/cameras/:id', (req, res) => {
      const camera = routes.get(req.params.id);
      if (!camera) return unknownCamera(res, req.params.id);
      // Relative links on the page need the URL without a trailing slash.
      if (req.path.endsWith('/')) return res.redirect(301, `../${encodeURIComponent(req.params.id)}`);
      const shown = visible(req).map((entry) => entry.id);
      sendPage(res, cameraPage(camera.entry.id, shown, web.files, account(req)));
    });
    app.use('/assets', web.handler(express.static));
    app.get('/api/events', (req, res) => {
      const shown = new Set(visible(req).map((entry) => entry.id));
      const decision = decisionOf(req);
      if (decision) auth.track(res, decision); // the events end with the session, as streams do
      events.serve(res, { shows: (entry) => shown.has(entry.id), state: stateFor(req) });
    });
    app.get('/api/cameras', (req, res) => {
      res.set('Cache-Control', 'no-cache').json({ cameras: visible(req).map(stateFor(req)) });
    });
    app.get('/api/cameras/:id', (req, res) => {
      const camera = routes.get(req.params.id);
      if (!camera) return unknownCamera(res, req.params.id);
      res.set('Cache-Control', 'no-cache').json(stateFor(req)(camera.entry));
    });
    app.post('/api/cameras/:id/links', express.json({ limit: '4kb' }), (req, res) => {
      const camera = routes.get(req.params.id);
      if (!camera) return unknownCamera(res, req.params.id);
      mintLinkRoute(auth, camera.entry.id, req, res);
    });
    app.post('/api/auth/rotate-key', (req, res, next) => {
      rotateKeyRoute(auth, logger, principalOf(req), res).catch(next);
    });

    app.use(recordingRoutes(express.Router, (id) => routes.get(id)?.entry, unknownCamera, logger));

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
      const scraped = metrics();
      res.set('Content-Type', scraped.contentType).send(await scraped.metrics());
    });

    app.use((req, res) => {
      sendJsonError(res, 404, 'NOT_FOUND', `no route for ${req.method} ${req.path}`);
    });
    app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
      answerError(error, req, res, logger, logClientError);
    });
    return app;
  }
  let expressApp: Express | undefined;
  const routesApp = () => {
    expressApp ??= expressRoutes(require('express') as typeof express);
    return expressApp;
  };

  /** Every route, the hot ones and express's, passes the one access check first. */
  function serve(req: IncomingMessage, res: ServerResponse): Promise<void> | undefined {
    if (!hostAllowed(req.headers.host)) {
      const message = `this server does not answer to the name ${JSON.stringify(req.headers.host)}`;
      logClientError(req, 'UNKNOWN_HOST', message);
      sendJsonError(res, 421, 'UNKNOWN_HOST', `${message}: add it to ALLOWED_HOSTS (allowedHosts)`);
      return undefined;
    }
    const route = matchHotRoute(req);
    if (route?.kind === 'bad-request') {
      logClientError(req, 'BAD_REQUEST', route.message);
      sendJsonError(res, 400, 'BAD_REQUEST', route.message);
      return undefined;
    }
    const admission = guard.admit(req, res, route);
    // Decided at once without users; with users, once the credentials are checked.
    if (admission instanceof Promise)
      return admission.then((admitted) => dispatch(req, res, route, admitted));
    dispatch(req, res, route, admission);
    return undefined;
  }

  function dispatch(
    req: IncomingMessage,
    res: ServerResponse,
    route: HotRoute | undefined,
    admission: Admission,
  ): void {
    if (!admission) return; // answered: a refusal, a preflight, the login page
    // A stream ends with the grant behind it: logout, a session's or link's expiry, a new key.
    if (route?.kind === 'stream' && admission.decision) auth.track(res, admission.decision);
    if (!route) {
      routesApp()(req, res);
      return;
    }
    if (route.kind === 'bad-request') return;
    const camera = route.camera === undefined ? defaultCamera : routes.get(route.camera);
    if (camera) camera[route.kind](req, res);
    else unknownCamera(res, route.camera!);
  }

  return {
    listener(req, res) {
      const failed = (error: unknown) =>
        answerError(error, req as Request, res as Response, logger, logClientError);
      try {
        serve(req, res)?.catch(failed);
      } catch (error) {
        failed(error); // e.g. express failing to load on its first request: a 500, not a hung request
      }
    },
    upgrade(req, socket, head) {
      const refuse = () =>
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      if (!hostAllowed(req.headers.host) || !frameSocket.handles(req)) return refuse();
      guard
        .admitUpgrade(req, socket)
        .then((decision) => {
          if (!decision) return;
          const shows = (id: string) => auth.mayView(decision.principal, id);
          // The grant tracker ends what it tracks with destroy() on 'close': a socket has both.
          if (frameSocket.handleUpgrade(req, socket, head, shows))
            auth.track(socket as unknown as ServerResponse, decision);
          else refuse();
        })
        .catch(() => socket.destroy());
    },
    destroyStreams() {
      streams.destroyAll();
      frameSocket.close();
      events.close();
    },
    close() {
      auth.close();
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
  const url = redactUrl(req.originalUrl ?? req.url ?? '/');
  logger.error({ err: error, method: req.method, url }, 'request failed');
  sendJsonError(res, 500, 'INTERNAL_ERROR', 'the server failed to answer this request');
}

/** A camera's state for someone who may not see who watches: the viewers without their addresses. */
function withoutAddresses(state: ReturnType<typeof cameraState>): ReturnType<typeof cameraState> {
  return { ...state, viewers: state.viewers.map((viewer) => ({ ...viewer, address: null })) };
}

/** The logged-in user a page names (with a logout button); none when auth is off or for a link. */
function accountOf(principal: Principal | undefined, logoutPath: string) {
  return principal?.kind === 'user' && principal.via === 'session'
    ? { name: principal.name, logoutPath }
    : undefined;
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

/** A camera that viewers (or its recorder) wait on but that has produced no frame, nor started, for `timeout` ms. */
function isStalled(entry: CameraEntry, timeout: number): boolean {
  const state = entry.camera.state;
  if (state.viewers === 0 && !entry.recorder) return false; // a recorder holds its camera without a viewer
  const lastSignOfLife = Math.max(state.lastFrameAt ?? 0, state.startedAt ?? 0);
  return Date.now() - lastSignOfLife > timeout;
}
