import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Counts the open streams per camera, to enforce viewer caps, and the bytes sent to them, for metrics.
 * A stream owns its connection (`Connection: close`), so its socket's `bytesWritten` is its own.
 */
export class StreamTracker {
  readonly #maxTotal: number | undefined;
  readonly #open = new Map<string, Set<Socket>>();
  readonly #closedBytes = new Map<string, number>();
  #total = 0;

  constructor(maxTotal: number | undefined) {
    this.#maxTotal = maxTotal;
  }

  /** Why a new stream of camera `id` must be refused, or undefined when it may open. */
  refusal(id: string, maxForCamera: number | undefined): string | undefined {
    if (this.#maxTotal !== undefined && this.#total >= this.#maxTotal) {
      return `the server has its maximum of ${this.#maxTotal} viewers`;
    }
    const open = this.#open.get(id)?.size ?? 0;
    if (maxForCamera !== undefined && open >= maxForCamera) {
      return `camera "${id}" has its maximum of ${maxForCamera} viewers`;
    }
    return undefined;
  }

  /** Counts `res` as a stream of camera `id` until it closes. */
  track(id: string, res: ServerResponse): void {
    const socket = res.socket;
    if (!socket) return;
    const open = this.#open.get(id) ?? new Set();
    this.#open.set(id, open);
    open.add(socket);
    this.#total += 1;
    res.once('close', () => {
      open.delete(socket);
      this.#total -= 1;
      this.#closedBytes.set(id, (this.#closedBytes.get(id) ?? 0) + socket.bytesWritten);
    });
  }

  bytesSent(id: string): number {
    let bytes = this.#closedBytes.get(id) ?? 0;
    for (const socket of this.#open.get(id) ?? []) bytes += socket.bytesWritten;
    return bytes;
  }
}
