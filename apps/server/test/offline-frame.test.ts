import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jpegDimensions, looksLikeJpeg } from '@cam/core';
import jpeg from 'jpeg-js';
import { describe, expect, test } from 'vitest';
import { renderOfflineFrame } from '../src/offline-frame.js';

const REASON =
  "[cam] [front] cannot read frame file /srv/cam/1.jpg: ENOENT: no such file or directory, open '/srv/cam/1.jpg'";

describe('the camera-offline frame', () => {
  test('is a decodable JPEG of the requested size', () => {
    const frame = renderOfflineFrame({
      camera: 'front',
      reason: REASON,
      since: new Date(0),
      width: 320,
      height: 240,
    });
    expect(looksLikeJpeg(frame)).toBe(true);
    expect(jpegDimensions(frame)).toEqual({ width: 320, height: 240 });
    const decoded = jpeg.decode(frame, { useTArray: true });
    expect(decoded.width).toBe(320);
  });

  test('shows text: bright pixels on the dark background, different for a different reason', () => {
    const a = jpeg.decode(renderOfflineFrame({ camera: 'front', reason: 'one', since: new Date(0) }), {
      useTArray: true,
    });
    const b = jpeg.decode(renderOfflineFrame({ camera: 'front', reason: 'two', since: new Date(0) }), {
      useTArray: true,
    });
    const bright = (image: { data: Uint8Array }) => {
      let count = 0;
      for (let i = 0; i < image.data.length; i += 4) if (image.data[i]! > 180) count++;
      return count;
    };
    expect(bright(a)).toBeGreaterThan(500);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(false);
    // the top-left corner is background
    expect(a.data[0]).toBeLessThan(60);
  });

  test('copes with characters the font lacks and with very long reasons', () => {
    const frame = renderOfflineFrame({
      camera: 'caméra',
      reason: `${'x'.repeat(2000)} ✗`,
      since: new Date(),
    });
    expect(looksLikeJpeg(frame)).toBe(true);
  });

  test('ffmpeg decodes it too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cam-offline-'));
    try {
      const file = join(dir, 'offline.jpg');
      writeFileSync(file, renderOfflineFrame({ camera: 'front', reason: REASON, since: new Date() }));
      let probe: string;
      try {
        probe = execFileSync(
          'ffprobe',
          ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file],
          {
            encoding: 'utf8',
          },
        );
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && process.env.CAM_TEST_STRICT !== '1') return;
        throw error;
      }
      expect(probe.trim()).toBe('640,480');
      execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-i', file, join(dir, 'offline.png')]);
      expect(readFileSync(join(dir, 'offline.png')).length).toBeGreaterThan(1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
