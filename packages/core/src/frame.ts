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

/**
 * The width and height a JPEG declares in its start-of-frame segment, or undefined when `data` is not a
 * JPEG or has no such segment. Reads segment headers only: cheap enough to call per request.
 */
export function jpegDimensions(data: Buffer): { width: number; height: number } | undefined {
  if (!looksLikeJpeg(data)) return undefined;
  let offset = 2;
  while (offset + 9 <= data.length) {
    if (data[offset] !== 0xff) return undefined;
    const marker = data[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image, or scan data before any SOF
    const length = data.readUInt16BE(offset + 2);
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: data.readUInt16BE(offset + 5), width: data.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  return undefined;
}
