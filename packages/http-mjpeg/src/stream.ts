import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BaseCamera, CameraError, Frame, Viewer } from '@cam/core';
import { sendCameraError } from './errors.js';
import { NO_CACHE_HEADERS } from './headers.js';
import { CLOSE_DELIMITER, FIRST_DELIMITER, PART_END, partHeader, STREAM_CONTENT_TYPE } from './multipart.js';

export interface StreamHandlerOptions {
  /** Called when the camera fails while this viewer watches; the stream then ends. For logging. */
  onError?: (error: CameraError, req: IncomingMessage) => void;
}

const STREAM_HEADERS = { ...NO_CACHE_HEADERS, 'Content-Type': STREAM_CONTENT_TYPE, Connection: 'close' };

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A `(req, res)` handler that streams `camera` as Motion-JPEG until the client leaves. Headers go out
 * with the first frame, so a camera that cannot start is answered with a 503 instead of an empty stream.
 * A client whose socket has not drained the previous frame skips frames: it never has more than one
 * frame queued in this process.
 */
export function createStreamHandler(camera: BaseCamera, options: StreamHandlerOptions = {}): RequestHandler {
  return (req, res) => {
    let viewer: Viewer;
    try {
      viewer = camera.subscribe(req.socket.remoteAddress);
    } catch (error) {
      sendCameraError(res, error, camera.state.retryAt);
      return;
    }
    // Whoever ends the exchange (client gone, response finished), the viewer leaves at once.
    res.once('close', () => viewer.close());
    void pump(camera, viewer, req, res, options);
  };
}

async function pump(
  camera: BaseCamera,
  viewer: Viewer,
  req: IncomingMessage,
  res: ServerResponse,
  options: StreamHandlerOptions,
): Promise<void> {
  let frame: Frame;
  try {
    frame = await viewer.next();
  } catch (error) {
    if (!viewer.closed) {
      options.onError?.(error as CameraError, req);
      sendCameraError(res, error, camera.state.retryAt);
    }
    return;
  }
  res.writeHead(200, STREAM_HEADERS);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  res.write(FIRST_DELIMITER);
  for (;;) {
    writePart(res, frame);
    // A client that has not taken this frame yet gets no other: wait until the socket drains, then ask
    // for the newest frame, skipping the ones captured meanwhile. While it waits it does not ask, so,
    // as in the original, a client stuck for `viewerTimeout` stops counting as a viewer until it drains.
    if (res.writableNeedDrain) await drained(res);
    if (viewer.closed) return;
    try {
      frame = await viewer.next();
    } catch (error) {
      if (viewer.closed) return;
      options.onError?.(error as CameraError, req);
      res.end(CLOSE_DELIMITER);
      return;
    }
  }
}

/** Resolves when `res` drains or closes, whichever comes first, leaving no listener behind. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function writePart(res: ServerResponse, frame: Frame): void {
  // Corked, the three buffers leave in one write: the shared header, the shared JPEG, the shared delimiter.
  res.cork();
  res.write(partHeader(frame));
  res.write(frame.data);
  res.write(PART_END);
  res.uncork();
}
