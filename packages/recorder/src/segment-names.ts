import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PART_SUFFIX } from './segment-file.js';

// A segment is named after the capture time of its first frame: `2026-11-30T04-07-30.123Z.mkv`, an ISO
// 8601 time with `-` for `:` so that the name is valid on every file system and sorts by time.

export const SEGMENT_SUFFIX = '.mkv';

export function segmentFileName(startTime: number): string {
  return new Date(startTime).toISOString().replaceAll(':', '-') + SEGMENT_SUFFIX;
}

/** The start time a segment file name encodes, or undefined for any other file. */
export function segmentStartTime(fileName: string): number | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d(?:\.\d+)?Z)\.mkv$/.exec(fileName);
  if (!match) return undefined;
  const time = Date.parse(`${match[1]}:${match[2]}:${match[3]}`);
  return Number.isNaN(time) ? undefined : time;
}

/** A complete segment file on disk, known from its name and size alone. */
export interface SegmentEntry {
  path: string;
  startTime: number;
  bytes: number;
}

/** The complete segments in `cameraDir`, oldest first; a missing directory has none. */
export async function listSegmentFiles(cameraDir: string): Promise<SegmentEntry[]> {
  const names = await readdir(cameraDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const entries: SegmentEntry[] = [];
  for (const name of names) {
    const startTime = segmentStartTime(name);
    if (startTime === undefined) continue;
    const path = join(cameraDir, name);
    const info = await stat(path).catch(() => undefined);
    if (info) entries.push({ path, startTime, bytes: info.size });
  }
  return entries.sort((a, b) => a.startTime - b.startTime);
}

/** The `.part` files a crash left in `cameraDir`. */
export async function listPartFiles(cameraDir: string): Promise<string[]> {
  const names = await readdir(cameraDir).catch(() => [] as string[]);
  return names
    .filter((name) => name.endsWith(SEGMENT_SUFFIX + PART_SUFFIX))
    .map((name) => join(cameraDir, name));
}
