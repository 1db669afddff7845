// A camera whose JPEGs lack Huffman tables (as many USB webcams send MJPEG; here an emulated camera
// looping such a file) is served with the standard tables inserted, not re-encoded: the bytes on the
// wire, in a snapshot and in a stream, contain a DHT, and ffmpeg decodes them to the original's pixels.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { EmulatedCamera } from '@cam/driver-emulated';
import pino from 'pino';
import { afterEach, describe, expect, onTestFinished, test } from 'vitest';
import { createApp } from '../src/index.js';
import { cleanup, openStream, tempDir } from './helpers.js';

afterEach(cleanup);

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const DHT = Buffer.from([0xff, 0xc4]);
const FFMPEG_NOTE = 'ffmpeg is not installed: `apt-get install ffmpeg` enables this test';

/** ffmpeg's frame with the standard (T.81 Annex K) tables, and the same bytes with its DHT cut out. */
function frames(): { original: Buffer; stripped: Buffer } {
  const original = execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=1', '-frames:v', '1'],
    ...['-huffman', 'default', '-pix_fmt', 'yuvj420p', '-f', 'image2pipe', '-c:v', 'mjpeg', '-'],
  ]);
  const at = original.indexOf(DHT);
  const end = at + 2 + original.readUInt16BE(at + 2);
  return { original, stripped: Buffer.concat([original.subarray(0, at), original.subarray(end)]) };
}

function pixels(jpeg: Buffer): Buffer {
  return execFileSync(
    'ffmpeg',
    ['-loglevel', 'error', '-f', 'jpeg_pipe', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { input: jpeg },
  );
}

describe('frames without Huffman tables', () => {
  test('are served with the standard tables: snapshot and stream decode to the original pixels', async (ctx) => {
    if (!hasFfmpeg) {
      if (process.env.CAM_TEST_STRICT === '1') throw new Error(`${FFMPEG_NOTE} (CAM_TEST_STRICT=1)`);
      ctx.skip(FFMPEG_NOTE);
    }
    const { original, stripped } = frames();
    expect(stripped.includes(DHT)).toBe(false);
    const file = join(tempDir(), 'webcam.jpg');
    writeFileSync(file, stripped);

    const camera = new EmulatedCamera({ fps: 10, files: [file] }, { name: 'webcam' });
    const app = createApp(
      [{ id: 'webcam', driver: 'emulated', camera, maxViewers: undefined }],
      pino({ level: 'silent' }),
    );
    const server = createServer(app.listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    onTestFinished(async () => {
      app.destroyStreams();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      app.close();
      await camera.close();
    });
    const { port } = server.address() as AddressInfo;

    const snapshot = Buffer.from(
      await (await fetch(`http://127.0.0.1:${port}/cameras/webcam/snapshot.jpg`)).arrayBuffer(),
    );
    const stream = await openStream(port, '/cameras/webcam/stream');
    const [part] = await stream.waitForParts(1);
    for (const served of [snapshot, part!.body]) {
      expect(served.includes(DHT)).toBe(true);
      expect(served.length).toBe(original.length); // the tables ffmpeg had, back in place: nothing re-encoded
      expect(pixels(served).equals(pixels(original))).toBe(true);
    }
  });
});
