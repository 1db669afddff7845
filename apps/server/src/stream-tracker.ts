import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Viewer } from '@cam/core';
import { backlogged } from '@cam/http-mjpeg';

/** One open stream: its response, and since when its socket has not drained (undefined: it drains). */
interface OpenStream {
  readonly res: ServerResponse;
  readonly socket: Socket;
  /** The camera's handle on this viewer, for its figures in the state. */
  viewer: Viewer;
  stalledSince: number | undefined;
}

export interface StreamTrackerOptions {
  /** At most this many streams and snapshot waiters in all. */
  maxTotal: number;
  /** A stream whose socket has not drained for this long (ms) is closed. */
  stalledViewerTimeout: number;
  /** Told how many stalled streams a sweep closed, for one log line per sweep rather than per viewer. */
  onStalledClosed?: (camera: string, count: number) => void;
}

/** How often streams are checked for a socket that does not drain: a few times per timeout, at most 1 s apart. */
function sweepInterval(timeout: number): number {
  return Math.max(10, Math.min(1000, Math.floor(timeout / 4)));
}

/**
 * What the HTTP layer knows of viewers, per camera: the open streams and the snapshot waiters
 * (`?after`), to enforce viewer caps; the bytes sent to streams, for metrics; and streams whose socket
 * stopped draining. A stream owns its connection (`Connection: close`), so its socket's `bytesWritten`
 * is its own. A client that stops reading pins up to megabytes of kernel buffers and, once the camera
 * has dropped it (5 s without asking), shows nowhere: such a stream is shown as stalled, then closed
 * after `stalledViewerTimeout`.
 */
export class StreamTracker {
  readonly #options: StreamTrackerOptions;
  readonly #streams = new Map<string, Set<OpenStream>>();
  readonly #waiters = new Map<string, number>();
  readonly #closedBytes = new Map<string, number>();
  readonly #stalledClosed = new Map<string, number>();
  readonly #sweep: NodeJS.Timeout;
  #total = 0;

  constructor(options: StreamTrackerOptions) {
    this.#options = options;
    this.#sweep = setInterval(() => this.#closeStalled(), sweepInterval(options.stalledViewerTimeout));
    this.#sweep.unref();
  }

  get maxTotal(): number {
    return this.#options.maxTotal;
  }

  /** Why a new viewer (stream or waiter) of camera `id` must be refused, or undefined when it may come. */
  refusal(id: string, maxForCamera: number | undefined): string | undefined {
    const { maxTotal } = this.#options;
    if (this.#total >= maxTotal) return `the server has its maximum of ${maxTotal} viewers`;
    const open = (this.#streams.get(id)?.size ?? 0) + (this.#waiters.get(id) ?? 0);
    if (maxForCamera !== undefined && open >= maxForCamera) {
      return `camera "${id}" has its maximum of ${maxForCamera} viewers`;
    }
    return undefined;
  }

  /** Counts `res` as a stream of camera `id` until it closes; `viewer` is the camera's handle on it. */
  track(id: string, res: ServerResponse, viewer: Viewer): void {
    const socket = res.socket;
    if (!socket) return;
    const open = this.#streams.get(id) ?? new Set();
    this.#streams.set(id, open);
    const stream: OpenStream = { res, socket, viewer, stalledSince: undefined };
    open.add(stream);
    this.#total += 1;
    const drained = () => {
      stream.stalledSince = undefined;
    };
    // The parts go straight to the socket (@cam/http-mjpeg), so it is the socket that drains.
    socket.on('drain', drained);
    res.once('close', () => {
      socket.off('drain', drained);
      open.delete(stream);
      this.#total -= 1;
      this.#closedBytes.set(id, (this.#closedBytes.get(id) ?? 0) + socket.bytesWritten);
    });
  }

  /** Counts `res`, a snapshot waiting for a new frame, as a viewer of camera `id` until it closes. */
  trackWaiter(id: string, res: ServerResponse): void {
    this.#waiters.set(id, (this.#waiters.get(id) ?? 0) + 1);
    this.#total += 1;
    res.once('close', () => {
      this.#waiters.set(id, this.#waiters.get(id)! - 1);
      this.#total -= 1;
    });
  }

  bytesSent(id: string): number {
    let bytes = this.#closedBytes.get(id) ?? 0;
    for (const stream of this.#streams.get(id) ?? []) bytes += stream.socket.bytesWritten;
    return bytes;
  }

  /** The streams of camera `id` whose socket has not drained for a while: viewer → since when (ms). */
  stalled(id: string): Map<Viewer, number> {
    const stalled = new Map<Viewer, number>();
    for (const stream of this.#streams.get(id) ?? []) {
      if (stream.stalledSince !== undefined) stalled.set(stream.viewer, stream.stalledSince);
    }
    return stalled;
  }

  /** How many streams of camera `id` are stalled now. */
  stalledCount(id: string): number {
    let count = 0;
    for (const stream of this.#streams.get(id) ?? []) if (stream.stalledSince !== undefined) count += 1;
    return count;
  }

  /** How many stalled streams of camera `id` were closed, since the start. */
  stalledClosed(id: string): number {
    return this.#stalledClosed.get(id) ?? 0;
  }

  /** Cuts every stream's connection at once: the last step of a shutdown. */
  destroyAll(): void {
    for (const open of this.#streams.values()) for (const stream of open) stream.socket.destroy();
  }

  /** Stops the stalled-stream checks. */
  stop(): void {
    clearInterval(this.#sweep);
  }

  #closeStalled(): void {
    const now = Date.now();
    const { stalledViewerTimeout, onStalledClosed } = this.#options;
    for (const [id, open] of this.#streams) {
      let closed = 0;
      for (const stream of open) {
        // Needing a drain with bytes still queued in this process: the kernel's buffers are full too.
        if (!backlogged(stream.res)) {
          stream.stalledSince = undefined;
          continue;
        }
        stream.stalledSince ??= now;
        if (now - stream.stalledSince < stalledViewerTimeout) continue;
        // A reset, not a close: the client reads nothing, so a FIN would wait behind megabytes of unsent
        // data that the kernel keeps for it; a reset frees them at once.
        stream.socket.resetAndDestroy();
        closed += 1;
      }
      if (closed) {
        this.#stalledClosed.set(id, this.stalledClosed(id) + closed);
        onStalledClosed?.(id, closed);
      }
    }
  }
}
