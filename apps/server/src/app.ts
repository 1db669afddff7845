import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CameraError } from '@cam/core';
import {
  createSnapshotHandler,
  createStreamHandler,
  type RequestHandler,
  sendBadParameter,
} from '@cam/http-mjpeg';
import express, { type Express, type Response } from 'express';
import type { Logger } from 'pino';
import { cameraState } from './camera-state.js';
import type { CameraEntry } from './cameras.js';
import { createBytesSentMetric, createMetrics } from './metrics.js';
import { offlineFrames } from './offline-frames.js';
import { indexPage } from './page.js';
import { StreamTracker } from './stream-tracker.js';

export interface AppOptions {
  /** At most this many stream viewers in all. */
  maxViewers?: number;
  /** /readyz fails when a camera with viewers has had no frame for this long (ms). Default 10 000. */
  readyTimeout?: number;
}

/** Retry-After for a viewer refused by a cap: viewers come and go, so soon. */
const FULL_RETRY_AFTER_SECONDS = 10;

/**
 * The HTTP routes. The first camera is the default one, served at the original's routes (`/`,
 * `/video_feed`) and at mjpg-streamer's (`/?action=stream`, `/?action=snapshot`).
 */
export function createApp(
  entries: readonly CameraEntry[],
  logger: Logger,
  options: AppOptions = {},
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const streams = new StreamTracker(options.maxViewers);
  const metrics = createMetrics(entries);
  createBytesSentMetric(
    metrics,
    (id) => streams.bytesSent(id),
    entries.map((entry) => entry.id),
  );
  const readyTimeout = options.readyTimeout ?? 10_000;

  const handlers = new Map(
    entries.map((entry) => {
      const onError = (error: CameraError) => {
        if (error.code !== 'CAMERA_CLOSED')
          logger.warn({ camera: entry.id, err: error }, 'stream ended by a camera error');
      };
      const stream = createStreamHandler(entry.camera, { onError, offlineFrame: offlineFrames(entry) });
      return [
        entry.id,
        { entry, stream: capped(entry, stream, streams), snapshot: createSnapshotHandler(entry.camera) },
      ] as const;
    }),
  );
  const defaultCamera = handlers.get(entries[0]!.id)!;

  app.get('/', (req, res) => {
    const action = req.query.action;
    if (action === undefined) {
      res
        .type('html')
        .set('Cache-Control', 'no-cache')
        .send(indexPage(`cam: ${defaultCamera.entry.id}`));
    } else if (action === 'stream') defaultCamera.stream(req, res);
    else if (action === 'snapshot') defaultCamera.snapshot(req, res);
    else sendBadParameter(res, 'action', 'stream or snapshot', action);
  });
  app.get('/video_feed', (req, res) => defaultCamera.stream(req, res));
  app.get('/snapshot.jpg', (req, res) => defaultCamera.snapshot(req, res));

  app.get('/cameras/:id/stream', (req, res) =>
    withCamera(req.params.id, res, (camera) => camera.stream(req, res)),
  );
  app.get('/cameras/:id/snapshot.jpg', (req, res) =>
    withCamera(req.params.id, res, (camera) => camera.snapshot(req, res)),
  );
  app.get('/api/cameras', (_req, res) => {
    res.set('Cache-Control', 'no-cache').json({ cameras: entries.map((entry) => cameraState(entry)) });
  });
  app.get('/api/cameras/:id', (req, res) =>
    withCamera(req.params.id, res, (camera) =>
      res.set('Cache-Control', 'no-cache').json(cameraState(camera.entry)),
    ),
  );

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
    res.status(404).json({ error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${req.path}` } });
  });

  function withCamera(id: string, res: Response, serve: (camera: typeof defaultCamera) => void): void {
    const camera = handlers.get(id);
    if (camera) serve(camera);
    else {
      const known = entries.map((entry) => entry.id).join(', ');
      res
        .status(404)
        .json({ error: { code: 'UNKNOWN_CAMERA', message: `no camera "${id}" (cameras: ${known})` } });
    }
  }
  return app;
}

/** The stream handler behind the viewer caps: a viewer over a cap is refused at once, others unaffected. */
function capped(entry: CameraEntry, stream: RequestHandler, streams: StreamTracker): RequestHandler {
  return (req: IncomingMessage, res: ServerResponse) => {
    const refusal = streams.refusal(entry.id, entry.maxViewers);
    if (refusal) {
      const body = JSON.stringify({ error: { code: 'TOO_MANY_VIEWERS', message: refusal } });
      res.writeHead(503, {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': Buffer.byteLength(body),
        'Retry-After': String(FULL_RETRY_AFTER_SECONDS),
        'Cache-Control': 'no-cache',
      });
      res.end(body);
      return;
    }
    streams.track(entry.id, res);
    stream(req, res);
  };
}

/** A camera that viewers wait on but that has produced no frame, nor started, for `timeout` ms. */
function isStalled(entry: CameraEntry, timeout: number): boolean {
  const state = entry.camera.state;
  if (state.viewers === 0) return false;
  const lastSignOfLife = Math.max(state.lastFrameAt ?? 0, state.startedAt ?? 0);
  return Date.now() - lastSignOfLife > timeout;
}
