// Temporary files: config files and frame directories (labelled JPEGs), removed at cleanup.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * `jpeg` with a comment segment (COM, FF FE) holding `label` right after its start-of-image marker: still
 * a valid JPEG showing the same image, but with bytes of its own that {@link jpegLabel} reads back.
 */
export function labelledJpeg(label: string, jpeg: Buffer = SMALL_JPEG): Buffer {
  const text = Buffer.from(label, 'latin1');
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xfffe, 0);
  header.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, text, jpeg.subarray(2)]);
}

/** The label of a JPEG made by {@link labelledJpeg}, or undefined when it has no comment segment. */
export function jpegLabel(jpeg: Buffer): string | undefined {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  let offset = 2;
  while (offset + 4 <= jpeg.length && jpeg[offset] === 0xff) {
    const marker = jpeg[offset + 1]!;
    if (marker === 0xda || marker === 0xd9) return undefined; // scan data or end: no comment before it
    const length = jpeg.readUInt16BE(offset + 2);
    if (marker === 0xfe) return jpeg.subarray(offset + 4, offset + 2 + length).toString('latin1');
    offset += 2 + length;
  }
  return undefined;
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
