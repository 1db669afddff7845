import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BaseCamera, CameraError, Frame, Viewer } from '@cam/core';
import { backlogged, drained } from './drained.js';
import { sendCameraError } from './errors.js';
import { NO_CACHE_HEADERS } from './headers.js';
import { STREAM_CONTENT_TYPE } from './multipart.js';
import type { PartWriter } from './part-writer.js';
import { viewerSettings } from './stream-options.js';
import { DEFAULT_MAX_UNSENT_BYTES, limitUnsentBytes } from './unsent-limit.js';

export interface StreamHandlerOptions {
  /** Called when the camera fails while this viewer watches. For logging. */
  onError?: (error: CameraError, req: IncomingMessage) => void;
  /**
   * A JPEG to show while the camera is failing (its reason, its time). With it, streams stay open
   * through a failure: they show this frame while the camera retries, then live frames again. Return
   * the same Buffer for the same failure: it is then shared like any frame. Without it, a failure ends
   * the stream (and a camera that cannot start is answered 503).
   */
  offlineFrame?: (error: CameraError) => Buffer;
  /**
   * TCP_NOTSENT_LOWAT for each stream's socket (bytes; default 65 536; 0 leaves the system's): how much
   * may wait unsent in the kernel, so that a viewer on a slow link skips frames instead of being sent
   * old ones. Needs the optional dependency koffi on Linux; see unsent-limit.ts.
   */
  maxUnsentBytes?: number;
  /**
   * Called once the request has become a stream, with the camera viewer that serves it: for an app that
   * keeps its own books on streams (caps, stalled viewers). Not called for a request that is refused.
   */
  onViewer?: (viewer: Viewer, req: IncomingMessage, res: ServerResponse) => void;
}

const STREAM_HEADERS = { ...NO_CACHE_HEADERS, 'Content-Type': STREAM_CONTENT_TYPE, Connection: 'close' };

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A `(req, res)` handler that streams `camera` as Motion-JPEG until the client leaves. Headers go out
 * with the first frame, so a camera that cannot start is answered with a 503 instead of an empty stream
 * (or, with `offlineFrame`, with that frame). A client whose socket has not drained the previous frame
 * skips frames: it never has more than one frame queued in this process. `?fps=N` caps one client's
 * rate; Blink browsers get the next part's headers in advance, so they paint each frame at once.
 */
export function createStreamHandler(camera: BaseCamera, options: StreamHandlerOptions = {}): RequestHandler {
  return (req, res) => {
    const settings = viewerSettings(req, res);
    if (!settings) return;
    let viewer: Viewer;
    try {
      viewer = camera.subscribe(req.socket.remoteAddress);
    } catch (error) {
      sendCameraError(res, error, camera.state.retryAt);
      return;
    }
    // Whoever ends the exchange (client gone, response finished), the viewer leaves at once.
    res.once('close', () => viewer.close());
    options.onViewer?.(viewer, req, res);
    const maxUnsent = options.maxUnsentBytes ?? DEFAULT_MAX_UNSENT_BYTES;
    if (maxUnsent > 0) limitUnsentBytes(req.socket, maxUnsent);
    void new ViewerStream(camera, viewer, req, res, options, settings.parts, settings.fps).run();
  };
}

// The offline frames as Frames, so that their part headers are built once and shared like a frame's.
const offlineFrames = new WeakMap<Buffer, Frame>();

/** One client's stream: ask the camera for frames, write them, and whatever goes wrong, end cleanly. */
class ViewerStream {
  #started = false;
  #nextDueAt = 0;

  constructor(
    readonly camera: BaseCamera,
    readonly viewer: Viewer,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly options: StreamHandlerOptions,
    readonly parts: PartWriter,
    readonly fps: number | undefined,
  ) {}

  async run(): Promise<void> {
    const { camera, viewer, res, options } = this;
    const lastError = camera.state.status === 'error' ? camera.state.lastError : undefined;
    if (lastError && options.offlineFrame) {
      // A failing camera may retry only in a while: show why at once instead of a blank image.
      this.#write(this.#offline({ code: lastError.code, message: lastError.message } as CameraError));
      if (this.#ended) return;
    }
    for (;;) {
      let frame: Frame;
      try {
        frame = await viewer.next();
      } catch (error) {
        if (viewer.closed) return;
        const closed = (error as CameraError).code === 'CAMERA_CLOSED';
        if (!closed) options.onError?.(error as CameraError, this.req);
        if (!options.offlineFrame || closed) {
          if (this.#started) this.parts.close(res);
          else sendCameraError(res, error, camera.state.retryAt);
          return;
        }
        frame = this.#offline(error as CameraError); // then ask again: that retries the camera
      }
      if (this.fps !== undefined && frame.seq > 0 && frame.capturedAt < this.#nextDueAt) continue; // over ?fps
      this.#write(frame);
      if (this.#ended) return;
      // A client that has not taken this frame yet gets no other: wait until the socket drains, then ask
      // for the newest frame, skipping the ones captured meanwhile. While it waits it does not ask, so,
      // as in the original, a client stuck for `viewerTimeout` stops counting as a viewer until it drains.
      // (A frame above the high-water mark sets writableNeedDrain even when the kernel took it all at
      // once; then nothing is queued and waiting would only cost a promise per frame: apps/bench.)
      if (backlogged(res)) await drained(res);
      if (viewer.closed) return;
    }
  }

  get #ended(): boolean {
    return this.res.writableEnded || this.viewer.closed;
  }

  #write(frame: Frame): void {
    const { res } = this;
    if (!this.#started) {
      this.#started = true;
      // Close-delimited, not chunked: the body ends when the connection does (Connection: close), and the
      // multipart close delimiter already tells a client that the stream ended on purpose. Chunked
      // encoding would add a size line and a CRLF to every write of every viewer (apps/bench: about 15 %
      // of the CPU per frame). Every client reads it: ffmpeg, curl, browsers, VLC/OctoPrint-style parsers
      // (test/close-delimited.test.ts, and the server's tests).
      res.useChunkedEncodingByDefault = false;
      res.writeHead(200, STREAM_HEADERS);
      if (this.req.method === 'HEAD') {
        res.end();
        return;
      }
      this.parts.open(res);
    }
    const offline = frame.seq === 0; // an offline frame: not one of the camera's
    this.viewer.countSent(this.parts.frame(res, frame), offline ? 0 : 1);
    if (offline) return;
    if (this.fps !== undefined)
      this.#nextDueAt = Math.max(this.#nextDueAt, frame.capturedAt) + 1000 / this.fps - 2;
  }

  #offline(error: CameraError): Frame {
    const data = this.options.offlineFrame!(error);
    let frame = offlineFrames.get(data);
    if (!frame) {
      frame = { seq: 0, data, capturedAt: 0 };
      offlineFrames.set(data, frame);
    }
    return frame;
  }
}
