import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestCamera } from '@cam/core/testing';
import { expect, onTestFinished, test, vi } from 'vitest';
import { Recorder } from '../src/recorder.js';

/** A 2 MiB tmpfs of its own: a disk that really fills up. Needs root (CI runs as root). */
function mountSmallDisk(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'cam-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

const disk = mountSmallDisk();

test.skipIf(!disk)(
  'a full disk sets status error with the reason, live viewers go on, and it resumes when space returns',
  async () => {
    const dir = disk!;
    onTestFinished(() => {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    });
    const cam = new TestCamera({ name: 'cam', interval: 33, frameSize: 10_000, idleTimeout: 200 });
    onTestFinished(() => cam.close());
    // Leaves about 400 KiB for recordings: a second and a bit at 300 KB/s.
    const filler = join(dir, 'filler');
    await writeFile(filler, Buffer.alloc(1600 * 1024));
    const recorder = new Recorder(cam, { dir, segmentSeconds: 60, retryMs: 200 });
    onTestFinished(() => recorder.stop());
    const failures: Error[] = [];
    recorder.on('failed', (error) => failures.push(error));
    await recorder.start();

    await vi.waitFor(() => expect(recorder.status.status).toBe('error'), { timeout: 15_000 });
    expect(recorder.status.reason).toMatch(/ENOSPC/);
    expect(failures.length).toBeGreaterThan(0);

    // Live viewers are not affected: a viewer keeps getting new frames while the recorder is in error.
    const viewer = cam.subscribe('live');
    onTestFinished(() => viewer.close());
    const first = await viewer.next();
    for (let i = 0; i < 10; i += 1) await viewer.next();
    expect(viewer.lastSeq).toBeGreaterThanOrEqual(first.seq + 10);
    expect(recorder.status.status).toBe('error');
    const dropped = recorder.status.framesDropped;
    expect(dropped).toBeGreaterThan(0);
    // No flapping: through five retries (every 200 ms) against the still-full disk, it stays in error,
    // though repairing the cut segment frees the cluster whose write failed.
    const seen = new Set<string>();
    for (let i = 0; i < 20; i += 1) {
      seen.add(recorder.status.status);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect([...seen]).toEqual(['error']);
    // A retry finds the disk still full (its reason says so): still the one 'failed' of this outage.
    await vi.waitFor(() => expect(recorder.status.reason).toMatch(/^prepare failed .*ENOSPC/), {
      timeout: 5000,
    });
    expect(failures).toHaveLength(1);

    // Space returns: the recorder repairs the cut segment and records again by itself.
    await rm(filler);
    const written = recorder.status.framesWritten;
    await vi.waitFor(() => expect(recorder.status.status).toBe('recording'), { timeout: 10_000 });
    await vi.waitFor(() => expect(recorder.status.framesWritten).toBeGreaterThan(written + 10), {
      timeout: 10_000,
    });
    expect(recorder.status.reason).toBeUndefined();
    await recorder.stop();
  },
  60_000,
);
