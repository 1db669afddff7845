import type { BaseCamera, Frame } from '@cam/core';
import { FrameSlabs } from './frame-slabs.js';
import { pace } from './pace.js';
import { followFrames, nearestFrame, type RecentFrames } from './recent-frames.js';

export interface ReplayBufferOptions {
  /** Keep the frames of the last this many seconds. */
  replaySeconds: number;
  /** ...but never more than this many bytes of frames: the memory bound whatever the frame size. */
  replayBytes: number;
}

/**
 * Instant replay without recording: the camera's frames of the last `replaySeconds`, in memory, bounded by
 * `replayBytes`. It listens to the camera's `'frame'` event and adds no demand of its own: it keeps what
 * the camera captures for its viewers (or for a recorder).
 *
 * It keeps copies, in reused slabs ({@link FrameSlabs}), not the camera's frames: held for seconds, those
 * would each need an old-generation collection to be freed. What it hands out is a copy of its own, which
 * stays valid however long the caller holds it.
 */
export class ReplayBuffer implements RecentFrames {
  readonly camera: BaseCamera;
  readonly #maxMs: number;
  readonly #maxBytes: number;
  /** Frames oldest first; `#head` is the first still kept (dropping from the front without shifting). */
  #frames: Frame[] = [];
  #head = 0;
  #bytes = 0;
  /** Where the kept frames' bytes are: `#frames` hold views into its slabs. */
  readonly #slabs = new FrameSlabs();
  /** Every frame the camera publishes. It runs cold, 30 times a second: locals, no getter, no extra call. */
  readonly #onFrame = (frame: Frame): void => {
    if (frame.data.length > this.#maxBytes) {
      // A single frame over the byte bound is not kept, and nothing older is kept past it.
      this.#frames = [];
      this.#head = 0;
      this.#bytes = 0;
      this.#slabs.clear();
      return;
    }
    const frames = this.#frames;
    frames.push({ seq: frame.seq, capturedAt: frame.capturedAt, data: this.#slabs.add(frame.data) });
    let bytes = this.#bytes + frame.data.length;
    let head = this.#head;
    while (
      frames.length - head > 1 &&
      (bytes > this.#maxBytes || frame.capturedAt - frames[head]!.capturedAt > this.#maxMs)
    ) {
      bytes -= frames[head]!.data.length;
      frames[head] = undefined as unknown as Frame; // its view goes too: the slab is what stays
      head += 1;
      this.#slabs.release();
    }
    this.#bytes = bytes;
    this.#head = head;
    if (head > 1024 && head * 2 > frames.length) {
      this.#frames = frames.slice(head);
      this.#head = 0;
    }
  };

  constructor(camera: BaseCamera, options: ReplayBufferOptions) {
    if (!(options.replaySeconds > 0))
      throw new TypeError(`replaySeconds must be positive, got ${options.replaySeconds}`);
    if (!(options.replayBytes > 0))
      throw new TypeError(`replayBytes must be positive, got ${options.replayBytes}`);
    this.camera = camera;
    this.#maxMs = options.replaySeconds * 1000;
    this.#maxBytes = options.replayBytes;
    camera.on('frame', this.#onFrame);
  }

  /** Stops keeping frames and lets go of those kept. */
  close(): void {
    this.camera.off('frame', this.#onFrame);
    this.#frames = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#slabs.clear();
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Memory the kept frames take: their slabs, partly filled ones included. */
  get allocatedBytes(): number {
    return this.#slabs.allocatedBytes;
  }

  get size(): number {
    return this.#frames.length - this.#head;
  }

  /** Capture time of the oldest frame kept. */
  get oldest(): number | undefined {
    return this.#frames[this.#head]?.capturedAt;
  }

  /** The kept frame captured nearest `time` (a copy). */
  frameAt(time: number): Frame | undefined {
    return nearestFrame(this.#frames, this.#head, time);
  }

  /**
   * Kept frames from `time` on (copies), in capture order, including frames that arrive while they are
   * read; ends once it has caught up with the camera. A reader slower than the buffer's span loses the
   * frames that were dropped meanwhile and goes on from the oldest kept.
   */
  frames(time: number): Generator<Frame> {
    return followFrames(() => ({ frames: this.#frames, head: this.#head }), time);
  }

  /** {@link frames} at their original pace (times `speed`): pause and rewind of a live view. */
  framesFrom(time: number, options: { speed?: number; signal?: AbortSignal } = {}): AsyncGenerator<Frame> {
    return pace(this.frames(time), options.speed, options.signal);
  }
}
