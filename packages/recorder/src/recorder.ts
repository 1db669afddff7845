import { EventEmitter } from 'node:events';
import { mkdir, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { BaseCamera, CameraHold, Frame } from '@cam/core';
import { jpegDimensions } from '@cam/core';
import { FrameSlabs } from './frame-slabs.js';
import { followFrames, nearestFrame, type RecentFrames } from './recent-frames.js';
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
  /**
   * Frames not yet on disk (the cluster being gathered, and clusters waiting for the writer) may hold this
   * many bytes; past it new frames are dropped. Default 32 MiB.
   */
  maxQueueBytes?: number;
  /** A cluster (the unit a crash can lose) is written at least this often, ms. Default 1000, at most 2000. */
  flushMs?: number;
  /** After a write error, try again this often, ms. Default 5000. */
  retryMs?: number;
  /**
   * Recording starts (and resumes after an error) only with at least this much free space, and with room
   * for two of the largest clusters seen so far, so that a full disk does not flap between error and
   * recording (repairing the cut segment frees the cluster whose write failed). Default 256 KiB.
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

/** A cluster's frames, handed to the writer. */
interface Batch {
  frames: Frame[];
  bytes: number;
}

const NO_BATCH: Batch = { frames: [], bytes: 0 };

/**
 * Records a camera to Matroska segments while started. It is a demand of its own (`camera.keepRunning()`),
 * so the camera keeps capturing without other viewers; it takes every frame from the camera's `'frame'`
 * event into the cluster being gathered, hands each complete cluster to one writer, and bounds what waits
 * by bytes, so a slow disk drops frames (counted) instead of slowing anyone.
 *
 * A frame's own cost is kept to a copy and a push onto an array: at 30 frames a second, code runs cold
 * (its caches emptied between frames), so every function a frame passes through costs microseconds.
 * Everything else (the size check, the segment it goes to, its block head) is done once per cluster, in
 * one loop. The copy (into reused slabs, see {@link FrameSlabs}) lets the camera's frame die young.
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
  /** The frames of the cluster being gathered, oldest first, and their bytes. */
  #batch: Frame[] = [];
  #batchBytes = 0;
  /** The most bytes one cluster has held: what resuming after a full disk needs room for (twice). */
  #largestBatchBytes = 0;
  /** Clusters handed to the writer and not yet written (the one being written included), and their bytes. */
  #queue: Batch[] = [];
  #queuedBytes = 0;
  /** The cluster written last, kept until the next one is written: {@link recent} overlaps the files. */
  #written: Batch = NO_BATCH;
  /**
   * The bytes of every frame in `#written`, `#queue` and `#batch`: copies, released once the cluster after
   * theirs is on disk. The camera's frames would be held for seconds and freed by old-generation
   * collections only.
   */
  readonly #slabs = new FrameSlabs();
  /**
   * The frames not on disk yet (the cluster being gathered, the clusters waiting for the writer) and the
   * cluster written last: what a `?at=` stream plays once it has caught up with the files, before it
   * joins live. A recording camera needs no replay buffer for that.
   */
  readonly recent: RecentFrames;
  #draining: Promise<void> | undefined;
  #segment: SegmentFile | undefined;
  #segmentBytesCounted = 0;
  /** The size of the segment being written: its track has one size, so a new size starts a new segment. */
  #segmentWidth: number | undefined;
  #segmentHeight: number | undefined;
  #hold: CameraHold | undefined;
  #stop: AbortController | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;

  /** Every frame the camera publishes while started: gathered into the next cluster, or dropped (counted). */
  readonly #onFrame = (frame: Frame): void => {
    if (
      this.#status !== 'recording' ||
      this.#batchBytes + this.#queuedBytes + frame.data.length > this.#maxQueueBytes
    ) {
      this.#framesDropped += 1;
      return;
    }
    // The same rule as the muxer's: a cluster spans less than flushMs.
    if (this.#batch.length > 0 && frame.capturedAt - this.#batch[0]!.capturedAt >= this.#flushMs)
      this.#submitBatch();
    this.#batch.push({ seq: frame.seq, capturedAt: frame.capturedAt, data: this.#slabs.add(frame.data) });
    this.#batchBytes += frame.data.length;
  };

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
    const held = () => this.#held();
    const heldBytes = () => this.#written.bytes + this.#queuedBytes + this.#batchBytes;
    this.recent = {
      get oldest() {
        return held()[0]?.capturedAt;
      },
      get size() {
        return held().length;
      },
      get bytes() {
        return heldBytes();
      },
      frameAt: (time) => nearestFrame(held(), 0, time),
      frames: (time) => followFrames(() => ({ frames: held(), head: 0 }), time),
      close: () => {}, // the recorder lets go of them when it stops
    };
  }

  /** Every frame kept in memory, oldest first (see {@link recent}). */
  #held(): Frame[] {
    const frames = this.#written.frames.slice();
    for (const batch of this.#queue) for (const frame of batch.frames) frames.push(frame);
    for (const frame of this.#batch) frames.push(frame);
    return frames;
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
    this.#hold = this.camera.keepRunning();
    // Frames that stop coming (a failed or slow camera) must not hold a cluster back: a crash would lose it.
    this.#flushTimer = setInterval(() => {
      const first = this.#batch[0];
      if (first && Date.now() - first.capturedAt >= this.#flushMs) this.#submitBatch();
    }, this.#flushMs / 2).unref();
  }

  /** Stops recording: finishes the current segment (sync + rename) and releases the camera. */
  async stop(): Promise<void> {
    if (!this.#stop) return;
    this.#stop.abort();
    this.#stop = undefined;
    this.camera.off('frame', this.#onFrame);
    this.#hold?.release();
    this.#hold = undefined;
    clearInterval(this.#flushTimer);
    clearTimeout(this.#retryTimer);
    if (this.#batch.length > 0) this.#submitBatch();
    while (this.#draining) await this.#draining;
    if (this.#segment) {
      const segment = this.#segment;
      this.#segment = undefined;
      await this.#finish(segment).catch(() => segment.abandon());
      // The segment just finished counts against the limits too: what stays on disk keeps to them.
      await this.#applyRetention().catch(() => {});
    }
    this.#dropCopies(); // everything is written: no memory kept while stopped
    this.#status = 'stopped';
    this.#reason = undefined;
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
      const needed = Math.max(this.#minStartFreeBytes, 2 * this.#largestBatchBytes);
      if (free < needed) {
        const error: NodeJS.ErrnoException = new Error(`${free} bytes free, waiting for ${needed}`);
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

  /** Hands the cluster gathered so far to the writer. */
  #submitBatch(): void {
    this.#largestBatchBytes = Math.max(this.#largestBatchBytes, this.#batchBytes);
    this.#queue.push({ frames: this.#batch, bytes: this.#batchBytes });
    this.#queuedBytes += this.#batchBytes;
    this.#batch = [];
    this.#batchBytes = 0;
    if (this.#draining === undefined) this.#startDrain();
  }

  #startDrain(): void {
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      // Something queued after the writer's last look at the queue, before this ran: go on with it.
      if (this.#queue.length > 0 && this.#status === 'recording') this.#startDrain();
    });
  }

  /** The writer: writes the queued clusters in order, until the queue is empty or recording fails. */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0 && this.#status === 'recording') {
      const batch = this.#queue[0]!;
      let done = 0;
      try {
        for (const frame of batch.frames) {
          const writing = this.#write(frame);
          if (writing) await writing;
          done += 1;
        }
        await this.#segment?.flush(); // the batch is one cluster: on disk now
      } catch (error) {
        this.#framesDropped += batch.frames.length - done;
        this.#fail('write', error as Error);
      }
      // #fail has emptied the queue, this batch included, and taken its bytes off.
      if (this.#queue[0] === batch) {
        this.#queue.shift();
        this.#queuedBytes -= batch.bytes;
        this.#slabs.release(this.#written.frames.length);
        this.#written = batch;
      }
      this.#countBytes();
    }
  }

  /**
   * Adds `frame` to the segment: synchronously (returns undefined) when it only joins the segment's
   * pending cluster, else returns the I/O (a completed cluster, or a new segment).
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

  /** Lets go of the cluster written last and of every copy; the queue and the batch must be empty. */
  #dropCopies(): void {
    this.#written = NO_BATCH;
    this.#slabs.clear();
  }

  #fail(operation: string, error: Error): void {
    const code = (error as NodeJS.ErrnoException).code;
    // One 'failed' per outage: a retry that fails again only updates the reason.
    const entering = this.#status !== 'error';
    this.#status = 'error';
    // Node's own messages begin with the code already ("ENOSPC: no space left on device, write").
    const message = code && !error.message.startsWith(code) ? `${code} ${error.message}` : error.message;
    this.#reason = `${operation} failed in ${this.cameraDir}: ${message}`;
    // What waits is lost: the cluster being gathered, and the clusters queued (the one being written has
    // counted its own unwritten frames).
    const writing = this.#draining === undefined ? undefined : this.#queue[0];
    for (const batch of this.#queue) if (batch !== writing) this.#framesDropped += batch.frames.length;
    this.#framesDropped += this.#batch.length;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#batch = [];
    this.#batchBytes = 0;
    // No write is under way (this runs when one has failed, or before any): the copies can go.
    this.#dropCopies();
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
