import { readdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { listSegmentFiles, type SegmentEntry } from './segment-names.js';

/** Limits on one camera's recordings; the oldest segments go first when any is passed. */
export interface RetainOptions {
  /** Delete segments that ended more than this many ms ago. */
  maxAge?: number;
  /** Keep this camera's segments under this many bytes in all. */
  maxBytes?: number;
  /** Delete this camera's segments while the file system has less free space than this. */
  minFreeBytes?: number;
}

export interface RetentionPolicy {
  /** The recordings root: one directory per camera. */
  dir: string;
  /** This camera's directory name. */
  camera: string;
  retain?: RetainOptions;
  /** Keep all cameras' segments under `dir` under this many bytes in all. */
  totalMaxBytes?: number;
  /** `Date.now()`, for tests. */
  now?: number;
}

async function remove(entry: SegmentEntry, deleted: string[]): Promise<void> {
  await rm(entry.path, { force: true });
  deleted.push(entry.path);
}

/** Deletes the oldest complete segments until every limit holds. Returns the deleted paths. */
export async function enforceRetention(policy: RetentionPolicy): Promise<string[]> {
  const { dir, camera, retain = {}, totalMaxBytes } = policy;
  const now = policy.now ?? Date.now();
  const deleted: string[] = [];
  const own = await listSegmentFiles(join(dir, camera));

  if (retain.maxAge !== undefined) {
    // A segment's end is the next one's start at the latest; the last one is judged by its start.
    while (own.length > 0 && now - (own[1]?.startTime ?? own[0]!.startTime) > retain.maxAge) {
      await remove(own.shift()!, deleted);
    }
  }
  if (retain.maxBytes !== undefined) {
    let total = own.reduce((sum, entry) => sum + entry.bytes, 0);
    while (own.length > 0 && total > retain.maxBytes) {
      const oldest = own.shift()!;
      total -= oldest.bytes;
      await remove(oldest, deleted);
    }
  }
  if (retain.minFreeBytes !== undefined) {
    const fs = await statfs(dir);
    let free = fs.bavail * fs.bsize;
    while (own.length > 0 && free < retain.minFreeBytes) {
      const oldest = own.shift()!;
      free += oldest.bytes;
      await remove(oldest, deleted);
    }
  }
  if (totalMaxBytes !== undefined) {
    const cameras = await readdir(dir, { withFileTypes: true });
    const all = (
      await Promise.all(
        cameras.filter((d) => d.isDirectory()).map((d) => listSegmentFiles(join(dir, d.name))),
      )
    )
      .flat()
      .filter((entry) => !deleted.includes(entry.path))
      .sort((a, b) => a.startTime - b.startTime);
    let total = all.reduce((sum, entry) => sum + entry.bytes, 0);
    while (all.length > 0 && total > totalMaxBytes) {
      const oldest = all.shift()!;
      total -= oldest.bytes;
      await remove(oldest, deleted);
    }
  }
  return deleted;
}
