// A webcam whose MJPEG frames lack Huffman tables (many USB webcams send them so): the frames the
// driver passes through get the standard tables, and decode to the very pixels of the camera's own.
// Runs on the scripted camera of test/fake-binding.ts, with ffmpeg to make and decode the frames.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { OpenCvCamera } from '../src/index.js';
import { fakeCamera } from './fake-binding.js';
import { STRICT, takeFrames } from './support.js';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const DHT = Buffer.from([0xff, 0xc4]);

/** A 64x48 frame encoded with the standard (T.81 Annex K) tables, and the same frame without its DHT. */
function webcamFrame(): { original: Buffer; withoutDht: Buffer } {
  const original = execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=1', '-frames:v', '1'],
    ...['-huffman', 'default', '-pix_fmt', 'yuvj420p', '-f', 'image2pipe', '-c:v', 'mjpeg', '-'],
  ]);
  const at = original.indexOf(DHT);
  const end = at + 2 + original.readUInt16BE(at + 2);
  return { original, withoutDht: Buffer.concat([original.subarray(0, at), original.subarray(end)]) };
}

function decode(jpeg: Buffer): Buffer {
  return execFileSync(
    'ffmpeg',
    ['-loglevel', 'error', '-f', 'jpeg_pipe', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { input: jpeg },
  );
}

describe('MJPEG passthrough', () => {
  test('frames without a DHT get the standard Huffman tables, not re-encoded', async (ctx) => {
    if (!hasFfmpeg) {
      const note = 'ffmpeg is not installed: `sudo apt install ffmpeg` enables this test';
      if (STRICT) throw new Error(`${note} (CAM_TEST_STRICT=1)`);
      ctx.skip(note);
    }
    const { original, withoutDht } = webcamFrame();
    expect(withoutDht.includes(DHT)).toBe(false);
    const device = fakeCamera({ formats: ['MJPG'], jpegs: [withoutDht] });
    const camera = new OpenCvCamera({ source: 0 }, { loadBinding: device.loadBinding });
    try {
      const [frame] = await takeFrames(camera, 1);
      expect(camera.actual?.passthrough).toBe(true);
      expect(device.encodes).toEqual([]);
      expect(frame!.data.includes(DHT)).toBe(true);
      expect(frame!.data.length).toBe(original.length);
      expect(decode(frame!.data).equals(decode(original))).toBe(true);
    } finally {
      await camera.close();
    }
  });
});
