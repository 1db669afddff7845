import { EventEmitter } from 'node:events';
import { CameraEvent, type Viewer } from './camera-event.js';
import { CameraError, toCameraError } from './errors.js';
import { type Frame, looksLikeJpeg } from './frame.js';
import { retryDelay } from './retry.js';

export interface CameraOptions {
  /** Names the camera in errors and events. Default: the class name. */
  name?: string;
  /** Stop capturing after this long without demand (ms). Default 10 000, as in the original. */
  idleTimeout?: number;
  /** Forget a viewer that has not asked for a frame for this long (ms). Default 5000. */
  viewerTimeout?: number;
  /** First delay before retrying a failed camera (ms); it doubles on each failure in a row. Default 1000. */
  retryInitialDelay?: number;
  /** Longest delay between retries (ms). Default 30 000. */
  retryMaxDelay?: number;
  /**
   * Publish at most this many frames per second; frames the driver yields sooner are dropped. Default:
   * no cap. Better still, ask the driver for a lower rate where it has an option for it.
   */
  maxFps?: number;
}

/**
 * - `idle`: not capturing; the next demand starts it.
 * - `starting`: the driver is opening; no frame yet.
 * - `running`: frames are arriving.
 * - `stopping`: the driver's generator is being ended; a demand now restarts it once it has ended.
 * - `error`: the last run failed; the next demand retries after a backoff.
 * - `closed`: for good.
 */
export type CameraStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'error' | 'closed';

export interface CameraState {
  status: CameraStatus;
  viewers: number;
  framesCaptured: number;
  /** `Date.now()` when the current run started, while there is one. */
  startedAt: number | undefined;
  lastFrameAt: number | undefined;
  /** Frames that viewers missed because they were slower than the camera, in all. */
  framesSkipped: number;
  /** Frames per second over the last second or so of capture; 0 while not capturing. */
  fps: number;
  lastError: { code: string; message: string; at: number } | undefined;
  /** Failed runs in a row; reset by a frame. */
  failures: number;
  /** `Date.now()` when the next retry may start, while in `error` (the retry itself waits for demand). */
  retryAt: number | undefined;
}

export type StopReason = 'idle' | 'failed' | 'closed';

export interface CameraEvents {
  start: [];
  stop: [reason: StopReason];
  frame: [frame: Frame];
  failure: [error: CameraError];
  viewers: [count: number];
}

/**
 * The hub between one camera driver and any number of viewers. A driver subclasses it and implements
 * one method, {@link BaseCamera.frames}; the base class owns everything else:
 *
 * - capture starts on the first demand for a frame and stops after `idleTimeout` without demand, by
 *   ending the driver's generator so that its `finally` releases the device; the next demand restarts it;
 * - start and stop are serialized: a demand that arrives while the generator is ending waits for the end
 *   before the device is opened again, so it is never open twice;
 * - a driver error releases every waiting viewer with a {@link CameraError}, is recorded in
 *   {@link BaseCamera.state}, and the next demand retries after an exponential backoff;
 * - all state is per instance: any number of cameras run side by side.
 */
export abstract class BaseCamera extends EventEmitter<CameraEvents> {
  readonly name: string;
  readonly idleTimeout: number;
  readonly #retryInitialDelay: number;
  readonly #retryMaxDelay: number;
  /** The shortest time between published frames (ms), with 10 % leeway for jitter; 0 without a cap. */
  readonly #minFrameInterval: number;
  readonly #event: CameraEvent;
  #status: CameraStatus = 'idle';
  #run: { abort: AbortController; ended: Promise<void> } | undefined;
  #lastDemandAt = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #nextSeq = 1;
  #framesCaptured = 0;
  #startedAt: number | undefined;
  #lastFrameAt: number | undefined;
  /** Moving average of the time between frames (ms); undefined until two frames of a run arrived. */
  #frameInterval: number | undefined;
  #lastError: CameraState['lastError'];
  #failures = 0;
  #retryAt: number | undefined;

  constructor(options: CameraOptions = {}) {
    super();
    this.name = options.name ?? this.constructor.name;
    this.idleTimeout = positive(options.idleTimeout ?? 10_000, 'idleTimeout');
    this.#retryInitialDelay = positive(options.retryInitialDelay ?? 1000, 'retryInitialDelay');
    this.#retryMaxDelay = positive(options.retryMaxDelay ?? 30_000, 'retryMaxDelay');
    this.#minFrameInterval =
      options.maxFps === undefined
        ? 0
        : (1000 / positive(options.maxFps, 'maxFps', 'frames per second')) * 0.9;
    this.#event = new CameraEvent(
      {
        onDemand: () => this.#onDemand(),
        onViewerCountChange: (count) => this.emit('viewers', count),
      },
      { viewerTimeout: positive(options.viewerTimeout ?? 5000, 'viewerTimeout') },
    );
  }

  /**
   * The driver: yields JPEG frames, one `Buffer` each, for as long as it is iterated. Called each time
   * the camera starts. Release the device in a `finally` block: it runs when the camera stops. `signal`
   * aborts when the camera stops, so that a driver waiting for its device (a timer, a child process)
   * can stop waiting at once; errors thrown after that are ignored.
   */
  protected abstract frames(signal: AbortSignal): AsyncIterable<Buffer>;

  /** Adds a viewer. Its first `next()` starts the camera if it is idle. */
  subscribe(label?: string): Viewer {
    return this.#event.subscribe(label);
  }

  /** The newest frame, or undefined when the camera has none since it last started. */
  get latestFrame(): Frame | undefined {
    return this.#event.latest;
  }

  /** The viewers currently attached, for reporting. */
  viewers(): IterableIterator<Viewer> {
    return this.#event.viewers();
  }

  /**
   * One frame: the newest if the camera is running, otherwise the first after it starts. Counts as
   * demand. With `after`, only a frame whose `seq` is greater will do: the newest if it is, otherwise
   * the next one (cheap polling without duplicates). Rejects with `TIMEOUT` after `timeout` ms (default
   * 10 000) and with the camera's error.
   */
  async snapshot(timeout = 10_000, after = 0): Promise<Frame> {
    const viewer = this.subscribe('snapshot');
    viewer.lastSeq = after;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        viewer.next(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new CameraError('TIMEOUT', `no frame within ${timeout} ms`, { camera: this.name })),
            timeout,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
      viewer.close();
    }
  }

  get state(): CameraState {
    return {
      status: this.#status,
      viewers: this.#event.viewerCount,
      framesCaptured: this.#framesCaptured,
      startedAt: this.#startedAt,
      lastFrameAt: this.#lastFrameAt,
      fps: this.#run && this.#frameInterval ? 1000 / this.#frameInterval : 0,
      framesSkipped: this.#event.framesSkipped,
      lastError: this.#lastError,
      failures: this.#failures,
      retryAt: this.#retryAt,
    };
  }

  /** Stops capturing now, as an idle timeout would. Viewers stay; their next demand restarts it. */
  async stop(): Promise<void> {
    if (this.#status === 'closed') return;
    if (this.#status === 'error' && this.#event.hasWaiters) return; // its retry, after the backoff, serves them
    this.#clearTimers();
    this.#lastDemandAt = 0; // only a viewer that is waiting right now restarts it
    if (this.#status === 'error') this.#setStatus('idle');
    await this.#endRun('idle');
  }

  /** Stops capturing for good and releases every viewer with `CAMERA_CLOSED`. */
  async close(): Promise<void> {
    if (this.#status === 'closed') return;
    this.#setStatus('closed'); // first: nothing may start from here on
    this.#clearTimers();
    this.#event.close(new CameraError('CAMERA_CLOSED', 'camera closed', { camera: this.name }));
    await this.#endRun('closed');
  }

  #onDemand(): void {
    this.#lastDemandAt = Date.now();
    // Hot path (every frame of every viewer): no timer churn. A pending check reschedules itself from
    // #lastDemandAt when it fires.
    if (!this.#idleTimer) this.#armIdleTimer();
    if (this.#status === 'idle') this.#start();
    else if (this.#status === 'error') this.#armRetry();
    // 'stopping': #endRun restarts once the generator has ended, because demand is recent.
  }

  #start(): void {
    if (this.#status === 'closed') return;
    this.#setStatus('starting');
    this.#armIdleTimer(); // stop() clears it; a run must never be left without one
    this.#startedAt = Date.now();
    this.emit('start');
    const abort = new AbortController();
    const ended = this.#capture(abort.signal).then((failure) => this.#afterRun(abort.signal, failure));
    this.#run = { abort, ended };
  }

  /** Iterates the driver until it fails or the signal aborts; resolves with the failure, if any. */
  async #capture(signal: AbortSignal): Promise<CameraError | undefined> {
    let iterator: AsyncIterator<Buffer> | undefined;
    let failure: CameraError | undefined;
    try {
      iterator = this.frames(signal)[Symbol.asyncIterator]();
      while (!signal.aborted) {
        const result = await iterator.next();
        if (signal.aborted) break;
        if (result.done) {
          failure = new CameraError('SOURCE_ENDED', 'the driver stopped producing frames', {
            camera: this.name,
          });
          break;
        }
        if (!looksLikeJpeg(result.value)) {
          failure = new CameraError(
            'INVALID_FRAME',
            'the driver yielded something that is not a JPEG Buffer',
            {
              camera: this.name,
            },
          );
          break;
        }
        this.#publish(result.value);
      }
    } catch (error) {
      if (!signal.aborted) failure = toCameraError(error, this.name);
    } finally {
      // Runs the driver's `finally`, which releases the device. Its errors while stopping are not news.
      try {
        await iterator?.return?.();
      } catch (error) {
        failure ??= signal.aborted ? undefined : toCameraError(error, this.name);
      }
    }
    return failure;
  }

  #publish(data: Buffer): void {
    const now = Date.now();
    if (this.#minFrameInterval && this.#lastFrameAt !== undefined && this.#status === 'running') {
      if (now - this.#lastFrameAt < this.#minFrameInterval) return; // over maxFps: drop it
    }
    const frame: Frame = { seq: this.#nextSeq++, data, capturedAt: now };
    this.#framesCaptured += 1;
    if (this.#status === 'starting') {
      this.#setStatus('running');
      this.#frameInterval = undefined;
    } else if (this.#lastFrameAt !== undefined) {
      const interval = Math.max(1, frame.capturedAt - this.#lastFrameAt);
      // An average over roughly the last 10 frames: steady enough to read, quick to follow a change.
      this.#frameInterval =
        this.#frameInterval === undefined ? interval : this.#frameInterval * 0.9 + interval * 0.1;
    }
    this.#lastFrameAt = frame.capturedAt;
    if (this.#event.hasWaiters) this.#lastDemandAt = frame.capturedAt; // they were demanding until now
    this.#failures = 0;
    this.#event.publish(frame);
    this.emit('frame', frame);
  }

  #afterRun(signal: AbortSignal, failure: CameraError | undefined): void {
    this.#run = undefined;
    this.#startedAt = undefined;
    this.#event.forgetLatest();
    if (signal.aborted || this.#status === 'closed') return; // #endRun asked for this end and finishes it
    const error = failure ?? new CameraError('SOURCE_ENDED', 'the driver ended', { camera: this.name });
    this.#failures += 1;
    this.#lastError = { code: error.code, message: error.message, at: Date.now() };
    this.#setStatus('error');
    this.#retryAt = this.#nextRetryAt(); // known now, so that callers can say when to come back
    this.emit('failure', error);
    this.emit('stop', 'failed');
    this.#event.fail(error); // released viewers that ask again trigger the retry
  }

  /** Ends the current run, if any, and waits until the driver's generator has finished. */
  async #endRun(reason: StopReason): Promise<void> {
    const run = this.#run;
    if (!run) return;
    if (run.abort.signal.aborted && reason !== 'closed') return run.ended; // already being ended, and restarted
    if (this.#status !== 'closed') this.#setStatus('stopping');
    this.#event.forgetLatest(); // a viewer arriving now must wait for a fresh frame, not get a stale one
    run.abort.abort();
    await run.ended;
    if (this.#status === 'closed' && reason !== 'closed') return; // close() reports this end itself
    this.emit('stop', reason);
    if (this.#status === 'closed') return;
    this.#setStatus('idle');
    if (this.#hasDemand()) this.#start(); // a viewer arrived while the device was being released
  }

  #hasDemand(): boolean {
    return this.#event.hasWaiters || Date.now() - this.#lastDemandAt < this.idleTimeout;
  }

  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#onIdleCheck(), this.idleTimeout);
    this.#idleTimer.unref();
  }

  #onIdleCheck(): void {
    this.#idleTimer = undefined;
    if (this.#event.hasWaiters) {
      this.#armIdleTimer(); // a viewer is still waiting: that is demand
      return;
    }
    const quietFor = Date.now() - this.#lastDemandAt;
    if (quietFor < this.idleTimeout) {
      this.#idleTimer = setTimeout(() => this.#onIdleCheck(), this.idleTimeout - quietFor);
      this.#idleTimer.unref();
      return;
    }
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#retryAt = undefined;
    if (this.#status === 'error') this.#setStatus('idle');
    else void this.#endRun('idle');
  }

  #armRetry(): void {
    if (this.#retryTimer || this.#status !== 'error') return;
    const at = this.#nextRetryAt();
    this.#retryAt = at;
    this.#retryTimer = setTimeout(
      () => {
        this.#retryTimer = undefined;
        this.#retryAt = undefined;
        if (this.#status === 'error' && this.#hasDemand()) this.#start();
      },
      Math.max(0, at - Date.now()),
    );
    this.#retryTimer.unref();
  }

  #nextRetryAt(): number {
    return (
      (this.#lastError?.at ?? 0) + retryDelay(this.#failures, this.#retryInitialDelay, this.#retryMaxDelay)
    );
  }

  #clearTimers(): void {
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#retryTimer);
    this.#idleTimer = undefined;
    this.#retryTimer = undefined;
    this.#retryAt = undefined;
  }

  #setStatus(status: CameraStatus): void {
    this.#status = status;
  }
}

function positive(value: number, name: string, unit = 'milliseconds'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number of ${unit}, got ${String(value)}`);
  }
  return value;
}
