import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformanceSuite } from '@cam/core/testing';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { driver } from '../src/index.js';
import { makeVideo } from './support.js';

// Against a looping H.264 file made here, read at its own rate (30 fps) and encoded to MJPEG.
const dir = mkdtempSync(join(tmpdir(), 'cam-ffmpeg-conformance-'));
const input = join(dir, 'pattern.mp4');
beforeAll(() =>
  makeVideo([
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=160x120:rate=30',
    '-t',
    '2',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    input,
  ]),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runConformanceSuite({
  test,
  describe,
  name: 'ffmpeg driver conformance (looping H.264 file)',
  driver,
  options: { input, loop: 'true' },
  supports: {
    deviceError: { options: { input: join(dir, 'missing.mp4') }, code: 'DEVICE_NOT_FOUND' },
  },
});
