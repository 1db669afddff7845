import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testJpeg } from '@cam/core/testing';
import { expect, onTestFinished, test } from 'vitest';
import { enforceRetention } from '../src/retention.js';
import { SegmentFile } from '../src/segment-file.js';
import { listSegmentFiles, segmentFileName } from '../src/segment-names.js';

const T0 = Date.UTC(2026, 10, 30, 0, 0, 0);

async function recordings(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cam-ret-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A real one-second segment of 30 frames of about `frameBytes` each, starting at `start`. */
async function segment(dir: string, camera: string, start: number, frameBytes = 1000): Promise<void> {
  await mkdir(join(dir, camera), { recursive: true });
  const file = await SegmentFile.create(join(dir, camera, segmentFileName(start)), testJpeg(1), start);
  for (let i = 0; i < 30; i += 1) await file.add(testJpeg(i, frameBytes), start + i * 33);
  await file.finish();
}

async function starts(dir: string, camera: string): Promise<number[]> {
  return (await listSegmentFiles(join(dir, camera))).map((entry) => (entry.startTime - T0) / 1000);
}

test('maxBytes deletes the oldest segments first until the camera fits', async () => {
  const dir = await recordings();
  for (let i = 0; i < 5; i += 1) await segment(dir, 'a', T0 + i * 1000);
  const [one] = await listSegmentFiles(join(dir, 'a'));
  const deleted = await enforceRetention({ dir, camera: 'a', retain: { maxBytes: one!.bytes * 3 } });
  expect(deleted).toHaveLength(2);
  expect(await starts(dir, 'a')).toEqual([2, 3, 4]);
});

test('maxAge deletes segments that ended longer ago than that', async () => {
  const dir = await recordings();
  for (let i = 0; i < 5; i += 1) await segment(dir, 'a', T0 + i * 1000);
  await enforceRetention({ dir, camera: 'a', retain: { maxAge: 2500 }, now: T0 + 5000 });
  // Segment 1 ended when 2 began (3 s before "now"): gone; 2 ended at 3 (2 s ago): kept.
  expect(await starts(dir, 'a')).toEqual([2, 3, 4]);
});

test('totalMaxBytes deletes the oldest segments across cameras', async () => {
  const dir = await recordings();
  for (let i = 0; i < 3; i += 1) {
    await segment(dir, 'a', T0 + i * 2000);
    await segment(dir, 'b', T0 + i * 2000 + 1000);
  }
  const [one] = await listSegmentFiles(join(dir, 'a'));
  await enforceRetention({ dir, camera: 'a', totalMaxBytes: one!.bytes * 3 + 10 });
  expect(await starts(dir, 'a')).toEqual([4]);
  expect(await starts(dir, 'b')).toEqual([3, 5]);
});

test('minFreeBytes deletes the oldest segments while the file system is short of space', async () => {
  const dir = await recordings();
  for (let i = 0; i < 3; i += 1) await segment(dir, 'a', T0 + i * 1000);
  // More free space than any disk has: every segment goes, oldest first.
  const deleted = await enforceRetention({
    dir,
    camera: 'a',
    retain: { minFreeBytes: Number.MAX_SAFE_INTEGER },
  });
  expect(deleted.map((path) => path.slice(-28))).toEqual(
    [0, 1, 2].map((i) => segmentFileName(T0 + i * 1000)),
  );
});
