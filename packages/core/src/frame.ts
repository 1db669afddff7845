/** One captured JPEG image. Frames are immutable and shared by every viewer. */
export interface Frame {
  /** Increases by one for each frame a camera captures, across restarts; never reused. */
  readonly seq: number;
  /** The JPEG bytes, exactly as the driver produced them. */
  readonly data: Buffer;
  /** `Date.now()` when the camera published the frame. */
  readonly capturedAt: number;
}

/** True when `data` starts with the JPEG start-of-image marker (FF D8). A cheap check, not a decoder. */
export function looksLikeJpeg(data: unknown): data is Buffer {
  return Buffer.isBuffer(data) && data.length >= 4 && data[0] === 0xff && data[1] === 0xd8;
}
