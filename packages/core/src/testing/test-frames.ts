// A real 16x16 JPEG (made with ffmpeg for this project), into which each test frame writes its number as
// a JPEG comment (COM) segment: every frame is distinct, decodable by any JPEG decoder, and tells which
// frame it is without decoding pixels.
const BASE_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAgAAAQABAAD/2wBDAAgUFBcUFxsbGxsbGyAeICEhISAgICAhISEkJCQqKiokJCQhISQkKCgqKi4vLisrKisvLzIyMjw8OTlGRkhWVmf/xABLAAEBAAAAAAAAAAAAAAAAAAAABQEBAAAAAAAAAAAAAAAAAAAABhABAAAAAAAAAAAAAAAAAAAAABEBAAAAAAAAAAAAAAAAAAAAAP/AABEIABAAEAMBIgACEQADEQD/2gAMAwEAAhEDEQA/AIIB2Ov/2Q==',
  'base64',
);
const TAG = 'cam-test-frame ';
const MAX_SEGMENT_PAYLOAD = 65_533;

/**
 * A valid JPEG carrying `number` in a comment segment. With `size`, padding comment segments make the
 * frame at least that many bytes, for tests that need to fill socket buffers.
 */
export function testJpeg(number: number, size = 0): Buffer {
  return stampJpeg(BASE_JPEG, TAG + number, size);
}

/** The number a {@link testJpeg} frame carries, or undefined for any other JPEG. */
export function testJpegNumber(jpeg: Buffer): number | undefined {
  const stamp = readJpegStamp(jpeg);
  return stamp?.startsWith(TAG) ? Number(stamp.slice(TAG.length)) : undefined;
}

/**
 * `jpeg` with `stamp` (latin1 text) in a comment segment (COM, FF FE) of its own, placed after the JFIF
 * header (APP0) where there is one, else right after the start-of-image marker: still a valid JPEG
 * showing the same image, but with bytes of its own, which {@link readJpegStamp} reads back without
 * decoding. With `size`, padding comment segments after the stamp make it at least that many bytes.
 */
export function stampJpeg(jpeg: Buffer, stamp: string, size = 0): Buffer {
  const at = jpeg[2] === 0xff && jpeg[3] === 0xe0 ? 4 + jpeg.readUInt16BE(4) : 2;
  const parts = [jpeg.subarray(0, at), comment(Buffer.from(stamp, 'latin1'))];
  let length = jpeg.length + parts[1]!.length;
  while (length < size) {
    const payload = Math.min(MAX_SEGMENT_PAYLOAD, Math.max(1, size - length - 4));
    const segment = comment(Buffer.alloc(payload, 0x20));
    parts.push(segment);
    length += segment.length;
  }
  parts.push(jpeg.subarray(at));
  return Buffer.concat(parts);
}

/** The text of the first comment segment before the image data (a {@link stampJpeg} stamp), or undefined. */
export function readJpegStamp(jpeg: Buffer): string | undefined {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 4 <= jpeg.length && jpeg[offset] === 0xff) {
    const marker = jpeg[offset + 1]!;
    if (marker === 0xda || marker === 0xd9) return undefined; // image data or the end: no comment before
    const length = jpeg.readUInt16BE(offset + 2);
    if (marker === 0xfe) return jpeg.toString('latin1', offset + 4, offset + 2 + length);
    offset += 2 + length;
  }
  return undefined;
}

/**
 * `jpeg` without its Huffman tables (every DHT segment, FF C4, before the image data): a frame as many
 * USB webcams send Motion-JPEG, for testing that a driver passing such frames through adds the standard
 * tables (`withHuffmanTables`). Decodable again only if it was encoded with the standard tables (ffmpeg's
 * `-huffman default`, libjpeg's defaults). Returns `jpeg` itself when there is nothing to remove.
 */
export function withoutHuffmanTables(jpeg: Buffer): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return jpeg;
  const kept: Buffer[] = [];
  let from = 0;
  let offset = 2;
  while (offset + 4 <= jpeg.length && jpeg[offset] === 0xff) {
    const marker = jpeg[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // a fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // the image data, or the end
    const end = offset + 2 + jpeg.readUInt16BE(offset + 2);
    if (marker === 0xc4) {
      kept.push(jpeg.subarray(from, offset));
      from = end;
    }
    offset = end;
  }
  if (from === 0) return jpeg;
  kept.push(jpeg.subarray(from));
  return Buffer.concat(kept);
}

function comment(payload: Buffer): Buffer {
  const header = Buffer.from([0xff, 0xfe, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}
