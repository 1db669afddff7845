// Temporary files: config files and frame directories (labelled JPEGs), removed at cleanup.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJpegStamp, stampJpeg } from '@cam/core/testing';
import { onCleanup } from './cleanup.js';

/** A new empty directory under the system's temp dir, removed (with its contents) at the next cleanup. */
export function tempDir(prefix = 'cam-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `text` to `name` in a new temp dir and returns the file's absolute path. */
export function writeTempFile(name: string, text: string): string {
  const file = join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

/** A valid baseline JPEG, 320 x 240, of one flat colour (656 bytes): unlike the default 640 x 480 frames. */
export const SMALL_JPEG: Buffer = Buffer.from(
  '/9j/4AAQSkZJRgABAgAAAQABAAD/2wBDAAg+Pkk+SVVVVVVVVWRdZGhoaGRkZGRoaGhwcHCDg4NwcHBoaHBwfHyDg4+Tj4eHg4eTk5ubm7q6' +
    'srLZ2eD/////xABNAAEBAAAAAAAAAAAAAAAAAAAABgEBAQEAAAAAAAAAAAAAAAAAAAUGEAEAAAAAAAAAAAAAAAAAAAAAEQEAAAAAAAAAAAAA' +
    'AAAAAAAA/8AAEQgA8AFAAwEiAAIRAAMRAP/aAAwDAQACEQMRAD8AigGwQ' +
    'A'.repeat(598) +
    'H/9k=',
  'base64',
);

/** `jpeg` (default {@link SMALL_JPEG}) stamped with `label` by @cam/core's stamper; {@link jpegLabel} reads it. */
export function labelledJpeg(label: string, jpeg: Buffer = SMALL_JPEG): Buffer {
  return stampJpeg(jpeg, label);
}

/** The label of a JPEG made by {@link labelledJpeg}, or undefined when it has none. */
export const jpegLabel = readJpegStamp;

/** A labelled {@link SMALL_JPEG} padded with comment segments to at least `size` bytes: a big frame. */
export function paddedJpeg(label: string, size: number): Buffer {
  return stampJpeg(SMALL_JPEG, label, size);
}

/** A new temp dir holding one labelled JPEG per label, as `1.jpg`, `2.jpg`, ... in that order. */
export function writeFrames(labels: readonly string[]): { dir: string; files: string[] } {
  const dir = tempDir('cam-frames-');
  const files = labels.map((label, index) => {
    const file = join(dir, `${index + 1}.jpg`);
    writeFileSync(file, labelledJpeg(label));
    return file;
  });
  return { dir, files };
}
