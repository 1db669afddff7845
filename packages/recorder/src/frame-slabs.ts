/** The least a slab holds, bytes; a bigger frame gets a slab of {@link FRAMES_PER_BIG_SLAB} of its size. */
const MIN_SLAB_BYTES = 1024 * 1024;
const FRAMES_PER_BIG_SLAB = 4;
/** Emptied slabs kept for reuse; more are let go. */
const MAX_SPARE_SLABS = 2;

interface Slab {
  buffer: Buffer;
  /** Bytes filled from the start. */
  used: number;
  /** Copies in it not yet released. */
  held: number;
}

/**
 * Copies of frames in a few large buffers that are reused, released oldest first: how the recorder and
 * the replay buffer keep frames for seconds without making the garbage collector pay for them.
 *
 * A frame kept for a second or more outlives V8's young generation, and its 30 KB or more of bytes are
 * then freed only by an old-generation collection; at 30 frames a second, those collections made
 * recording cost a quarter more CPU than not recording (`pnpm bench`, `recording`). A copy of a frame
 * costs a few microseconds; the camera's own frame then dies young, as it does when nothing keeps it, and
 * the slabs, long-lived and reused, cost the collector nothing more.
 *
 * A copy stays valid until it is released: whoever hands it on (to a socket, a file write that has not
 * completed) releases it only when that is done, or hands on a copy of its own.
 */
export class FrameSlabs {
  /** Slabs holding copies, oldest first; the last is the one being filled. */
  #slabs: Slab[] = [];
  #spare: Slab[] = [];

  /** Bytes of the slabs allocated, in use or spare: what this costs in memory. */
  get allocatedBytes(): number {
    let bytes = 0;
    for (const slab of this.#slabs) bytes += slab.buffer.length;
    for (const slab of this.#spare) bytes += slab.buffer.length;
    return bytes;
  }

  /** A copy of `data`, valid until it is released. */
  add(data: Buffer): Buffer {
    let slab = this.#slabs.at(-1);
    if (!slab || slab.used + data.length > slab.buffer.length) slab = this.#nextSlab(data.length);
    const start = slab.used;
    data.copy(slab.buffer, start);
    slab.used = start + data.length;
    slab.held += 1;
    return slab.buffer.subarray(start, slab.used);
  }

  /** Releases the `count` oldest copies not yet released. */
  release(count = 1): void {
    let left = count;
    while (left > 0) {
      const slab = this.#slabs[0];
      // Only a lone slab can hold no copy (it is being filled): any other is released when it empties.
      if (!slab || slab.held === 0) throw new RangeError('released more copies than were added');
      const taken = Math.min(left, slab.held);
      slab.held -= taken;
      left -= taken;
      if (slab.held > 0) return;
      if (this.#slabs.length === 1) {
        slab.used = 0; // the slab being filled is empty: fill it again from the start
      } else {
        this.#slabs.shift();
        this.#retire(slab);
      }
    }
  }

  /** Releases every copy, and lets go of the slabs. */
  clear(): void {
    this.#slabs = [];
    this.#spare = [];
  }

  #nextSlab(frameBytes: number): Slab {
    const current = this.#slabs.at(-1);
    if (current && current.held === 0) {
      // Nothing in it is held: no need for another slab, unless the frame is bigger than this one.
      this.#slabs.pop();
      this.#retire(current);
    }
    let slab: Slab | undefined;
    while (!slab && this.#spare.length > 0) {
      const spare = this.#spare.pop()!;
      if (spare.buffer.length >= frameBytes) slab = spare;
    }
    if (!slab) {
      // Big frames get big slabs, so that the unused end of a slab stays a small part of it.
      const bytes = Math.max(MIN_SLAB_BYTES, FRAMES_PER_BIG_SLAB * frameBytes);
      slab = { buffer: Buffer.allocUnsafeSlow(bytes), used: 0, held: 0 };
    }
    slab.used = 0;
    slab.held = 0;
    this.#slabs.push(slab);
    return slab;
  }

  #retire(slab: Slab): void {
    if (this.#spare.length < MAX_SPARE_SLABS) this.#spare.push(slab);
  }
}
