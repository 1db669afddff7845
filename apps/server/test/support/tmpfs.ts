// A small disk of a test's own: a tmpfs mounted on a temp dir, so that a full disk is a real ENOSPC from the
// kernel. Mounting needs root (CI runs as root); elsewhere the tests that need it skip and say so.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

const SKIP_NOTE = 'mounting a tmpfs needs root (`sudo`, or CI): the full-disk tests skip without it';

function tryMount(size: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'cam-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  } catch {
    // Still busy (a process that has not quite let go): detach it now, the kernel frees it after.
    execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Whether this machine lets us mount a tmpfs (tried once, at collection). Where it does not, the tests
 * skip with a note, unless CAM_TEST_STRICT=1 (as on CI): then this throws, and they fail instead.
 */
export function canMountTmpfs(env: NodeJS.ProcessEnv = process.env): boolean {
  const probe = tryMount('64k');
  if (probe) {
    unmount(probe);
    return true;
  }
  if (env.CAM_TEST_STRICT === '1')
    throw new Error(`${SKIP_NOTE} (CAM_TEST_STRICT=1 turns this skip into a failure)`);
  console.warn(`skipped: ${SKIP_NOTE}`);
  return false;
}

/**
 * Mounts a tmpfs of `size` (as `mount -o size=`: `2m`, `512k`) on a new temp dir and returns its path;
 * unmounted (and removed) when the current test finishes. Call it before starting the server that uses it,
 * so that the server has ended (cleanup runs last registered first) when it is unmounted.
 */
export function mountTmpfs(size: string): string {
  const dir = tryMount(size);
  if (!dir) throw new Error(`mount -t tmpfs -o size=${size} failed`);
  onTestFinished(() => unmount(dir));
  return dir;
}

/** Fills the file system of `dir` to the last byte with a file `name` in it; returns that file's path. */
export function fillDisk(dir: string, name = 'filler'): string {
  const file = join(dir, name);
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    // Whole chunks, then whatever is left byte by byte in smaller ones, until the kernel says ENOSPC.
    for (let size = chunk.length; size >= 1; ) {
      try {
        const written = writeSync(fd, chunk, 0, size);
        if (written < size) size = Math.max(1, size >> 1);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        if (size === 1) break;
        size >>= 1;
      }
    }
  } finally {
    closeSync(fd);
  }
  return file;
}
