import type { BaseCamera, CameraError } from '@cam/core';
import { createSnapshotHandler, createStreamHandler } from '@cam/http-mjpeg';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { indexPage } from './page.js';

/** The HTTP routes of the original design, for one camera: `/`, `/video_feed`, `/snapshot.jpg`. */
export function createApp(camera: BaseCamera, logger: Logger): Express {
  const app = express();
  app.disable('x-powered-by');

  const onError = (error: CameraError) => {
    if (error.code !== 'CAMERA_CLOSED') logger.warn({ err: error }, 'stream ended by a camera error');
  };

  app.get('/', (_req, res) => {
    res
      .type('html')
      .set('Cache-Control', 'no-cache')
      .send(indexPage(`cam: ${camera.name}`));
  });
  app.get('/video_feed', createStreamHandler(camera, { onError }));
  app.get('/snapshot.jpg', createSnapshotHandler(camera));

  app.use((req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: `no route for ${req.method} ${req.path}` } });
  });
  return app;
}
