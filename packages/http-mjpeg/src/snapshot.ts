import type { BaseCamera } from '@cam/core';
import { sendCameraError } from './errors.js';
import { NO_CACHE_HEADERS } from './headers.js';
import type { RequestHandler } from './stream.js';

export interface SnapshotHandlerOptions {
  /** How long to wait for a frame when the camera is idle and has to start (ms). Default 10 000. */
  timeout?: number;
}

/**
 * A `(req, res)` handler that answers one JPEG: the newest frame, or the first one after starting an
 * idle camera. 503 with a JSON error when the camera fails or no frame arrives in time.
 */
export function createSnapshotHandler(
  camera: BaseCamera,
  options: SnapshotHandlerOptions = {},
): RequestHandler {
  const timeout = options.timeout ?? 10_000;
  return (_req, res) => {
    camera.snapshot(timeout).then(
      (frame) => {
        res.writeHead(200, {
          ...NO_CACHE_HEADERS,
          'Content-Type': 'image/jpeg',
          'Content-Length': frame.data.length,
        });
        res.end(frame.data);
      },
      (error: unknown) => sendCameraError(res, error, camera.state.retryAt),
    );
  };
}
