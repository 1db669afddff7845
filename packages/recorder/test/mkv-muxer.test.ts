import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testJpeg } from '@cam/core/testing';
import { expect, onTestFinished, test } from 'vitest';
import { MatroskaMuxer } from '../src/mkv-muxer.js';
import { readCluster, readCues, readSegmentHeader } from '../src/mkv-reader.js';
import { SegmentFile } from '../src/segment-file.js';

const START = Date.UTC(2026, 10, 30, 4, 0, 0);

async function readBack(path: string) {
  const handle = await open(path, 'r');
  onTestFinished(() => handle.close());
  const header = await readSegmentHeader(handle);
  const cues = await readCues(handle, header);
  const frames = [];
  for (const cue of cues) frames.push(...(await readCluster(handle, header, cue.position)));
  return { cues, frames };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cam-mux-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test("a cluster holds the camera's frame buffers themselves, not copies of them", () => {
  const muxer = new MatroskaMuxer({ width: 640, height: 480, startTime: START });
  muxer.header();
  const frames = [testJpeg(1), testJpeg(2), testJpeg(3)];
  for (const [i, frame] of frames.entries()) expect(muxer.add(frame, START + i * 33)).toBeUndefined();
  const cluster = muxer.flush()!;
  for (const frame of frames) expect(cluster).toContain(frame);
  // A frame a cluster length after the first of the pending ones completes their cluster, as it is.
  const four = testJpeg(4);
  expect(muxer.add(four, START + 100)).toBeUndefined();
  expect(muxer.add(testJpeg(5), START + 1200)).toContain(four);
});

test('frames small and large, and a cluster of a thousand blocks, read back byte for byte', async () => {
  const dir = await tempDir();
  // Sizes around the EBML size encodings' bounds (shortest 2 bytes up to 16382), then 1500 frames 1 ms apart:
  // the first 1000 fill one 1 s cluster.
  const sizes = [0, 16_370, 16_390, 60_000];
  const frames = [
    ...sizes.map((size, i) => ({ data: testJpeg(i + 1, size), capturedAt: START + i * 40 })),
    ...Array.from({ length: 1500 }, (_, i) => ({
      data: testJpeg(i + 10),
      capturedAt: START + 2000 + i + 0.4,
    })),
  ];
  const segment = await SegmentFile.create(join(dir, 'seg.mkv'), frames[0]!.data, START);
  for (const frame of frames) await segment.add(frame.data, frame.capturedAt);
  const finished = await segment.finish();

  const { cues, frames: read } = await readBack(finished.path);
  expect(cues.length).toBeGreaterThanOrEqual(2);
  expect(read.map((frame) => frame.data)).toEqual(frames.map((frame) => frame.data));
  expect(read.map((frame) => frame.capturedAt)).toEqual(
    frames.map((frame) => START + Math.round(frame.capturedAt - START)),
  );
});

test('frames captured in the same millisecond, or after the clock stepped back, keep their order 1 ms apart', async () => {
  const dir = await tempDir();
  // ffmpeg rejects equal timestamps when it copies the frames out ("non monotonically increasing dts").
  const captured = [0, 10, 10, 10.2, 5, 11, 40];
  const segment = await SegmentFile.create(join(dir, 'seg.mkv'), testJpeg(1), START);
  for (const [i, at] of captured.entries()) await segment.add(testJpeg(i + 1), START + at);
  const finished = await segment.finish();

  const { frames: read } = await readBack(finished.path);
  expect(read.map((frame) => frame.capturedAt - START)).toEqual([0, 10, 11, 12, 13, 14, 40]);
  expect(read.map((frame) => frame.data)).toEqual(captured.map((_, i) => testJpeg(i + 1)));
});
