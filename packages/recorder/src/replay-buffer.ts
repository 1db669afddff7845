import type { BaseCamera, Frame } from '@cam/core';
import { pace } from './pace.js';

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
 */
export class ReplayBuffer {
  readonly camera: BaseCamera;
  readonly #maxMs: number;
  readonly #maxBytes: number;
  /** Frames oldest first; `#head` is the first still kept (dropping from the front without shifting). */
  #frames: Frame[] = [];
  #head = 0;
  #bytes = 0;
  /** Every frame the camera publishes. It runs cold, 30 times a second: locals, no getter, no extra call. */
  readonly #onFrame = (frame: Frame): void => {
    const frames = this.#frames;
    frames.push(frame);
    let bytes = this.#bytes + frame.data.length;
    let head = this.#head;
    while (
      frames.length - head > 1 &&
      (bytes > this.#maxBytes || frame.capturedAt - frames[head]!.capturedAt > this.#maxMs)
    ) {
      bytes -= frames[head]!.data.length;
      frames[head] = undefined as unknown as Frame; // let it be collected now
      head += 1;
    }
    this.#bytes = bytes;
    this.#head = head;
    // A single frame over the byte bound is not kept either.
    if (bytes > this.#maxBytes) {
      this.#frames = [];
      this.#head = 0;
      this.#bytes = 0;
    } else if (head > 1024 && head * 2 > frames.length) {
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
  }

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#frames.length - this.#head;
  }

  /** Capture time of the oldest frame kept. */
  get oldest(): number | undefined {
    return this.#frames[this.#head]?.capturedAt;
  }

  /** The kept frame captured nearest `time`. */
  frameAt(time: number): Frame | undefined {
    const index = this.#firstIndex((frame) => frame.capturedAt >= time);
    const after = this.#frames[index];
    const before = index > this.#head ? this.#frames[index - 1] : undefined;
    if (!before) return after;
    if (!after) return before;
    return time - before.capturedAt <= after.capturedAt - time ? before : after;
  }

  /**
   * Kept frames from `time` on, in capture order, including frames that arrive while they are read; ends
   * once it has caught up with the camera. A reader slower than the buffer's span loses the frames that
   * were dropped meanwhile and goes on from the oldest kept.
   */
  *frames(time: number): Generator<Frame> {
    let index = this.#firstIndex((frame) => frame.capturedAt >= time);
    let lastSeq = -1;
    for (;;) {
      if (lastSeq >= 0) index = this.#firstIndex((frame) => frame.seq > lastSeq);
      const frame = this.#frames[index];
      if (!frame) return;
      lastSeq = frame.seq;
      yield frame;
    }
  }

  /** {@link frames} at their original pace (times `speed`): pause and rewind of a live view. */
  framesFrom(time: number, options: { speed?: number; signal?: AbortSignal } = {}): AsyncGenerator<Frame> {
    return pace(this.frames(time), options.speed, options.signal);
  }

  /** The first kept index whose frame satisfies `test` (which must be monotonic), or the end. */
  #firstIndex(test: (frame: Frame) => boolean): number {
    let low = this.#head;
    let high = this.#frames.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (test(this.#frames[middle]!)) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}
