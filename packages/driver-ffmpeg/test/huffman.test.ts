// An MJPEG source whose frames lack Huffman tables (a USB webcam's, or a file cut from one): copied
// without re-encoding, each frame gets the standard tables, and ffmpeg decodes it to the source's pixels.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JpegSplitter, withHuffmanTables } from '@cam/core';
import { withoutHuffmanTables } from '@cam/core/testing';
import { afterAll, describe, expect, onTestFinished, test } from 'vitest';
import { FfmpegCamera } from '../src/index.js';

const DHT = Buffer.from([0xff, 0xc4]);
const dir = mkdtempSync(join(tmpdir(), 'cam-ffmpeg-huffman-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Three distinct 64x48 frames, encoded with the standard (T.81 Annex K) tables, as a webcam does. */
function sourceFrames(): Buffer[] {
  const mjpeg = execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10', '-frames:v', '3'],
    ...['-huffman', 'default', '-pix_fmt', 'yuvj420p', '-f', 'mjpeg', '-c:v', 'mjpeg', '-'],
  ]);
  return new JpegSplitter().push(mjpeg);
}

/** The pixels, as raw RGB. */
function pixels(jpeg: Buffer): Buffer {
  const args = [
    '-loglevel',
    'error',
    '-f',
    'jpeg_pipe',
    '-i',
    '-',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-',
  ];
  return execFileSync('ffmpeg', args, { input: jpeg });
}

describe('an MJPEG source without Huffman tables', () => {
  test('is copied, and each frame gets the standard tables: the source’s pixels, no re-encoding', async () => {
    const originals = sourceFrames();
    const stripped = originals.map(withoutHuffmanTables);
    for (const frame of stripped) expect(frame.includes(DHT)).toBe(false);
    const input = join(dir, 'no-tables.mjpeg');
    writeFileSync(input, Buffer.concat(stripped));

    const camera = new FfmpegCamera({ input, loop: true }, { idleTimeout: 60_000 });
    onTestFinished(() => camera.close());
    const viewer = camera.subscribe();
    const frames: Buffer[] = [];
    for (let i = 0; i < 4; i++) frames.push((await viewer.next()).data);
    viewer.close();

    expect(camera.args.join(' ')).toContain('-c:v copy');
    for (const frame of frames) {
      expect(frame.includes(DHT)).toBe(true);
      const index = stripped.findIndex((jpeg) => withHuffmanTables(jpeg).equals(frame));
      expect(index).toBeGreaterThanOrEqual(0);
      expect(pixels(frame).equals(pixels(originals[index]!))).toBe(true);
    }
  });
});
