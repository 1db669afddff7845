// withHuffmanTables against a real encoder and decoder: ffmpeg encodes a frame with the standard tables
// (`-huffman default`), the test strips its DHT as many USB webcams do, and the fixed frame must decode to
// the very pixels of the original.
import { execFileSync, spawnSync } from 'node:child_process';
import { testJpeg, withoutHuffmanTables } from '@cam/core/testing';
import { describe, expect, test } from 'vitest';
import { withHuffmanTables } from '../src/index.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg && process.env.CAM_TEST_STRICT === '1')
  throw new Error('ffmpeg is not installed (CAM_TEST_STRICT=1)');

const DHT_MARKER = Buffer.from([0xff, 0xc4]);

/** A 64x48 test picture encoded by ffmpeg with the T.81 Annex K tables. */
function ffmpegJpeg(): Buffer {
  return execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=1', '-frames:v', '1'],
    ...['-huffman', 'default', '-pix_fmt', 'yuvj420p', '-f', 'image2pipe', '-c:v', 'mjpeg', '-'],
  ]);
}

/** The decoded pixels, as raw RGB. */
function decode(jpeg: Buffer): Buffer {
  return execFileSync(
    'ffmpeg',
    ['-loglevel', 'error', '-f', 'jpeg_pipe', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { input: jpeg },
  );
}

/** The DHT segments of `jpeg` (up to its scan), and the JPEG without them. */
function splitDht(jpeg: Buffer): { dht: Buffer[]; without: Buffer } {
  const dht: Buffer[] = [];
  const kept: Buffer[] = [jpeg.subarray(0, 2)];
  let offset = 2;
  while (jpeg[offset + 1] !== 0xda) {
    const end = offset + 2 + jpeg.readUInt16BE(offset + 2);
    (jpeg[offset + 1] === 0xc4 ? dht : kept).push(jpeg.subarray(offset, end));
    offset = end;
  }
  kept.push(jpeg.subarray(offset));
  return { dht, without: Buffer.concat(kept) };
}

const withFfmpeg = hasFfmpeg
  ? 'withHuffmanTables, with ffmpeg'
  : 'withHuffmanTables, with ffmpeg (skipped: apt-get install ffmpeg)';
describe.skipIf(!hasFfmpeg)(withFfmpeg, () => {
  test('a frame stripped of its DHT gets the standard tables: ffmpeg decodes it to the original pixels', () => {
    const original = ffmpegJpeg();
    const { dht, without } = splitDht(original);
    expect(dht).toHaveLength(1);
    expect(without.includes(DHT_MARKER)).toBe(false);

    const fixed = withHuffmanTables(without);
    expect(fixed.length).toBe(without.length + dht[0]!.length);
    // the inserted segment is byte for byte the one ffmpeg writes for its default (Annex K) tables
    expect(splitDht(fixed).dht[0]!.equals(dht[0]!)).toBe(true);
    // the scan is untouched: the end of the file is the same bytes
    const scan = without.indexOf(Buffer.from([0xff, 0xda]));
    expect(fixed.subarray(fixed.length - (without.length - scan)).equals(without.subarray(scan))).toBe(true);
    expect(decode(fixed).equals(decode(original))).toBe(true);
  });

  test("testing's withoutHuffmanTables cuts out exactly the DHT, which withHuffmanTables puts back", () => {
    const original = ffmpegJpeg();
    const stripped = withoutHuffmanTables(original);
    expect(stripped.equals(splitDht(original).without)).toBe(true);
    expect(decode(withHuffmanTables(stripped)).equals(decode(original))).toBe(true);
    expect(withoutHuffmanTables(stripped)).toBe(stripped);
  });

  test('a frame that has its DHT comes back as the same Buffer', () => {
    const original = ffmpegJpeg();
    expect(withHuffmanTables(original)).toBe(original);
  });
});

describe('withHuffmanTables on anything else', () => {
  test('returns its input unchanged: a JPEG with a DHT, not a JPEG, a truncated header, an empty buffer', () => {
    for (const data of [
      testJpeg(1),
      Buffer.from('not a jpeg'),
      Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0x00]),
      Buffer.alloc(0),
    ]) {
      expect(withHuffmanTables(data)).toBe(data);
    }
  });

  test('fill bytes before a marker are skipped, and the tables go right before the scan', () => {
    const sos = Buffer.from([0xff, 0xda, 0x00, 0x08, 1, 1, 0, 0, 0x3f, 0, 0x12, 0x34, 0xff, 0xd9]);
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xff, 0xfe, 0x00, 0x04, 0x41, 0x42]), sos]);
    const fixed = withHuffmanTables(jpeg);
    expect(fixed.indexOf(DHT_MARKER)).toBe(9);
    expect(fixed.subarray(fixed.length - sos.length).equals(sos)).toBe(true);
  });
});
