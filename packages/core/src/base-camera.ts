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
  /**
   * A run that has not yielded its first frame this long after it started (ms) fails with `TIMEOUT`, as
   * any failure: waiting viewers are released and the next demand retries after the backoff. Default
   * 10 000.
   */
  startTimeout?: number;
  /**
   * A running camera that yields no frame for this long (ms), or for three of its average frame intervals
   * if that is longer, fails with `TIMEOUT`: a device that stopped sending without an error. Default 5000.
   */
  stallTimeout?: number;
  /**
   * How long a run that is being ended (idle stop, failure, `close()`) may take to finish its generator
   * (ms). A driver that ignores its abort signal, or whose `finally` never ends, is then abandoned: the
   * camera emits `'abandoned'` and the next demand starts a fresh run. Default 3000.
   */
  stopTimeout?: number;
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
  /**
   * Frames per second, averaged over roughly the last 10 frames; 0 while not running, and once no frame
   * has arrived for twice the average interval.
   */
  fps: number;
  lastError: { code: string; message: string; at: number } | undefined;
  /** Failed runs in a row; reset by a frame. */
  failures: number;
  /** `Date.now()` when the next retry may start, while in `error` (the retry itself waits for demand). */
  retryAt: number | undefined;
  /** Watchdog firings since the camera was created: runs failed by `startTimeout` or `stallTimeout`. */
  timeouts: number;
  /**
   * Runs abandoned since the camera was created: their driver did not finish within `stopTimeout` of
   * being asked to end. Each may still hold its device, or leak what its `finally` would have released.
   */
  abandonedRuns: number;
}

export type StopReason = 'idle' | 'failed' | 'closed';

/** A standing demand from {@link BaseCamera.keepRunning}. */
export interface CameraHold {
  /** Ends this demand; the camera's idle stop applies again once no other demand remains. Safe to call twice. */
  release(): void;
}

export interface CameraEvents {
  start: [];
  stop: [reason: StopReason];
  /**
   * A run was given up after `stopTimeout`: its driver had not finished `waited` ms after it was asked to
   * end for `reason`. Emitted once per such run; the camera goes on as if the run had ended.
   */
  abandoned: [info: { reason: StopReason; waited: number }];
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
 * - a driver that goes quiet without an error (no first frame within `startTimeout`, no frame for
 *   `stallTimeout` while running) fails the same way, with `TIMEOUT`;
 * - a driver that does not finish within `stopTimeout` of being asked to end is abandoned, so that
 *   neither a restart nor `close()` waits for it forever;
 * - all state is per instance: any number of cameras run side by side.
 */
export abstract class BaseCamera extends EventEmitter<CameraEvents> {
  readonly name: string;
  readonly idleTimeout: number;
  readonly startTimeout: number;
  readonly stallTimeout: number;
  readonly stopTimeout: number;
  readonly #retryInitialDelay: number;
  readonly #retryMaxDelay: number;
  /** The shortest time between published frames (ms), with 10 % leeway for jitter; 0 without a cap. */
  readonly #minFrameInterval: number;
  readonly #event: CameraEvent;
  #status: CameraStatus = 'idle';
  /** The current run; it stays here after being asked to end, until it has ended or been abandoned. */
  #run: Run | undefined;
  #lastDemandAt = 0;
  /** Holds from {@link keepRunning} not yet released: a standing demand, without a viewer or a promise. */
  #holds = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  /** The start or stall watchdog of the current run: one pending timer that re-checks when it fires. */
  #watchdogTimer: NodeJS.Timeout | undefined;
  #nextSeq = 1;
  #framesCaptured = 0;
  #startedAt: number | undefined;
  #lastFrameAt: number | undefined;
  /** Moving average of the time between frames (ms); undefined until two frames of a run arrived. */
  #frameInterval: number | undefined;
  #lastError: CameraState['lastError'];
  #failures = 0;
  #retryAt: number | undefined;
  #timeouts = 0;
  #abandonedRuns = 0;

  constructor(options: CameraOptions = {}) {
    super();
    this.name = options.name ?? this.constructor.name;
    this.idleTimeout = positive(options.idleTimeout ?? 10_000, 'idleTimeout');
    this.startTimeout = positive(options.startTimeout ?? 10_000, 'startTimeout');
    this.stallTimeout = positive(options.stallTimeout ?? 5000, 'stallTimeout');
    this.stopTimeout = positive(options.stopTimeout ?? 3000, 'stopTimeout');
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
   * aborts when the camera stops (idle, failure, watchdog, close), so that a driver waiting for its
   * device (a timer, a child process) can stop waiting at once; errors thrown after that are ignored. A
   * generator that has not finished `stopTimeout` ms after the abort is abandoned.
   */
  protected abstract frames(signal: AbortSignal): AsyncIterable<Buffer>;

  /**
   * Optional: a few words that the `TIMEOUT` failure of a start or stall watchdog appends to its message,
   * such as what the device last reported (`rpicam-vid last said: ...`). Called only when one fires.
   */
  protected describeTimeout(): string | undefined {
    return undefined;
  }

  /** Adds a viewer. Its first `next()` starts the camera if it is idle. */
  subscribe(label?: string): Viewer {
    return this.#event.subscribe(label);
  }

  /**
   * Keeps the camera capturing until `release()`, as a viewer that always waits would, but without a
   * viewer: no promise per frame and no place in `viewers()` or `state.viewers`. For a consumer that takes
   * every frame from the `'frame'` event, such as a recorder. It starts the camera if it is idle, holds off
   * the idle stop, and after a failure the camera retries by itself once the backoff has passed. Once every
   * hold is released, the idle stop counts from that moment. On a closed camera it has no effect.
   */
  keepRunning(): CameraHold {
    let released = false;
    this.#holds += 1;
    this.#onDemand();
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#holds -= 1;
        // It demanded until now: the idle timer, armed while the camera runs, counts from here.
        if (this.#holds === 0) this.#lastDemandAt = Date.now();
      },
    };
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
    const viewer = this.#event.subscribe('snapshot', { after });
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
      fps: this.#currentFps(),
      framesSkipped: this.#event.framesSkipped,
      lastError: this.#lastError,
      failures: this.#failures,
      retryAt: this.#retryAt,
      timeouts: this.#timeouts,
      abandonedRuns: this.#abandonedRuns,
    };
  }

  /**
   * Stops capturing now, as an idle timeout would. Viewers stay; their next demand restarts it. Resolves
   * once the driver has finished, or has been abandoned after `stopTimeout`.
   */
  async stop(): Promise<void> {
    if (this.#status === 'closed') return;
    if (this.#status === 'error' && this.#isDemanded()) return; // its retry, after the backoff, serves them
    this.#clearTimers();
    this.#lastDemandAt = 0; // only a viewer that is waiting right now restarts it
    if (this.#status === 'error') this.#setStatus('idle');
    await this.#endRun('idle');
  }

  /**
   * Stops capturing for good and releases every viewer with `CAMERA_CLOSED`. Resolves once the driver has
   * finished, or within `stopTimeout` whatever the driver does.
   */
  async close(): Promise<void> {
    if (this.#status === 'closed') return;
    this.#setStatus('closed'); // first: nothing may start from here on
    this.#clearTimers();
    this.#event.close(new CameraError('CAMERA_CLOSED', 'camera closed', { camera: this.name }));
    await this.#endRun('closed');
  }

  #onDemand(): void {
    if (this.#status === 'closed') return;
    this.#lastDemandAt = Date.now();
    // Hot path (every frame of every viewer): no timer churn. A pending check reschedules itself from
    // #lastDemandAt when it fires.
    if (!this.#idleTimer) this.#armIdleTimer();
    if (this.#status === 'idle') this.#start();
    else if (this.#status === 'error') this.#armRetry();
    // 'stopping': the run's end restarts it, because demand is recent.
  }

  #start(): void {
    if (this.#status === 'closed') return;
    if (this.#run) {
      // A failed run is still ending (its driver ignores the abort, or its finally is slow): open the
      // device again only once it has ended or been abandoned.
      this.#setStatus('stopping');
      void this.#run.ended.then(() => {
        if (this.#status !== 'stopping' || this.#run) return; // closed, or another path restarted it
        this.#setStatus('idle');
        if (this.#hasDemand()) this.#start();
      });
      return;
    }
    this.#setStatus('starting');
    this.#armIdleTimer(); // stop() clears it; a run must never be left without one
    this.#startedAt = Date.now();
    this.emit('start');
    let markEnded!: () => void;
    const run: Run = {
      abort: new AbortController(),
      ended: new Promise<void>((resolve) => {
        markEnded = resolve;
      }),
      markEnded,
      frames: 0,
      interrupt: undefined,
      endReason: undefined,
      endRequestedAt: 0,
      abandonTimer: undefined,
      settled: false,
    };
    this.#run = run;
    this.#armWatchdog(run, this.startTimeout);
    void this.#capture(run).then(() => this.#settle(run));
  }

  /** Iterates the driver until it fails or the run is asked to end, then ends the driver's generator. */
  async #capture(run: Run): Promise<void> {
    let iterator: AsyncIterator<Buffer> | undefined;
    try {
      iterator = this.frames(run.abort.signal)[Symbol.asyncIterator]();
      for (;;) {
        const result = await this.#nextFrom(iterator, run);
        if (run.endReason) break; // asked to end: what the driver does from now on is not news
        if (result.done) {
          this.#fail(
            run,
            new CameraError('SOURCE_ENDED', 'the driver stopped producing frames', { camera: this.name }),
          );
          break;
        }
        if (!looksLikeJpeg(result.value)) {
          this.#fail(
            run,
            new CameraError('INVALID_FRAME', 'the driver yielded something that is not a JPEG Buffer', {
              camera: this.name,
            }),
          );
          break;
        }
        this.#publish(run, result.value);
      }
    } catch (error) {
      if (!run.endReason) this.#fail(run, toCameraError(error, this.name));
    } finally {
      // Runs the driver's `finally`, which releases the device. Every failure has been reported by now,
      // so its errors are not news. A driver still stuck in `next()` holds this up: stopTimeout bounds it.
      try {
        await iterator?.return?.();
      } catch {}
    }
  }

  /**
   * The driver's next result, or `{ done: true }` as soon as the run is asked to end: a driver that
   * ignores its abort signal must not hold the capture loop, and with it the end of the run.
   */
  #nextFrom(iterator: AsyncIterator<Buffer>, run: Run): Promise<IteratorResult<Buffer>> {
    return new Promise<IteratorResult<Buffer>>((resolve, reject) => {
      // The resolve function itself, not an arrow around it: with an arrow capturing `resolve` stored on
      // the long-lived run, V8 kept every frame until its next full collection instead of freeing it in a
      // young-generation one (~1 MB/s at 30 fps, 20+ MiB more RSS at 500 viewers: apps/bench,
      // five-hundred). test/frame-lifetime.test.ts holds it to that.
      run.interrupt = resolve;
      iterator.next().then(resolve, reject);
    });
  }

  #publish(run: Run, data: Buffer): void {
    const now = Date.now();
    if (this.#minFrameInterval && this.#lastFrameAt !== undefined && this.#status === 'running') {
      if (now - this.#lastFrameAt < this.#minFrameInterval) return; // over maxFps: drop it
    }
    const frame: Frame = { seq: this.#nextSeq++, data, capturedAt: now };
    this.#framesCaptured += 1;
    run.frames += 1;
    if (run.frames === 1) {
      this.#setStatus('running');
      this.#frameInterval = undefined;
      this.#armWatchdog(run, this.stallTimeout); // from now on it watches for a stall
    } else if (this.#lastFrameAt !== undefined) {
      const interval = Math.max(1, frame.capturedAt - this.#lastFrameAt);
      // An average over roughly the last 10 frames: steady enough to read, quick to follow a change.
      this.#frameInterval =
        this.#frameInterval === undefined ? interval : this.#frameInterval * 0.9 + interval * 0.1;
    }
    this.#lastFrameAt = frame.capturedAt;
    if (this.#isDemanded()) this.#lastDemandAt = frame.capturedAt; // they were demanding until now
    this.#failures = 0;
    this.#event.publish(frame);
    this.emit('frame', frame);
  }

  /** The longest a running camera may go without a frame before it counts as stalled (ms). */
  #stallLimit(): number {
    return Math.max(this.stallTimeout, 3 * (this.#frameInterval ?? 0));
  }

  #armWatchdog(run: Run, ms: number): void {
    clearTimeout(this.#watchdogTimer);
    this.#watchdogTimer = setTimeout(() => this.#onWatchdog(run), ms);
    this.#watchdogTimer.unref();
  }

  /** Fails the run if it has been quiet for too long; otherwise checks again when it would be. */
  #onWatchdog(run: Run): void {
    this.#watchdogTimer = undefined;
    if (run !== this.#run || run.endReason) return;
    let detail: string;
    if (run.frames === 0) {
      detail = `no first frame within ${seconds(this.startTimeout)}`;
    } else {
      const limit = this.#stallLimit();
      const quietFor = Date.now() - (this.#lastFrameAt ?? 0);
      if (quietFor < limit) {
        this.#armWatchdog(run, limit - quietFor);
        return;
      }
      detail = `no frame for ${seconds(limit)}`;
    }
    this.#timeouts += 1;
    let context: string | undefined;
    try {
      context = this.describeTimeout();
    } catch {} // a broken description must not keep the failure from viewers
    if (context) detail += `; ${context}`;
    this.#fail(run, new CameraError('TIMEOUT', detail, { camera: this.name }));
  }

  /**
   * Reports a failure of the run at once: waiting viewers are released, state shows it, and the next
   * demand retries after the backoff. The run is asked to end; a retry waits for that end.
   */
  #fail(run: Run, error: CameraError): void {
    if (run.endReason || this.#status === 'closed') return;
    this.#requestEnd(run, 'failed');
    this.#startedAt = undefined;
    this.#event.forgetLatest();
    this.#failures += 1;
    this.#lastError = { code: error.code, message: error.message, at: Date.now() };
    this.#setStatus('error');
    this.#retryAt = this.#nextRetryAt(); // known now, so that callers can say when to come back
    this.emit('failure', error);
    this.emit('stop', 'failed');
    this.#event.fail(error); // released viewers that ask again trigger the retry
    if (this.#holds > 0) this.#armRetry(); // a hold does not ask again: it stands
  }

  /**
   * Asks the run to end, once: aborts its signal, stops waiting for the driver's `next()`, and arms the
   * timer that abandons the run if its driver has not finished within stopTimeout.
   */
  #requestEnd(run: Run, reason: StopReason): void {
    if (run.endReason) return;
    run.endReason = reason;
    run.endRequestedAt = Date.now();
    if (this.#run === run) {
      clearTimeout(this.#watchdogTimer);
      this.#watchdogTimer = undefined;
    }
    run.abort.abort();
    run.interrupt?.(INTERRUPTED);
    // Not unref()'d: it is short, and a process awaiting close() must see close() resolve.
    run.abandonTimer = setTimeout(() => this.#abandon(run), this.stopTimeout);
  }

  #abandon(run: Run): void {
    if (run.settled) return;
    this.#abandonedRuns += 1;
    this.emit('abandoned', { reason: run.endReason ?? 'failed', waited: Date.now() - run.endRequestedAt });
    this.#settle(run);
  }

  /** The run is over: its driver finished, or it was abandoned. Anything waiting for its end proceeds. */
  #settle(run: Run): void {
    if (run.settled) return;
    run.settled = true;
    clearTimeout(run.abandonTimer);
    if (this.#run === run) {
      this.#run = undefined;
      this.#startedAt = undefined;
      this.#event.forgetLatest();
      clearTimeout(this.#watchdogTimer);
      this.#watchdogTimer = undefined;
    }
    run.markEnded();
  }

  /** Ends the current run, if any, and waits until it has finished or been abandoned. */
  async #endRun(reason: StopReason): Promise<void> {
    const run = this.#run;
    if (!run) return;
    if (run.endReason && reason !== 'closed') return run.ended; // already being ended (and restarted, or retried)
    if (this.#status !== 'closed') this.#setStatus('stopping');
    this.#event.forgetLatest(); // a viewer arriving now must wait for a fresh frame, not get a stale one
    this.#requestEnd(run, reason);
    await run.ended;
    if (this.#status === 'closed' && reason !== 'closed') return; // close() reports this end itself
    this.emit('stop', reason);
    if (this.#status === 'closed' || this.#run) return; // closed, or another path has started a run since
    this.#setStatus('idle');
    if (this.#hasDemand()) this.#start(); // a viewer arrived while the device was being released
  }

  #currentFps(): number {
    if (this.#status !== 'running' || !this.#frameInterval || this.#lastFrameAt === undefined) return 0;
    // Frames have stopped: none for twice the interval, and for a second at least, since a process busy for
    // a moment (loading a module on a first request, a long GC) has not seen frames that were on time.
    if (Date.now() - this.#lastFrameAt > Math.max(2 * this.#frameInterval, 1000)) return 0;
    return 1000 / this.#frameInterval;
  }

  #hasDemand(): boolean {
    return this.#isDemanded() || Date.now() - this.#lastDemandAt < this.idleTimeout;
  }

  /** Demanded right now: a viewer is waiting for a frame, or a hold stands. */
  #isDemanded(): boolean {
    return this.#holds > 0 || this.#event.hasWaiters;
  }

  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#onIdleCheck(), this.idleTimeout);
    this.#idleTimer.unref();
  }

  #onIdleCheck(): void {
    this.#idleTimer = undefined;
    if (this.#isDemanded()) {
      this.#armIdleTimer(); // a viewer is still waiting, or a hold stands: that is demand
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

/** What a run's pending `next()` resolves with when the run is asked to end. */
const INTERRUPTED: IteratorResult<Buffer> = { done: true, value: undefined };

/** One run of the driver's generator, from the start that opened it to its end or abandonment. */
interface Run {
  readonly abort: AbortController;
  /** Resolves when the run has ended: its generator finished, or it was abandoned. Never rejects. */
  readonly ended: Promise<void>;
  readonly markEnded: () => void;
  /** Frames this run published. */
  frames: number;
  /** Stops waiting for the driver's pending `next()`: called with {@link INTERRUPTED}. */
  interrupt: ((result: IteratorResult<Buffer>) => void) | undefined;
  /** Why the run was asked to end, once it was. */
  endReason: StopReason | undefined;
  endRequestedAt: number;
  abandonTimer: NodeJS.Timeout | undefined;
  settled: boolean;
}

function positive(value: number, name: string, unit = 'milliseconds'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number of ${unit}, got ${String(value)}`);
  }
  return value;
}

/** `10 s`, `2.5 s`: a duration in ms as people read it in an error message. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
