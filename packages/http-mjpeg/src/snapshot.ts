import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { BaseCamera, Frame } from '@cam/core';
import { sendCameraError } from './errors.js';
import { readQuery } from './query.js';
import type { RequestHandler } from './stream.js';

export interface SnapshotHandlerOptions {
  /** How long to wait for a frame: when the camera is idle and has to start, or for `?after` (ms). Default 10 000. */
  timeout?: number;
}

/**
 * A `(req, res)` handler that answers one JPEG: the newest frame, or the first one after starting an
 * idle camera (a snapshot counts as demand). 503 with a JSON error when the camera fails or no frame
 * arrives in time.
 *
 * Made for polling: the `ETag` names the frame, so `If-None-Match` with the current frame's tag answers
 * `304`; `?after=<seq>` waits (up to `timeout`) for a frame newer than `seq` and answers `304` if none
 * came. `X-Frame-Seq` carries the frame's sequence number for the next `?after`.
 */
export function createSnapshotHandler(
  camera: BaseCamera,
  options: SnapshotHandlerOptions = {},
): RequestHandler {
  const timeout = options.timeout ?? 10_000;
  // Sequence numbers start again at 1 in a new process: the tag must not match a frame of another run.
  const run = randomBytes(6).toString('base64url');
  const etagOf = (frame: Frame) => `"${run}-${frame.seq}"`;

  return (req, res) => {
    const query = readQuery(req, res, (read) => ({
      after: read.number('after', { integer: true, min: 0 }),
    }));
    if (!query) return;
    const { after } = query;
    camera.snapshot(timeout, after).then(
      (frame) => {
        const etag = etagOf(frame);
        const headers = {
          'Cache-Control': 'no-cache', // may be stored, but revalidated with the ETag every time
          ETag: etag,
          'X-Frame-Seq': String(frame.seq),
        };
        if (matches(req, etag)) {
          res.writeHead(304, headers);
          res.end();
          return;
        }
        res.writeHead(200, { ...headers, 'Content-Type': 'image/jpeg', 'Content-Length': frame.data.length });
        res.end(frame.data);
      },
      (error: unknown) => {
        const latest = camera.latestFrame;
        if (after !== undefined && (error as { code?: string })?.code === 'TIMEOUT' && latest) {
          // Polling with ?after and nothing newer came: not an error, "not modified".
          res.writeHead(304, {
            'Cache-Control': 'no-cache',
            ETag: etagOf(latest),
            'X-Frame-Seq': String(latest.seq),
          });
          res.end();
          return;
        }
        sendCameraError(res, error, camera.state.retryAt);
      },
    );
  };
}

function matches(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  return header === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
