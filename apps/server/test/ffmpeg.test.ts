// ffmpeg, a real and strict Motion-JPEG client, reads /video_feed and writes the frames it got.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  BACKGROUND_PROBE,
  colourFrame,
  decodeWithFfmpeg,
  isWholeJpeg,
  missingToolNote,
  onCleanup,
  requireTool,
  run,
  startServer,
} from './helpers.js';
import { waitForViewerCount } from './viewer-count.js';

const INSTALL = 'apt-get install ffmpeg';

/** Decodes a JPEG with ffmpeg into raw RGB: proof that it is a whole, valid image. */
async function decode(file: string): Promise<Buffer> {
  const result = await decodeWithFfmpeg(file);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

describe('ffmpeg', () => {
  test('reads 3 frames from /video_feed into decodable JPEGs', async (ctx) => {
    if (!requireTool('ffmpeg', INSTALL)) ctx.skip(missingToolNote('ffmpeg', INSTALL));
    const { port, url } = await startServer({ CAMERA_FPS: '10' });
    const dir = await mkdtemp(join(tmpdir(), 'cam-ffmpeg-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));

    const result = await run(
      'ffmpeg',
      ['-nostdin', '-loglevel', 'error', '-i', `${url}/video_feed`, '-frames:v', '3', 'out%d.jpg'],
      { cwd: dir, timeout: 15_000 },
    );
    expect(result.code, `ffmpeg stderr: ${result.stderr}`).toBe(0);
    expect(result.stderr).toBe('');

    const frames: (number | undefined)[] = [];
    for (const n of [1, 2, 3]) {
      const file = join(dir, `out${n}.jpg`);
      expect(isWholeJpeg(await readFile(file)), `${file} is SOI ... EOI`).toBe(true);
      const rgb = await decode(file);
      expect(rgb.length, 'a 640 x 480 RGB image').toBe(640 * 480 * 3);
      const at = (BACKGROUND_PROBE.y * 640 + BACKGROUND_PROBE.x) * 3;
      frames.push(colourFrame([...rgb.subarray(at, at + 3)]));
    }
    // Every image is one of the camera's frames, and the stream moved on between them.
    expect(frames).not.toContain(undefined);
    expect(new Set(frames).size, `frames ${frames.join(',')}`).toBeGreaterThan(1);
    // ffmpeg left, and the server noticed.
    await waitForViewerCount(port, 0);
  });
});
