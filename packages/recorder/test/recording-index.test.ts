import { mkdir, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { TestCamera, testJpeg, testJpegNumber } from '@cam/core/testing';
import { expect, onTestFinished, test, vi } from 'vitest';
import { readCues, readSegmentHeader } from '../src/mkv-reader.js';
import { Recorder } from '../src/recorder.js';
import { RecordingIndex } from '../src/recording-index.js';
import { SegmentFile } from '../src/segment-file.js';
import { segmentFileName } from '../src/segment-names.js';
import { decodeAll, demuxedFrames, probe } from './ffmpeg.js';

const T0 = Date.UTC(2026, 10, 30, 1, 0, 0);
/** Frame n (from 0) of the fixture: segment A has n 0..89 at T0 + 33n, segment B has n 90..179 from T0 + 8 s. */
const timeOf = (n: number) => (n < 90 ? T0 + n * 33 : T0 + 8000 + (n - 90) * 33);

async function fixture(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cam-idx-'));
  onTestFinished(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, 'cam');
  await mkdir(dir);
  for (const first of [0, 90]) {
    const file = await SegmentFile.create(
      join(dir, segmentFileName(timeOf(first))),
      testJpeg(first),
      timeOf(first),
    );
    for (let n = first; n < first + 90; n += 1) await file.add(testJpeg(n), timeOf(n));
    await file.finish();
  }
  return dir;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

test('lists segments and the gaps between and around them', async () => {
  const index = new RecordingIndex(await fixture());
  const { segments, gaps } = await index.list(T0 - 2000, T0 + 13_000);
  expect(segments.map((s) => [s.startTime, s.endTime])).toEqual([
    [T0, timeOf(89) + 33],
    [T0 + 8000, timeOf(179) + 33],
  ]);
  expect(gaps).toEqual([
    { startTime: T0 - 2000, endTime: T0 },
    { startTime: timeOf(89) + 33, endTime: T0 + 8000 },
    { startTime: timeOf(179) + 33, endTime: T0 + 13_000 },
  ]);
  expect((await index.list(T0 + 4000, T0 + 7000)).segments).toEqual([]);
});

test('frames from a time start at the first frame at or after it and go on across segments in order', async () => {
  const index = new RecordingIndex(await fixture());
  const frames = await collect(index.frames(timeOf(40) - 10));
  expect(frames.map((f) => testJpegNumber(f.data))).toEqual(Array.from({ length: 140 }, (_, i) => i + 40));
  expect(frames.map((f) => f.capturedAt)).toEqual(Array.from({ length: 140 }, (_, i) => timeOf(i + 40)));
  const bounded = await collect(index.frames(timeOf(100), { to: timeOf(110) }));
  expect(bounded.map((f) => testJpegNumber(f.data))).toEqual(Array.from({ length: 11 }, (_, i) => i + 100));
});

test('framesFrom plays at the original pace times speed, never faster', async () => {
  const index = new RecordingIndex(await fixture());
  const started = performance.now();
  const frames = await collect(index.framesFrom(timeOf(10), { to: timeOf(70), speed: 4 }));
  const elapsed = performance.now() - started;
  expect(frames.map((f) => testJpegNumber(f.data))).toEqual(Array.from({ length: 61 }, (_, i) => i + 10));
  expect(elapsed).toBeGreaterThanOrEqual((timeOf(70) - timeOf(10)) / 4 - 5);
});

test('frameAt gives the nearest frame, also across a gap', async () => {
  const index = new RecordingIndex(await fixture());
  expect(testJpegNumber((await index.frameAt(timeOf(50)))!.data)).toBe(50);
  expect(testJpegNumber((await index.frameAt(timeOf(50) + 12))!.data)).toBe(50);
  expect(testJpegNumber((await index.frameAt(timeOf(50) + 20))!.data)).toBe(51);
  expect(testJpegNumber((await index.frameAt(T0 + 7900))!.data)).toBe(90);
  expect(testJpegNumber((await index.frameAt(timeOf(89) + 500))!.data)).toBe(89);
  expect(testJpegNumber((await index.frameAt(T0 - 60_000))!.data)).toBe(0);
  expect(await new RecordingIndex('/nonexistent/cam').frameAt(T0)).toBeUndefined();
});

test('export streams one Matroska file whose first and last frames are those at from and to', async () => {
  const dir = await fixture();
  const index = new RecordingIndex(dir);
  const file = join(dir, '..', 'export.mkv');
  await writeFile(file, await buffer(index.export(timeOf(60), timeOf(120))));
  const expected = Array.from({ length: 61 }, (_, i) => testJpeg(i + 60));
  expect(await decodeAll(file)).toBe(61);
  expect((await demuxedFrames(file)).equals(Buffer.concat(expected))).toBe(true);
  const result = await probe(file);
  expect(result.packetTimes[0]).toBe(0);
  expect(result.packetTimes.at(-1)).toBeCloseTo((timeOf(120) - timeOf(60)) / 1000, 3);
  await expect(buffer(index.export(T0 + 4000, T0 + 5000))).rejects.toMatchObject({ code: 'NO_RECORDING' });
});

test('a recorder index reads the segment being written, up to its last flushed cluster', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cam-idx-'));
  onTestFinished(() => rm(root, { recursive: true, force: true }));
  const cam = new TestCamera({ name: 'cam', interval: 33, idleTimeout: 200 });
  onTestFinished(() => cam.close());
  const recorder = new Recorder(cam, { dir: root, segmentSeconds: 60 });
  onTestFinished(() => recorder.stop());
  await recorder.start();
  await vi.waitFor(() => expect(recorder.status.framesWritten).toBeGreaterThan(75), { timeout: 10_000 });
  const start = recorder.currentSegment!.startTime;
  const frames = await collect(recorder.index.frames(start));
  expect(frames.length).toBeGreaterThan(25);
  const seqs = frames.map((f) => testJpegNumber(f.data)!);
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
  expect(cam.latestFrame!.capturedAt - frames.at(-1)!.capturedAt).toBeLessThanOrEqual(2000 + 1000);
  const { segments } = await recorder.index.list(start, Date.now());
  expect(segments).toHaveLength(1);
  expect(segments[0]!.recording).toBe(true);
});

test('seeks by the cues: clusters before the one sought are never read', async () => {
  const dir = await fixture();
  const [first] = (await readdir(dir)).sort();
  const handle = await open(join(dir, first!), 'r+');
  const header = await readSegmentHeader(handle);
  const cues = await readCues(handle, header);
  expect(cues.length).toBeGreaterThanOrEqual(3);
  // Wreck every cluster but the last: a reader that scanned the file would fail on them.
  for (const cue of cues.slice(0, -1))
    await handle.write(Buffer.alloc(4), 0, 4, header.layout.dataStart + cue.position);
  await handle.close();
  const index = new RecordingIndex(dir);
  const last = cues.at(-1)!;
  const sought = T0 + last.time + 40;
  const frame = await index.frameAt(sought);
  expect(Math.abs(frame!.capturedAt - sought)).toBeLessThanOrEqual(17);
  const frames = await collect(index.frames(sought, { to: timeOf(95) }));
  expect(frames.map((f) => testJpegNumber(f.data))).toEqual(
    Array.from(
      { length: 96 - testJpegNumber(frames[0]!.data)! },
      (_, i) => testJpegNumber(frames[0]!.data)! + i,
    ),
  );
  await expect(index.frameAt(T0 + 100)).rejects.toThrow(/no cluster/);
});

test('a segment just begun, with no cluster written yet, is passed over: export and frameAt read the others', async () => {
  const dir = await fixture();
  const begun = timeOf(179) + 1000;
  const path = join(dir, `${segmentFileName(begun)}.part`);
  const growing = await SegmentFile.create(join(dir, segmentFileName(begun)), testJpeg(500), begun);
  onTestFinished(() => growing.abandon());
  const index = new RecordingIndex(dir, { live: () => ({ path, startTime: begun }) });

  const exported = await buffer(index.export(T0, begun + 5000));
  expect(exported.length).toBeGreaterThan(0);
  expect((await index.frameAt(begun + 2000))?.capturedAt).toBe(timeOf(179));
});
