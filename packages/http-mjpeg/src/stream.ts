import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BaseCamera, CameraError, Frame, Viewer } from '@cam/core';
import { sendCameraError } from './errors.js';
import { NO_CACHE_HEADERS } from './headers.js';
import { CLOSE_DELIMITER, FIRST_DELIMITER, PART_END, partHeader, STREAM_CONTENT_TYPE } from './multipart.js';

export interface StreamHandlerOptions {
  /** Called when the camera fails while this viewer watches; the stream then ends. For logging. */
  onError?: (error: CameraError, req: IncomingMessage) => void;
}

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
      sendCameraError(res, error);
      return;
    }
    // Whoever ends the exchange (client gone, response finished), the viewer leaves at once.
    res.once('close', () => viewer.close());
    void pump(viewer, req, res, options);
  };
}

async function pump(
  viewer: Viewer,
  req: IncomingMessage,
  res: ServerResponse,
  options: StreamHandlerOptions,
) {
  let frame: Frame;
  try {
    frame = await viewer.next();
  } catch (error) {
    if (!viewer.closed) {
      options.onError?.(error as CameraError, req);
      sendCameraError(res, error);
    }
    return;
  }
  res.writeHead(200, { ...NO_CACHE_HEADERS, 'Content-Type': STREAM_CONTENT_TYPE, Connection: 'close' });
  res.write(FIRST_DELIMITER);
  for (;;) {
    if (res.writableNeedDrain) {
      viewer.framesSkipped += 1; // the socket still holds an earlier frame: skip this one
    } else {
      writePart(res, frame);
    }
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

function writePart(res: ServerResponse, frame: Frame): void {
  // Corked, the three buffers leave in one write: the shared header, the shared JPEG, the shared delimiter.
  res.cork();
  res.write(partHeader(frame));
  res.write(frame.data);
  res.write(PART_END);
  res.uncork();
}
