import { CameraError, isCameraError } from './errors.js';
import type { Frame } from './frame.js';

/** What a CameraEvent tells the camera that owns it. */
export interface CameraEventHooks {
  /** A viewer asked for a frame: the camera should be running. */
  onDemand(): void;
  /** The number of viewers changed. */
  onViewerCountChange(count: number): void;
}

export interface CameraEventOptions {
  /** A viewer that has not asked for a frame for this long is forgotten (ms). Default 5000, as in the original. */
  viewerTimeout?: number;
}

interface Waiter {
  resolve(frame: Frame): void;
  reject(error: Error): void;
}

/**
 * Signals every waiting viewer that a new frame exists: the counterpart of the original `CameraEvent`,
 * which kept one `threading.Event` per client thread. Node has no client threads, so a client holds a
 * {@link Viewer} handle instead, and the "event" is the viewer's last seen sequence number:
 *
 * - a viewer never gets the same frame twice, and one faster than the camera waits;
 * - a viewer slower than the camera gets the newest frame next: it skips, never queues;
 * - a new viewer gets the newest existing frame at once;
 * - a viewer that closes is forgotten at once; one that stops asking is dropped after `viewerTimeout`.
 */
export class CameraEvent {
  readonly #hooks: CameraEventHooks;
  readonly #viewerTimeout: number;
  readonly #viewers = new Set<Viewer>();
  #latest: Frame | undefined;
  #framesSkipped = 0;
  #closedWith: CameraError | undefined;

  constructor(hooks: CameraEventHooks, options: CameraEventOptions = {}) {
    this.#hooks = hooks;
    this.#viewerTimeout = options.viewerTimeout ?? 5000;
  }

  /** The newest frame, or undefined when the camera has produced none since it last started. */
  get latest(): Frame | undefined {
    return this.#latest;
  }

  /** Frames that viewers, present or gone, missed because they were slower than the camera. */
  get framesSkipped(): number {
    return this.#framesSkipped;
  }

  get viewerCount(): number {
    return this.#viewers.size;
  }

  /** The viewers, for reporting. */
  viewers(): IterableIterator<Viewer> {
    return this.#viewers.values();
  }

  /** True while at least one viewer is waiting for a frame. */
  get hasWaiters(): boolean {
    for (const viewer of this.#viewers) if (viewer.isWaiting) return true;
    return false;
  }

  subscribe(label?: string): Viewer {
    if (this.#closedWith) throw this.#closedWith;
    const viewer = new Viewer(this, label);
    this.#join(viewer);
    return viewer;
  }

  /**
   * Hands `frame` to every waiting viewer that has not seen it (its `lastSeq` is lower: a poller that asked
   * for frames after a later `seq` keeps waiting), and drops the viewers that stopped asking.
   */
  publish(frame: Frame): void {
    this.#latest = frame;
    const staleBefore = Date.now() - this.#viewerTimeout;
    for (const viewer of this.#viewers) {
      if (viewer.isWaiting) {
        if (frame.seq > viewer.lastSeq) viewer._deliver(frame);
      } else if (viewer.lastAskedAt < staleBefore) this._leave(viewer);
    }
  }

  /** Releases every waiting viewer with `error`; they may ask again, which retries the camera. */
  fail(error: Error): void {
    for (const viewer of this.#viewers) viewer._reject(error);
  }

  /** Forgets the newest frame, so that no viewer gets a stale frame after the camera stopped. */
  forgetLatest(): void {
    this.#latest = undefined;
  }

  /** Releases every viewer with `error` for good; later subscriptions throw it. */
  close(error: CameraError): void {
    this.#closedWith = error;
    for (const viewer of this.#viewers) viewer._reject(error);
    const hadViewers = this.#viewers.size > 0;
    this.#viewers.clear();
    if (hadViewers) this.#hooks.onViewerCountChange(0);
  }

  /** @internal Called by a viewer that asks for a frame. */
  _ask(viewer: Viewer): Frame | undefined {
    if (this.#closedWith) throw this.#closedWith;
    if (!this.#viewers.has(viewer)) this.#join(viewer); // dropped for silence, and back: as the original
    this.#hooks.onDemand();
    const latest = this.#latest;
    return latest && latest.seq > viewer.lastSeq ? latest : undefined;
  }

  /** @internal */
  _countSkipped(frames: number): void {
    this.#framesSkipped += frames;
  }

  /** @internal */
  _leave(viewer: Viewer): void {
    if (this.#viewers.delete(viewer)) this.#hooks.onViewerCountChange(this.#viewers.size);
  }

  #join(viewer: Viewer): void {
    this.#viewers.add(viewer);
    this.#hooks.onViewerCountChange(this.#viewers.size);
  }
}

/**
 * One client's handle on a camera. Ask for frames with {@link Viewer.next} or `for await`; call
 * {@link Viewer.close} when the client goes away, so the camera can stop when nobody watches.
 */
export class Viewer implements AsyncIterable<Frame> {
  /** A caller's name for this viewer, such as the client's address. */
  readonly label: string | undefined;
  readonly connectedAt = Date.now();
  /** The sequence number of the last frame this viewer received (0: none yet). */
  lastSeq = 0;
  /** `Date.now()` when this viewer last asked for a frame. */
  lastAskedAt = Date.now();
  /** Frames this viewer received. */
  framesReceived = 0;
  /** Frames the camera captured that this viewer never received because it was slower. */
  framesSkipped = 0;
  /** Bytes sent to this viewer: kept by the adapter that sends the frames (e.g. `@cam/http-mjpeg`). */
  bytesSent = 0;
  /**
   * Camera frames actually sent to this viewer's client, kept by the adapter that sends them (e.g.
   * `@cam/http-mjpeg`). Can be lower than `framesReceived`: an adapter may drop a frame it received,
   * as a stream capped with `?fps` does.
   */
  framesSent = 0;
  readonly #event: CameraEvent;
  #waiter: Waiter | undefined;
  #closed = false;

  constructor(event: CameraEvent, label?: string) {
    this.#event = event;
    this.label = label;
  }

  get isWaiting(): boolean {
    return this.#waiter !== undefined;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Resolves with the next frame this viewer has not seen: at once if the camera has a newer frame than
   * the last one received, otherwise when the camera publishes one. Rejects with the camera's error when
   * the camera fails (asking again retries it), and with `CAMERA_CLOSED` when the camera or viewer closes.
   */
  next(): Promise<Frame> {
    if (this.#closed) return Promise.reject(viewerClosed());
    if (this.#waiter) throw new TypeError('Viewer.next() called again before the previous call settled');
    this.lastAskedAt = Date.now();
    let ready: Frame | undefined;
    try {
      ready = this.#event._ask(this);
    } catch (error) {
      return Promise.reject(error);
    }
    if (ready) return Promise.resolve(this.#receive(ready));
    return new Promise<Frame>((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Leaves the camera at once; a pending `next()` rejects with `CAMERA_CLOSED`. Safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this._reject(viewerClosed());
    this.#event._leave(this);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frame> {
    try {
      while (!this.#closed) {
        try {
          yield await this.next();
        } catch (error) {
          // The viewer or the whole camera closed: the loop simply ends. Camera failures are thrown.
          if (this.#closed || (isCameraError(error) && error.code === 'CAMERA_CLOSED')) return;
          throw error;
        }
      }
    } finally {
      this.close();
    }
  }

  /** @internal */
  _deliver(frame: Frame): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(this.#receive(frame));
  }

  /** @internal */
  _reject(error: Error): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(error);
  }

  #receive(frame: Frame): Frame {
    // Skips count between frames this viewer received (not from a position a poller asked to start after).
    if (this.framesReceived > 0 && frame.seq > this.lastSeq + 1) {
      const skipped = frame.seq - this.lastSeq - 1;
      this.framesSkipped += skipped;
      this.#event._countSkipped(skipped);
    }
    this.lastSeq = frame.seq;
    this.framesReceived += 1;
    return frame;
  }
}

function viewerClosed(): CameraError {
  return new CameraError('CAMERA_CLOSED', 'viewer closed');
}
