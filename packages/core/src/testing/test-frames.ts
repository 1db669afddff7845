// A real 16x16 JPEG (made with ffmpeg for this project), into which each test frame writes its number as
// a JPEG comment (COM) segment: every frame is distinct, decodable by any JPEG decoder, and tells which
// frame it is without decoding pixels.
const BASE_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAgAAAQABAAD/2wBDAAgUFBcUFxsbGxsbGyAeICEhISAgICAhISEkJCQqKiokJCQhISQkKCgqKi4vLisrKisvLzIyMjw8OTlGRkhWVmf/xABLAAEBAAAAAAAAAAAAAAAAAAAABQEBAAAAAAAAAAAAAAAAAAAABhABAAAAAAAAAAAAAAAAAAAAABEBAAAAAAAAAAAAAAAAAAAAAP/AABEIABAAEAMBIgACEQADEQD/2gAMAwEAAhEDEQA/AIIB2Ov/2Q==',
  'base64',
);
/** Where APP0 (JFIF) ends in BASE_JPEG: the comment goes after it, as decoders expect. */
const AFTER_APP0 = 4 + BASE_JPEG.readUInt16BE(4);
const TAG = 'cam-test-frame ';
const MAX_SEGMENT_PAYLOAD = 65_533;

/**
 * A valid JPEG carrying `number` in a comment segment. With `size`, padding comment segments make the
 * frame at least that many bytes, for tests that need to fill socket buffers.
 */
export function testJpeg(number: number, size = 0): Buffer {
  const parts = [BASE_JPEG.subarray(0, AFTER_APP0), comment(Buffer.from(TAG + number, 'latin1'))];
  let length = BASE_JPEG.length + parts[1]!.length;
  while (length < size) {
    const payload = Math.min(MAX_SEGMENT_PAYLOAD, Math.max(1, size - length - 4));
    const segment = comment(Buffer.alloc(payload, 0x20));
    parts.push(segment);
    length += segment.length;
  }
  parts.push(BASE_JPEG.subarray(AFTER_APP0));
  return Buffer.concat(parts);
}

/** The number a {@link testJpeg} frame carries, or undefined for any other JPEG. */
export function testJpegNumber(jpeg: Buffer): number | undefined {
  const tag = jpeg.indexOf(TAG, 0, 'latin1');
  if (tag < 0) return undefined;
  const end = tag + TAG.length;
  const length = jpeg.readUInt16BE(tag - 2) - 2 - TAG.length;
  return Number(jpeg.toString('latin1', end, end + length));
}

function comment(payload: Buffer): Buffer {
  const header = Buffer.from([0xff, 0xfe, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}
