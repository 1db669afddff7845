import { readFileSync } from 'node:fs';
import { readJpegStamp, stampJpeg } from '@cam/core/testing';

// The synthetic camera's pictures: one real 640x480 JPEG (ffmpeg's testsrc2 pattern, made once for this
// benchmark), into which each frame writes its sequence number and capture time as a JPEG comment (COM)
// segment with @cam/core's stamper, padded so that every frame has exactly the same size. The cam server and the floor send the
// same bytes; the load generator reads the comment back to count duplicates, skips and lag.

const BASE = readFileSync(new URL('../assets/testsrc2-640x480.jpg', import.meta.url));
/** Where the JFIF APP0 segment ends: the comment goes right after it, where decoders expect it. */
const AFTER_APP0 = 4 + BASE.readUInt16BE(4);
const TAG = 'cam-bench ';
/** The comment's own 4 bytes (marker and length) plus the text "cam-bench <seq> <ms>". */
const MIN_COMMENT = 4 + TAG.length + 40;
const MAX_SEGMENT = 65_535;

/** The smallest frame this module can make: the picture and a comment with the stamp. */
export const MIN_FRAME_SIZE = BASE.length + MIN_COMMENT;

/** Milliseconds on a clock that all processes on this machine share (`Date.now()` with a fraction). */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

export interface FrameStamp {
  seq: number;
  /** {@link wallClock} when the frame was captured. */
  capturedAt: number;
}

/**
 * A 640x480 JPEG of exactly `size` bytes carrying `stamp`. The picture is the same in every frame; the
 * comment differs, so every frame is distinct.
 */
export function makeFrame(stamp: FrameStamp, size: number): Buffer {
  if (size < MIN_FRAME_SIZE || size - BASE.length > MAX_SEGMENT + 2) {
    throw new RangeError(`frame size must be from ${MIN_FRAME_SIZE} to ${BASE.length + MAX_SEGMENT + 2}`);
  }
  // One comment whose text is padded with spaces to fill the size exactly (its marker and length: 4 bytes).
  const text = `${TAG}${stamp.seq} ${stamp.capturedAt.toFixed(3)} `;
  return stampJpeg(BASE, text.padEnd(size - BASE.length - 4, ' '));
}

/** How many bytes from a frame's start {@link readStamp} needs. */
export const STAMP_PREFIX_BYTES = AFTER_APP0 + MIN_COMMENT;

/**
 * The stamp of a frame made by {@link makeFrame}, from its first {@link STAMP_PREFIX_BYTES} bytes (or
 * more); undefined when there is none.
 */
export function readStamp(prefix: Buffer): FrameStamp | undefined {
  const text = readJpegStamp(prefix);
  if (!text?.startsWith(TAG)) return undefined;
  const [seq, capturedAt] = text
    .slice(TAG.length, TAG.length + 40)
    .split(' ', 2)
    .map(Number);
  if (!Number.isInteger(seq) || !Number.isFinite(capturedAt)) return undefined;
  return { seq: seq!, capturedAt: capturedAt! };
}
