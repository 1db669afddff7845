import type { IncomingMessage, ServerResponse } from 'node:http';
import { delay, type Frame, isCameraError, type Viewer } from '@cam/core';
import { backlogged, drained, NO_CACHE_HEADERS, type PartWriter, STREAM_CONTENT_TYPE } from '@cam/http-mjpeg';
import type { Logger } from 'pino';
import type { CameraEntry } from './cameras.js';

const STREAM_HEADERS = { ...NO_CACHE_HEADERS, 'Content-Type': STREAM_CONTENT_TYPE, Connection: 'close' };

/** A frame to play: recorded ones have no `seq` (it is not stored), the camera's and the replay's do. */
interface PlayedFrame {
  capturedAt: number;
  data: Buffer;
  seq?: number;
}

export interface PlaybackRequest {
  /** Where to start, `Date.now()` ms. */
  at: number;
  speed: number;
  /** `?fps=N`: at most this many frames per second to this client. */
  fps: number | undefined;
  parts: PartWriter;
}

/**
 * A `?at=` stream: the frames captured from `at` on, at their original pace times `speed`, as an ordinary
 * Motion-JPEG stream, then live frames, in the same response. Frames come from the recording's files, then
 * from memory (`entry.replay`: the replay buffer, or the recorder's frames not yet on disk), then from the
 * camera: each source starts after the last frame played, so no frame is sent twice.
 *
 * Faster than real time (`speed` > 1) it plays on until it has caught up with the camera, missing no frame
 * at the joins. At real time or slower it could never catch up: it plays what was captured up to the
 * moment of the request (an instant replay of the last seconds, or everything since the time picked on a
 * timeline), then joins live with the camera's next frame, skipping what was captured while it played.
 *
 * The client is a viewer of the camera from the start (it counts, and its demand keeps a camera without
 * a recorder capturing into the replay buffer); the viewer keeps asking while recorded frames play.
 */
export class PlaybackStream {
  readonly #abort = new AbortController();
  #keeping = true;
  #nextDueAt = 0;
  /** The newest capture time played from the past: the request's moment when the replay cannot catch up. */
  readonly #until: number;

  constructor(
    readonly entry: CameraEntry,
    readonly viewer: Viewer,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly request: PlaybackRequest,
    readonly logger: Logger,
  ) {
    res.once('close', () => {
      this.#abort.abort();
      viewer.close();
    });
    this.#until = request.speed > 1 ? Number.POSITIVE_INFINITY : Date.now();
  }

  async run(): Promise<void> {
    const { res, request } = this;
    res.useChunkedEncodingByDefault = false; // close-delimited, as the live stream (see @cam/http-mjpeg)
    res.writeHead(200, STREAM_HEADERS);
    if (this.req.method === 'HEAD') {
      res.end();
      this.viewer.close();
      return;
    }
    request.parts.open(res);
    const keeping = this.#keepAsking();
    let last: PlayedFrame | undefined;
    try {
      const { pace } = await import('@cam/recorder'); // loaded already: this camera records or replays
      for await (const { frame } of pace(closeGaps(this.#recorded()), request.speed, this.#abort.signal)) {
        if (!(await this.#send(frame))) return;
        last = frame;
      }
      this.#keeping = false;
      await keeping;
      // Caught up: the keeper's last `next()` may have taken a frame after the replay's newest, so play
      // the replay's newer frames, if any, before asking for live ones. (Not when the past ended at the
      // request's moment: the next live frame follows.)
      if (this.#until === Number.POSITIVE_INFINITY) {
        for (const frame of this.entry.replay?.frames((last?.capturedAt ?? request.at - 1) + 1) ?? []) {
          if (!(await this.#send(frame))) return;
          last = frame;
        }
      }
      await this.#live(last);
    } catch (error) {
      if (this.#abort.signal.aborted || this.viewer.closed) return;
      this.logger.warn({ err: error, camera: this.entry.id }, 'a recorded stream failed');
      if (!res.writableEnded) request.parts.close(res);
    } finally {
      this.#keeping = false;
    }
  }

  /**
   * The frames from `at` to {@link #until}: the recording's, then the replay buffer's after the last one
   * of those.
   */
  async *#recorded(): AsyncGenerator<PlayedFrame> {
    const { recorder, replay } = this.entry;
    const { at } = this.request;
    const until = this.#until;
    let next = at;
    const inReplay = replay?.oldest !== undefined && replay.oldest <= at;
    if (recorder && !inReplay) {
      for await (const frame of recorder.index.frames(at)) {
        if (frame.capturedAt > until) return;
        yield frame;
        next = frame.capturedAt + 1;
      }
    }
    if (!replay) return;
    for (const frame of replay.frames(next)) {
      if (frame.capturedAt > until) return;
      yield frame;
    }
  }

  /** Live frames newer than `last`, until the client leaves or the camera closes. */
  async #live(last: PlayedFrame | undefined): Promise<void> {
    const { viewer, res, request } = this;
    for (;;) {
      let frame: Frame;
      try {
        frame = await viewer.next();
      } catch (error) {
        if (viewer.closed) return;
        if (isCameraError(error) && error.code === 'CAMERA_CLOSED') {
          request.parts.close(res);
          return;
        }
        await delay(1000, this.#abort.signal); // the camera failed: asking again retries it
        continue;
      }
      if (last && (frame.seq <= (last.seq ?? 0) || frame.capturedAt <= last.capturedAt)) continue;
      if (!(await this.#send(frame))) return;
      last = frame;
    }
  }

  /** While recorded frames play, the viewer keeps asking: the camera runs and the viewer is not dropped. */
  async #keepAsking(): Promise<void> {
    while (this.#keeping && !this.viewer.closed) {
      try {
        await this.viewer.next();
      } catch (error) {
        if (this.viewer.closed) return;
        if (isCameraError(error) && error.code === 'CAMERA_CLOSED') {
          // The server shuts down: end the stream on purpose, as live streams are ended.
          if (!this.res.writableEnded) this.request.parts.close(this.res);
          return;
        }
        await delay(1000, this.#abort.signal).catch(() => {});
      }
    }
  }

  /** Writes one frame (unless over `?fps`) and waits for the socket to drain; false once the client left. */
  async #send(frame: PlayedFrame): Promise<boolean> {
    const { res, request } = this;
    if (res.writableEnded || this.viewer.closed) return false;
    if (request.fps !== undefined) {
      if (frame.capturedAt < this.#nextDueAt) return true;
      this.#nextDueAt = Math.max(this.#nextDueAt, frame.capturedAt) + 1000 / request.fps - 2;
    }
    // The part writers cache each frame's part by the frame object: a recorded frame is its own object.
    const bytes = request.parts.frame(res, frame as Frame);
    this.viewer.countSent(bytes, 1);
    if (backlogged(res)) await drained(res);
    return !res.writableEnded && !this.viewer.closed;
  }
}

/** A pause in the recording longer than this plays as {@link GAP_PLAYED_MS}: nobody waits through a gap. */
const GAP_MS = 2000;
const GAP_PLAYED_MS = 100;

/** Frames with the time to pace them by (`capturedAt`), in which gaps are cut short. */
async function* closeGaps(
  frames: AsyncIterable<PlayedFrame>,
): AsyncGenerator<{ capturedAt: number; frame: PlayedFrame }> {
  let previous: number | undefined;
  let cut = 0;
  for await (const frame of frames) {
    if (previous !== undefined && frame.capturedAt - previous > GAP_MS)
      cut += frame.capturedAt - previous - GAP_PLAYED_MS;
    previous = frame.capturedAt;
    yield { capturedAt: frame.capturedAt - cut, frame };
  }
}
