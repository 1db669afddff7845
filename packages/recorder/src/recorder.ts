import { EventEmitter } from 'node:events';
import { mkdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { type BaseCamera, delay, type Frame, jpegDimensions, type Viewer } from '@cam/core';
import { RecordingIndex } from './recording-index.js';
import { enforceRetention, type RetainOptions } from './retention.js';
import { type FinishedSegment, repairPartFile, SegmentFile } from './segment-file.js';
import { listPartFiles, segmentFileName } from './segment-names.js';

export interface RecorderOptions {
  /** The recordings root; this camera's segments go to `<dir>/<name>/`. */
  dir: string;
  /** The camera's directory name. Default: the camera's name. */
  name?: string;
  /** Length of one segment file, seconds. Default 60. */
  segmentSeconds?: number;
  /** Frames waiting for the disk may hold this many bytes; past it new frames are dropped. Default 32 MiB. */
  maxQueueBytes?: number;
  /** A cluster (the unit a crash can lose) is written at least this often, ms. Default 1000, at most 2000. */
  flushMs?: number;
  /** After a write error, try again this often, ms. Default 5000. */
  retryMs?: number;
  /**
   * Recording starts (and resumes after an error) only with at least this much free space, so that a full
   * disk does not flap between error and recording. Default 256 KiB.
   */
  minStartFreeBytes?: number;
  retain?: RetainOptions;
  /** A limit on all cameras' segments under `dir`, bytes. */
  totalMaxBytes?: number;
}

export type RecorderStatusName = 'recording' | 'error' | 'stopped';

export interface RecorderStatus {
  status: RecorderStatusName;
  /** Why it is in `error` (the failed operation and its error code). */
  reason?: string;
  framesWritten: number;
  /** Frames not recorded: the queue was full (slow disk) or the recorder was in error. */
  framesDropped: number;
  /** Bytes written to segment files. */
  bytes: number;
}

export interface RecorderEvents {
  /** A segment was completed (finished, or repaired after a crash). */
  segment: [FinishedSegment];
  /** Segments deleted by retention. */
  deleted: [string[]];
  /**
   * A write failed; the status is `error` until a retry succeeds. Once per outage: a retry that fails
   * again updates `status.reason`, not a new event.
   */
  failed: [Error];
  /** Recording works again after an error. */
  recovered: [];
}

type QueueItem = Frame | 'flush';

/**
 * Records a camera to Matroska segments while started. It is a demand of its own (a viewer that always
 * asks), so the camera keeps capturing without other viewers; it takes every frame from the camera's
 * `'frame'` event into a queue bounded by bytes, and one writer drains it, so a slow disk drops frames
 * (counted) instead of slowing anyone.
 */
export class Recorder extends EventEmitter<RecorderEvents> {
  readonly camera: BaseCamera;
  /** This camera's segment directory. */
  readonly cameraDir: string;
  /** What this camera has recorded, including the segment being written: listing, playback, export. */
  readonly index: RecordingIndex;
  readonly #options: RecorderOptions;
  readonly #segmentMs: number;
  readonly #maxQueueBytes: number;
  readonly #flushMs: number;
  readonly #retryMs: number;
  readonly #minStartFreeBytes: number;
  #status: RecorderStatusName = 'stopped';
  #reason: string | undefined;
  #framesWritten = 0;
  #framesDropped = 0;
  #bytes = 0;
  #queue: QueueItem[] = [];
  #queueBytes = 0;
  #draining: Promise<void> | undefined;
  #segment: SegmentFile | undefined;
  #segmentBytesCounted = 0;
  /** The size of the segment being written: its track has one size, so a new size starts a new segment. */
  #segmentWidth: number | undefined;
  #segmentHeight: number | undefined;
  #viewer: Viewer | undefined;
  #stop: AbortController | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #onFrame = (frame: Frame) => this.#enqueue(frame);

  constructor(camera: BaseCamera, options: RecorderOptions) {
    super();
    if (typeof options?.dir !== 'string' || options.dir === '')
      throw new TypeError('dir must be a directory path');
    this.camera = camera;
    this.#options = options;
    this.cameraDir = join(options.dir, options.name ?? camera.name);
    this.index = new RecordingIndex(this.cameraDir, { live: () => this.currentSegment });
    this.#segmentMs = positive(options.segmentSeconds ?? 60, 'segmentSeconds') * 1000;
    this.#maxQueueBytes = positive(options.maxQueueBytes ?? 32 * 1024 * 1024, 'maxQueueBytes');
    this.#flushMs = Math.min(positive(options.flushMs ?? 1000, 'flushMs'), 2000);
    this.#retryMs = positive(options.retryMs ?? 5000, 'retryMs');
    this.#minStartFreeBytes = options.minStartFreeBytes ?? 256 * 1024;
  }

  get status(): RecorderStatus {
    return {
      status: this.#status,
      ...(this.#reason === undefined ? {} : { reason: this.#reason }),
      framesWritten: this.#framesWritten,
      framesDropped: this.#framesDropped,
      bytes: this.#bytes,
    };
  }

  /** The segment being written, if any: its start and the `.part` path. */
  get currentSegment(): { path: string; startTime: number } | undefined {
    return this.#segment && { path: `${this.#segment.path}.part`, startTime: this.#segment.startTime };
  }

  /**
   * Repairs what a crash left, applies retention, then records. Resolves once recording has begun, or
   * with the status in `error` when the disk refuses (it retries by itself).
   */
  async start(): Promise<void> {
    if (this.#stop) return;
    this.#stop = new AbortController();
    await this.#prepare();
    if (!this.#stop) return; // stopped meanwhile
    this.camera.on('frame', this.#onFrame);
    this.#keepCameraRunning(this.#stop.signal);
    this.#flushTimer = setInterval(() => this.#push('flush', 0), this.#flushMs / 2).unref();
  }

  /** Stops recording: finishes the current segment (sync + rename) and releases the camera. */
  async stop(): Promise<void> {
    if (!this.#stop) return;
    this.#stop.abort();
    this.#stop = undefined;
    this.camera.off('frame', this.#onFrame);
    this.#viewer?.close();
    this.#viewer = undefined;
    clearInterval(this.#flushTimer);
    clearTimeout(this.#retryTimer);
    while (this.#draining) await this.#draining;
    if (this.#segment) {
      const segment = this.#segment;
      this.#segment = undefined;
      await this.#finish(segment).catch(() => segment.abandon());
      // The segment just finished counts against the limits too: what stays on disk keeps to them.
      await this.#applyRetention().catch(() => {});
    }
    this.#status = 'stopped';
    this.#reason = undefined;
  }

  /** Asks for frames for as long as it records: the demand that keeps the camera capturing. */
  async #keepCameraRunning(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        this.#viewer ??= this.camera.subscribe('recorder');
        await this.#viewer.next();
      } catch (error) {
        if (signal.aborted) return;
        // A closed camera never comes back: what was recorded stays, and stop() finishes the segment.
        if ((error as { code?: unknown }).code === 'CAMERA_CLOSED') return;
        if (this.#viewer?.closed) this.#viewer = undefined;
        // The camera failed: ask again later; the camera's own retry delay applies.
        await delay(1000, signal).catch(() => {});
      }
    }
  }

  async #prepare(): Promise<void> {
    try {
      await mkdir(this.cameraDir, { recursive: true });
      for (const part of await listPartFiles(this.cameraDir)) {
        const repaired = await repairPartFile(part);
        if (repaired) this.emit('segment', repaired);
      }
      await this.#applyRetention();
      const space = await statfs(this.cameraDir);
      const free = space.bavail * space.bsize;
      if (free < this.#minStartFreeBytes) {
        const error: NodeJS.ErrnoException = new Error(
          `${free} bytes free, waiting for ${this.#minStartFreeBytes}`,
        );
        error.code = 'ENOSPC';
        throw error;
      }
      if (!this.#stop) return; // stopped while preparing
      this.#status = 'recording';
      if (this.#reason !== undefined) {
        this.#reason = undefined;
        this.emit('recovered');
      }
    } catch (error) {
      this.#fail('prepare', error as Error);
    }
  }

  async #applyRetention(): Promise<void> {
    const { retain, totalMaxBytes, dir } = this.#options;
    if (!retain && totalMaxBytes === undefined) return;
    const camera = this.#options.name ?? this.camera.name;
    const deleted = await enforceRetention({ dir, camera, retain, totalMaxBytes });
    if (deleted.length > 0) this.emit('deleted', deleted);
  }

  #enqueue(frame: Frame): void {
    if (this.#status !== 'recording' || this.#queueBytes + frame.data.length > this.#maxQueueBytes) {
      this.#framesDropped += 1;
      return;
    }
    this.#push(frame, frame.data.length);
  }

  #push(item: QueueItem, bytes: number): void {
    if (this.#status !== 'recording') return;
    if (item === 'flush' && this.#queue.at(-1) === 'flush') return; // a stuck disk must not pile these up
    if (item !== 'flush' && this.#draining === undefined && this.#queue.length === 0) {
      // The writer is idle: the usual frame only joins the pending cluster, which is done here and now.
      // Only a frame that needs I/O (a cluster or a segment to write) starts the writer: the per-frame
      // path makes no promise and runs little code.
      const writing = this.#writeNow(item);
      if (writing) this.#startDrain(writing);
      return;
    }
    this.#queue.push(item);
    this.#queueBytes += bytes;
    if (this.#draining === undefined) this.#startDrain();
  }

  #startDrain(writing?: Promise<void>): void {
    this.#draining = this.#drain(writing).finally(() => {
      this.#draining = undefined;
      // Something queued after the writer's last look at the queue, before this ran: go on with it.
      if (this.#queue.length > 0 && this.#status === 'recording') this.#startDrain();
    });
  }

  /** Writes `frame`, catching a failure; returns the I/O still under way, if any. */
  #writeNow(frame: Frame): Promise<void> | undefined {
    try {
      return this.#write(frame)?.catch((error: Error) => this.#fail('write', error));
    } catch (error) {
      this.#fail('write', error as Error);
      return undefined;
    }
  }

  /** The writer: waits for `writing` (a frame's I/O begun by {@link #push}), then empties the queue. */
  async #drain(writing?: Promise<void>): Promise<void> {
    if (writing) {
      await writing;
      this.#countBytes();
    }
    while (this.#queue.length > 0 && this.#status === 'recording') {
      const item = this.#queue.shift()!;
      if (item !== 'flush') this.#queueBytes -= item.data.length;
      try {
        if (item === 'flush') await this.#segment?.flushIfOlder(Date.now(), this.#flushMs);
        else await this.#write(item);
      } catch (error) {
        this.#fail('write', error as Error);
      }
      this.#countBytes();
    }
  }

  /**
   * Adds `frame` to the segment: synchronously (returns undefined) when it only joins the pending
   * cluster, else returns the I/O (a completed cluster, or a new segment).
   */
  #write(frame: Frame): Promise<void> | undefined {
    const size = jpegDimensions(frame.data);
    // A frame whose header cannot be read keeps the current segment, whatever its size.
    const resized =
      size !== undefined && (size.width !== this.#segmentWidth || size.height !== this.#segmentHeight);
    if (!this.#segment || resized || frame.capturedAt - this.#segment.startTime >= this.#segmentMs) {
      return this.#writeToNewSegment(frame, size);
    }
    const writing = this.#segment.add(frame.data, frame.capturedAt);
    if (!writing) {
      this.#framesWritten += 1;
      return undefined;
    }
    return writing.then(() => {
      this.#framesWritten += 1;
    });
  }

  /** Finishes the current segment, if any, and begins a new one with `frame`. */
  async #writeToNewSegment(frame: Frame, size: { width: number; height: number } | undefined): Promise<void> {
    if (this.#segment) {
      const finished = this.#segment;
      this.#segment = undefined;
      await this.#finish(finished);
      await this.#applyRetention();
    }
    const path = join(this.cameraDir, segmentFileName(frame.capturedAt));
    this.#segment = await SegmentFile.create(path, frame.data, frame.capturedAt, this.#flushMs);
    this.#segmentBytesCounted = 0;
    this.#segmentWidth = size?.width;
    this.#segmentHeight = size?.height;
    await this.#segment.add(frame.data, frame.capturedAt);
    this.#framesWritten += 1;
  }

  async #finish(segment: SegmentFile): Promise<void> {
    const finished = await segment.finish();
    this.#bytes += finished.bytes - this.#segmentBytesCounted;
    this.#segmentBytesCounted = 0;
    this.emit('segment', finished);
  }

  #countBytes(): void {
    if (!this.#segment) return;
    this.#bytes += this.#segment.bytes - this.#segmentBytesCounted;
    this.#segmentBytesCounted = this.#segment.bytes;
  }

  #fail(operation: string, error: Error): void {
    const code = (error as NodeJS.ErrnoException).code;
    // One 'failed' per outage: a retry that fails again only updates the reason.
    const entering = this.#status !== 'error';
    this.#status = 'error';
    // Node's own messages begin with the code already ("ENOSPC: no space left on device, write").
    const message = code && !error.message.startsWith(code) ? `${code} ${error.message}` : error.message;
    this.#reason = `${operation} failed in ${this.cameraDir}: ${message}`;
    this.#framesDropped += this.#queue.filter((item) => item !== 'flush').length;
    this.#queue = [];
    this.#queueBytes = 0;
    // The half-written segment stays a `.part`: the retry repairs it like a crash's.
    const segment = this.#segment;
    this.#segment = undefined;
    void segment?.abandon();
    if (entering) this.emit('failed', error);
    if (this.#stop) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => void this.#prepare(), this.#retryMs).unref();
    }
  }
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`${name} must be a positive number, got ${value}`);
  return value;
}
