import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testJpeg } from '@cam/core/testing';
import { expect, onTestFinished, test } from 'vitest';
import { readCluster, readCues, readSegmentHeader } from '../src/mkv-reader.js';
import { repairPartFile, SegmentFile } from '../src/segment-file.js';
import { decodeAll, demuxedFrames, probe } from './ffmpeg.js';

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cam-rec-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Frames about 33 ms apart with a jitter, as a real 30 fps camera delivers them. */
function captureTimes(count: number, start = Date.UTC(2026, 10, 30, 4, 0, 0)): number[] {
  return Array.from({ length: count }, (_, i) => start + Math.round(i * 33.3) + (i % 3));
}

test('a finished segment has every frame, byte for byte, at its capture time, with the right duration', async () => {
  const dir = await tempDir();
  const times = captureTimes(300); // 10 s at 30 fps
  const frames = times.map((_, i) => testJpeg(i + 1, 200 + (i % 7) * 50));
  const segment = await SegmentFile.create(join(dir, 'seg.mkv'), frames[0]!, times[0]!);
  for (const [i, frame] of frames.entries()) await segment.add(frame, times[i]!);
  const finished = await segment.finish();

  expect(await readdir(dir)).toEqual(['seg.mkv']);
  expect(finished.frames).toBe(300);
  expect(finished.bytes).toBe((await stat(finished.path)).size);

  const result = await probe(finished.path);
  const frameSeconds = 1 / 30;
  const captured = (times.at(-1)! - times[0]!) / 1000 + frameSeconds;
  expect(Math.abs(result.duration - captured)).toBeLessThanOrEqual(frameSeconds);
  expect(result.packetTimes).toHaveLength(300);
  for (const [i, time] of result.packetTimes.entries())
    expect(time).toBeCloseTo((times[i]! - times[0]!) / 1000, 3);

  expect(await decodeAll(finished.path)).toBe(300);
  expect((await demuxedFrames(finished.path)).equals(Buffer.concat(frames))).toBe(true);
});

test('the cues point at every cluster, and a cluster reads back its frames with absolute times', async () => {
  const dir = await tempDir();
  const times = captureTimes(90);
  const segment = await SegmentFile.create(join(dir, 'seg.mkv'), testJpeg(1), times[0]!);
  for (const [i, time] of times.entries()) await segment.add(testJpeg(i + 1), time);
  const finished = await segment.finish();

  const handle = await open(finished.path, 'r');
  onTestFinished(() => handle.close());
  const header = await readSegmentHeader(handle);
  expect(header.finalized).toBe(true);
  expect(header.startTime).toBe(times[0]);
  const cues = await readCues(handle, header);
  expect(cues.length).toBeGreaterThanOrEqual(3); // 3 s in clusters of 1 s
  const all = [];
  for (const cue of cues) all.push(...(await readCluster(handle, header, cue.position)));
  expect(all.map((f) => f.capturedAt)).toEqual(times);
  expect(all.map((f) => f.data)).toEqual(times.map((_, i) => testJpeg(i + 1)));
});

test('an unfinished .part is readable up to its last flushed cluster, and repair finalizes it', async () => {
  const dir = await tempDir();
  const times = captureTimes(100);
  const segment = await SegmentFile.create(join(dir, 'seg.mkv'), testJpeg(1), times[0]!);
  for (const [i, time] of times.entries()) await segment.add(testJpeg(i + 1), time);
  await segment.abandon(); // as a crash would leave it: the frames of the last, unflushed cluster are lost

  const part = join(dir, 'seg.mkv.part');
  const before = await probe(part);
  expect(before.packetTimes.length).toBeGreaterThan(60);
  expect(await decodeAll(part)).toBe(before.packetTimes.length);

  // A half-written cluster at the end, as a kill in the middle of a write leaves it.
  const handle = await open(part, 'a');
  await handle.write(Buffer.from([0x1f, 0x43, 0xb6, 0x75, 0x88, 0, 0, 0, 0, 0, 0x10, 0, 0xe7, 0x81]));
  await handle.close();

  const repaired = await repairPartFile(part);
  expect(await readdir(dir)).toEqual(['seg.mkv']);
  expect(repaired?.frames).toBe(before.packetTimes.length);
  const after = await probe(join(dir, 'seg.mkv'));
  expect(after.packetTimes).toEqual(before.packetTimes);
  const lastTime = (times[before.packetTimes.length - 1]! - times[0]!) / 1000;
  expect(Math.abs(after.duration - lastTime)).toBeLessThanOrEqual(1 / 30 + 0.005);
  expect(await decodeAll(join(dir, 'seg.mkv'))).toBe(before.packetTimes.length);
});

test('a .part cut after one frame repairs to a segment with a duration, not 0', async () => {
  const dir = await tempDir();
  const [start] = captureTimes(1);
  const segment = await SegmentFile.create(join(dir, 'seg.mkv'), testJpeg(1), start!);
  await segment.add(testJpeg(1), start!);
  await segment.add(testJpeg(2), start! + 1500); // completes the first cluster: one frame reaches the disk
  await segment.abandon(); // the second frame's cluster is lost, as in a crash

  const repaired = await repairPartFile(join(dir, 'seg.mkv.part'));
  expect(repaired).toMatchObject({ frames: 1, startTime: start, endTime: start! + 1 });
  const probed = await probe(join(dir, 'seg.mkv'));
  expect(probed.packetTimes).toHaveLength(1);
  expect(probed.duration).toBeGreaterThan(0);
  expect(await decodeAll(join(dir, 'seg.mkv'))).toBe(1);
});
