import { readdirSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const JPEG_EXTENSIONS = new Set(['.jpg', '.jpeg']);

/**
 * The files of this package's own frames, showing "1", "2" and "3" (rendered by scripts/render-frames.mjs).
 * The camera itself uses their embedded copy, `defaultFrames()`, which a bundled app keeps.
 */
export function defaultFrameFiles(): string[] {
  const dir = fileURLToPath(new URL('../frames/', import.meta.url));
  return ['1.jpg', '2.jpg', '3.jpg'].map((name) => join(dir, name));
}

/**
 * Expands the user's list: a directory becomes its JPEG files in name order (natural order, so 2.jpg
 * comes before 10.jpg); a file stays itself. Throws a plain Error saying what is wrong with a path.
 */
export function expandFrameFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw new Error(`"${path}" does not exist${whereLooked(path)}`);
    }
    if (!isDirectory) {
      files.push(path);
      continue;
    }
    const jpegs = readdirSync(path)
      .filter((name) => JPEG_EXTENSIONS.has(extname(name).toLowerCase()))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .map((name) => join(path, name));
    if (jpegs.length === 0) {
      throw new Error(`directory "${path}"${whereLooked(path)} holds no .jpg or .jpeg files`);
    }
    files.push(...jpegs);
  }
  return files;
}

/** A relative path means little in a message: say which absolute path it was taken as. */
function whereLooked(path: string): string {
  return isAbsolute(path) ? '' : ` (looked for ${resolve(path)})`;
}
