import type { Frame } from '@cam/core';

/**
 * A camera's last frames, in memory: what a `?at=` stream plays when it has caught up with what is on disk,
 * or when nothing is recorded. A {@link ReplayBuffer} is one (the last `replaySeconds`); a recorder's
 * `recent` is another (the frames it has not written yet, and the cluster written last). Whatever they
 * hand out is a copy, valid however long it is held.
 */
export interface RecentFrames {
  /** Capture time of the oldest frame kept. */
  readonly oldest: number | undefined;
  /** Frames kept. */
  readonly size: number;
  /** Bytes of the frames kept. */
  readonly bytes: number;
  /** The kept frame captured nearest `time`. */
  frameAt(time: number): Frame | undefined;
  /**
   * Kept frames from `time` on, in capture order, including frames that arrive while they are read; ends
   * once it has caught up with the camera. A reader slower than what is kept loses the frames let go of
   * meanwhile, and goes on from the oldest kept.
   */
  frames(time: number): Generator<Frame>;
  /** Lets go of the frames (a recorder's go when it stops). */
  close(): void;
}

/** A kept frame with bytes of its own: the slab it is in is reused once the frame is let go of. */
function copyOf(frame: Frame): Frame {
  return { seq: frame.seq, capturedAt: frame.capturedAt, data: Buffer.from(frame.data) };
}

/** The frame nearest `time` among `frames` from `head` on (in capture order), as a copy. */
export function nearestFrame(frames: readonly Frame[], head: number, time: number): Frame | undefined {
  const index = firstIndex(frames, head, (frame) => frame.capturedAt >= time);
  const after = frames[index];
  const before = index > head ? frames[index - 1] : undefined;
  if (!before) return after && copyOf(after);
  if (!after) return copyOf(before);
  return copyOf(time - before.capturedAt <= after.capturedAt - time ? before : after);
}

/**
 * Copies of the frames `kept()` returns from `time` on, following it as it changes between reads: after
 * each frame, the next is the first kept with a higher `seq`.
 */
export function* followFrames(kept: () => { frames: readonly Frame[]; head: number }, time: number) {
  let lastSeq: number | undefined;
  for (;;) {
    const { frames, head } = kept();
    const index =
      lastSeq === undefined
        ? firstIndex(frames, head, (frame) => frame.capturedAt >= time)
        : firstIndex(frames, head, (frame) => frame.seq > lastSeq!);
    const frame = frames[index];
    if (!frame) return;
    lastSeq = frame.seq;
    yield copyOf(frame);
  }
}

/** The first index from `low` whose frame satisfies `test` (which must be monotonic), or the end. */
function firstIndex(frames: readonly Frame[], low: number, test: (frame: Frame) => boolean): number {
  let high = frames.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (test(frames[middle]!)) high = middle;
    else low = middle + 1;
  }
  return low;
}
