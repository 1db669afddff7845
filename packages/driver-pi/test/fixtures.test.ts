// The fake's frames are real JPEGs: any decoder reads them (here ffmpeg, which CI installs).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FIXTURES, FRAME_NAMES, FRAMES } from './support.js';

function hasFfmpeg(): boolean {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CAM_TEST_STRICT === '1') throw new Error('ffmpeg is not installed (CAM_TEST_STRICT=1)');
    console.warn('skipped: ffmpeg is not installed: `sudo apt install ffmpeg` enables this test');
    return false;
  }
}

describe('fixture frames', () => {
  test('there are plain frames, a large one and frames with EXIF thumbnails', () => {
    expect(FRAME_NAMES).toEqual([
      '1-plain.jpg',
      '2-exif-thumbnail.jpg',
      '3-large.jpg',
      '4-exif-and-comment.jpg',
    ]);
    expect(FRAMES[2]!.length).toBeGreaterThan(64 * 1024); // more than one read from a pipe
  });

  test.each(FRAME_NAMES)('ffmpeg decodes %s without a complaint', { timeout: 20_000 }, (name) => {
    if (!hasFfmpeg()) return;
    const file = join(FIXTURES, 'frames', name);
    const log = execFileSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(log).toBe('');
  });

  test.each(FRAME_NAMES.filter((name) => name.includes('exif')))(
    'ffmpeg decodes the EXIF thumbnail of %s',
    (name) => {
      if (!hasFfmpeg()) return;
      const frame = FRAMES[FRAME_NAMES.indexOf(name)]!;
      const start = frame.indexOf(Buffer.from([0xff, 0xd8]), 2);
      const end = frame.indexOf(Buffer.from([0xff, 0xd9]), start) + 2;
      const thumbnail = frame.subarray(start, end);
      const info = execFileSync(
        'ffprobe',
        ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', '-'],
        {
          input: thumbnail,
          encoding: 'utf8',
        },
      );
      expect(info.trim()).toBe('80,60');
    },
  );
});
