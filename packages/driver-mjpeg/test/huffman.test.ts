// An upstream camera whose MJPEG frames lack Huffman tables (many USB webcams send them so, and
// mjpg-streamer relays them as they are): the driver passes each frame on with the standard tables
// inserted, from a stream and from a snapshot URL, and ffmpeg decodes it to the pixels the camera encoded.
import { execFileSync, spawnSync } from 'node:child_process';
import { JpegSplitter, withHuffmanTables } from '@cam/core';
import { withoutHuffmanTables } from '@cam/core/testing';
import { describe, expect, onTestFinished, test } from 'vitest';
import { MjpegCamera } from '../src/index.js';
import { CAM_STYLE, serve, streamFrames } from './support.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg && process.env.CAM_TEST_STRICT === '1')
  throw new Error('ffmpeg is not installed (CAM_TEST_STRICT=1)');

const DHT = Buffer.from([0xff, 0xc4]);

/** Three distinct 64x48 frames, encoded with the standard (T.81 Annex K) tables, as a webcam does. */
function cameraFrames(): Buffer[] {
  const mjpeg = execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10', '-frames:v', '3'],
    ...['-huffman', 'default', '-pix_fmt', 'yuvj420p', '-f', 'mjpeg', '-c:v', 'mjpeg', '-'],
  ]);
  return new JpegSplitter().push(mjpeg);
}

function decode(jpeg: Buffer): Buffer {
  return execFileSync(
    'ffmpeg',
    ['-loglevel', 'error', '-f', 'jpeg_pipe', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { input: jpeg },
  );
}

/** Each relayed frame is a sent one with the standard tables added, and shows the camera's own pixels. */
function expectTablesAdded(relayed: Buffer[], originals: Buffer[], sent: Buffer[]): void {
  for (const frame of relayed) {
    expect(frame.includes(DHT)).toBe(true);
    const index = sent.findIndex((jpeg) => withHuffmanTables(jpeg).equals(frame));
    expect(index).toBeGreaterThanOrEqual(0);
    expect(decode(frame).equals(decode(originals[index]!))).toBe(true);
  }
}

async function take(camera: MjpegCamera, count: number): Promise<Buffer[]> {
  onTestFinished(() => camera.close());
  const viewer = camera.subscribe();
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) frames.push((await viewer.next()).data);
  viewer.close();
  return frames;
}

const title = hasFfmpeg
  ? 'frames without Huffman tables'
  : 'frames without Huffman tables (skipped: apt-get install ffmpeg)';
describe.skipIf(!hasFfmpeg)(title, () => {
  const originals = hasFfmpeg ? cameraFrames() : [];
  const sent = originals.map(withoutHuffmanTables);

  test('the upstream sends frames without a DHT', () => {
    expect(sent).toHaveLength(3);
    for (const frame of sent) expect(frame.includes(DHT)).toBe(false);
  });

  test('from a Motion-JPEG stream: each gets the standard tables', async () => {
    const upstream = await serve(streamFrames(CAM_STYLE, 20, sent));
    const relayed = await take(new MjpegCamera({ url: upstream.url }, { idleTimeout: 60_000 }), 4);
    expectTablesAdded(relayed, originals, sent);
  });

  test('from a snapshot URL: each gets the standard tables', async () => {
    let served = 0;
    const upstream = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(sent[served++ % sent.length]);
    }, '/snapshot.jpg');
    const camera = new MjpegCamera({ url: upstream.url, snapshotFps: 20 }, { idleTimeout: 60_000 });
    expectTablesAdded(await take(camera, 3), originals, sent);
  });
});
