import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { BaseCamera, delay, type Frame } from '@cam/core';
import { TestCamera, testJpeg } from '@cam/core/testing';
import { expect, onTestFinished, test, vi } from 'vitest';
import { readCluster, readSegmentHeader, scanClusters } from '../src/mkv-reader.js';
import { Recorder } from '../src/recorder.js';
import type { FinishedSegment } from '../src/segment-file.js';
import { listSegmentFiles } from '../src/segment-names.js';
import { decodeAll, probe } from './ffmpeg.js';

const run = promisify(execFile);

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cam-rec-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function camera(options: ConstructorParameters<typeof TestCamera>[0] = {}): TestCamera {
  const cam = new TestCamera({ name: 'cam', interval: 33, idleTimeout: 200, ...options });
  onTestFinished(() => cam.close());
  return cam;
}

test('records segments that ffprobe accepts, keeping the camera running without viewers', async () => {
  const dir = await tempDir();
  const cam = camera();
  const recorder = new Recorder(cam, { dir, segmentSeconds: 1 });
  const segments: FinishedSegment[] = [];
  recorder.on('segment', (segment) => segments.push(segment));
  await recorder.start();
  expect(recorder.status.status).toBe('recording');
  await vi.waitFor(() => expect(segments.length).toBeGreaterThanOrEqual(3), { timeout: 15_000 });
  // No viewer but the recorder, and far past the idle timeout: still capturing.
  expect(cam.state.status).toBe('running');
  await recorder.stop();
  expect(recorder.status.status).toBe('stopped');

  const files = await readdir(join(dir, 'cam'));
  expect(files.every((name) => name.endsWith('.mkv'))).toBe(true);
  let frames = 0;
  for (const segment of segments) {
    const result = await probe(segment.path);
    expect(result.packetTimes).toHaveLength(segment.frames);
    const seconds = (segment.endTime - segment.startTime) / 1000;
    expect(Math.abs(result.duration - seconds)).toBeLessThanOrEqual(0.034);
    expect(await decodeAll(segment.path)).toBe(segment.frames);
    frames += segment.frames;
  }
  const { framesWritten, framesDropped, bytes } = recorder.status;
  expect(frames).toBe(framesWritten);
  expect(framesDropped).toBe(0);
  expect(bytes).toBe(segments.reduce((sum, s) => sum + s.bytes, 0));
  // Stopping releases the camera: its idle stop applies again.
  await vi.waitFor(() => expect(cam.state.status).toBe('idle'), { timeout: 5000 });
});

test('a full queue drops frames and counts them instead of growing', async () => {
  const dir = await tempDir();
  // Manual camera: a burst of 100 frames of 40 kB is published within microtasks, far faster than any
  // disk write completes, so the queue (room for one frame) must overflow.
  const cam = camera({ interval: undefined, frameSize: 40_000 });
  const recorder = new Recorder(cam, { dir, maxQueueBytes: 50_000 });
  await recorder.start();
  cam.push(100);
  await vi.waitFor(() => expect(recorder.status.framesWritten + recorder.status.framesDropped).toBe(100), {
    timeout: 10_000,
  });
  const { framesWritten, framesDropped } = recorder.status;
  expect(framesDropped).toBeGreaterThan(0);
  expect(framesWritten).toBeGreaterThan(0);
  await recorder.stop();
  const [segment] = await listSegmentFiles(join(dir, 'cam'));
  const result = await probe(segment!.path);
  expect(result.packetTimes.length).toBe(framesWritten);
});

test('every frame on disk is byte for byte the one captured, while its copies are reused cluster after cluster', async () => {
  const dir = await tempDir();
  // 150 kB frames every 10 ms in clusters of 100 ms: each cluster spans two or more of the recorder's
  // reused slabs, and new frames are copied in while earlier clusters are still being written.
  const cam = camera({ interval: 10, frameSize: 150_000 });
  const captured: Buffer[] = [];
  const recorder = new Recorder(cam, { dir, flushMs: 100, segmentSeconds: 1 });
  const segments: FinishedSegment[] = [];
  recorder.on('segment', (segment) => segments.push(segment));
  await recorder.start();
  const keep = (frame: Frame) => captured.push(frame.data);
  cam.on('frame', keep);
  await vi.waitFor(() => expect(segments.length).toBeGreaterThanOrEqual(2), { timeout: 15_000 });
  cam.off('frame', keep); // in the same tick as the recorder stops listening: both saw the same frames
  await recorder.stop();
  expect(recorder.status.framesDropped).toBe(0);

  const recorded: Buffer[] = [];
  for (const segment of segments) {
    const handle = await open(segment.path);
    try {
      const header = await readSegmentHeader(handle);
      for (const cluster of (await scanClusters(handle, header)).clusters)
        for (const frame of await readCluster(handle, header, cluster.position)) recorded.push(frame.data);
    } finally {
      await handle.close();
    }
  }
  expect(recorded.length).toBe(recorder.status.framesWritten);
  // The recorder started listening before this test did: it may have the camera's first frames on top.
  const skipped = recorded.length - captured.length;
  expect(skipped).toBeGreaterThanOrEqual(0);
  expect(skipped).toBeLessThanOrEqual(2);
  for (let index = 0; index < captured.length; index += 1) {
    if (!captured[index]!.equals(recorded[index + skipped]!)) expect.fail(`frame ${index} differs on disk`);
  }
});

test('recent: the frames not on disk yet and the cluster written last, so that files and memory meet', async () => {
  const dir = await tempDir();
  const cam = camera({ interval: 20 });
  const captured: Frame[] = [];
  cam.on('frame', (frame) => captured.push(frame));
  const recorder = new Recorder(cam, { dir, flushMs: 200 });
  await recorder.start();
  await vi.waitFor(() => expect(recorder.status.framesWritten).toBeGreaterThan(20), { timeout: 10_000 });
  for (let check = 0; check < 5; check += 1) {
    const onDisk: number[] = [];
    for await (const frame of recorder.index.frames(0)) onDisk.push(frame.capturedAt);
    const inMemory = [...recorder.recent.frames(0)];
    expect(recorder.recent.size).toBe(inMemory.length);
    expect(recorder.recent.oldest).toBe(inMemory[0]!.capturedAt);
    expect(recorder.recent.bytes).toBe(inMemory.reduce((sum, frame) => sum + frame.data.length, 0));
    // Every frame captured from the first on disk to the newest in memory is in one or the other, and
    // what memory hands out is each frame's bytes.
    const seen = new Set([...onDisk, ...inMemory.map((frame) => frame.capturedAt)]);
    const span = captured.filter((f) => f.capturedAt >= onDisk[0]! && f.seq <= inMemory.at(-1)!.seq);
    expect(span.filter((frame) => !seen.has(frame.capturedAt)).map((frame) => frame.seq)).toEqual([]);
    for (const frame of inMemory) {
      expect(frame.data.equals(captured.find((f) => f.seq === frame.seq)!.data)).toBe(true);
    }
    const middle = inMemory[Math.floor(inMemory.length / 2)]!;
    expect(recorder.recent.frameAt(middle.capturedAt)?.seq).toBe(middle.seq);
    await delay(130);
  }
  await recorder.stop();
  expect(recorder.recent.size).toBe(0);
  expect(recorder.recent.bytes).toBe(0);
});

test('recent keeps the cluster written last until the next one is on disk: memory always meets the files', async () => {
  const dir = await tempDir();
  const cam = camera({ interval: undefined }); // frames only when pushed: nothing moves between the checks
  const recorder = new Recorder(cam, { dir, flushMs: 100 });
  await recorder.start();
  cam.push(5);
  await vi.waitFor(() => expect(recorder.status.framesWritten).toBe(5), { timeout: 5000 });
  expect(recorder.recent.size).toBe(5); // on disk, and still in memory
  cam.push(3);
  await vi.waitFor(() => expect(recorder.recent.size).toBe(8), { timeout: 5000 });
  // The older cluster goes once the next one is on disk. (framesWritten counts a frame as it joins the
  // segment, before its cluster's write has completed: it is not the moment to look.)
  await vi.waitFor(() => expect(recorder.recent.size).toBe(3), { timeout: 5000 });
  expect(recorder.status.framesWritten).toBe(8);
  const onDisk: Buffer[] = [];
  for await (const frame of recorder.index.frames(0)) onDisk.push(frame.data);
  expect(onDisk).toHaveLength(8);
  expect([...recorder.recent.frames(0)].map((frame) => frame.data)).toEqual(onDisk.slice(5));
  await recorder.stop();
});

test('after kill -9, earlier segments are intact and the cut one is repaired, losing at most 2 s', async () => {
  const dir = await tempDir();
  const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures/record-child.mjs'), dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onTestFinished(() => {
    child.kill('SIGKILL');
  });
  let lastFrame = 0;
  const finished: string[] = [];
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const [kind, value] = line.split(' ');
    if (kind === 'frame') lastFrame = Number(value);
    if (kind === 'segment') finished.push(value!);
  });
  // Two whole segments of 2 s, then 1.5 s into the third.
  await vi.waitFor(() => expect(finished.length).toBeGreaterThanOrEqual(2), { timeout: 45_000 });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  // 'close' comes after the child's stdout has been read to its end: every line it printed is counted.
  const closed = new Promise((resolve) => child.once('close', resolve));
  child.kill('SIGKILL');
  await closed;

  const parts = (await readdir(join(dir, 'cam'))).filter((name) => name.endsWith('.part'));
  expect(parts).toHaveLength(1);
  for (const path of finished) expect(await decodeAll(path)).toBeGreaterThan(0);

  // A new recorder repairs the cut segment before it records.
  const recorder = new Recorder(camera(), { dir, segmentSeconds: 2 });
  const repaired: FinishedSegment[] = [];
  recorder.on('segment', (segment) => repaired.push(segment));
  await recorder.start();
  await recorder.stop();
  const cut = repaired[0]!;
  expect(cut.path.endsWith(parts[0]!.replace('.part', ''))).toBe(true);
  const result = await probe(cut.path);
  expect(result.packetTimes).toHaveLength(cut.frames);
  expect(await decodeAll(cut.path)).toBe(cut.frames);
  expect(lastFrame - cut.endTime).toBeLessThanOrEqual(2000);
  for (const path of finished) expect((await probe(path)).packetTimes.length).toBeGreaterThan(40);
}, 90_000);

test('a camera closed while recording ends the demand cleanly, and stop() keeps what was recorded', async () => {
  const dir = await tempDir();
  const cam = camera();
  const recorder = new Recorder(cam, { dir });
  await recorder.start();
  await vi.waitFor(() => expect(recorder.status.framesWritten).toBeGreaterThan(10), { timeout: 10_000 });
  await cam.close();
  await recorder.stop();
  const [segment] = await listSegmentFiles(join(dir, 'cam'));
  expect((await probe(segment!.path)).packetTimes).toHaveLength(recorder.status.framesWritten);
  expect(() => new Recorder(cam, { dir: '' })).toThrow(TypeError);
});

test('stop() applies retention to the segment it finishes: the oldest goes, the newest stays', async () => {
  const dir = await tempDir();
  // Manual frames of a known size: each run makes one segment of 20 frames, a little over 20 kB.
  const cam = camera({ interval: undefined, frameSize: 1000 });
  const recorder = new Recorder(cam, { dir, segmentSeconds: 60, retain: { maxBytes: 30_000 } });
  const deleted: string[] = [];
  recorder.on('deleted', (paths) => deleted.push(...paths));
  const recordOneSegment = async () => {
    await recorder.start();
    const before = recorder.status.framesWritten;
    cam.push(20);
    await vi.waitFor(() => expect(recorder.status.framesWritten).toBe(before + 20), { timeout: 10_000 });
    await recorder.stop();
  };
  await recordOneSegment();
  const [first] = await listSegmentFiles(join(dir, 'cam'));
  expect(first!.bytes).toBeGreaterThan(20_000); // alone, within the limit: kept
  expect(first!.bytes).toBeLessThan(30_000);
  await recordOneSegment();
  // Both together are over the limit, with the second finished by stop(): the first is deleted then,
  // not at some later start.
  const left = await listSegmentFiles(join(dir, 'cam'));
  expect(deleted).toEqual([first!.path]);
  expect(left).toHaveLength(1);
  expect(left[0]!.startTime).toBeGreaterThan(first!.startTime);
  expect(left[0]!.bytes).toBeLessThanOrEqual(30_000);
});

test("a failure is one 'failed' event, however many retries fail; the reason follows the latest", async () => {
  const root = await tempDir();
  // A file where the recordings directory should be: mkdir fails with ENOTDIR.
  const dir = join(root, 'rec');
  await writeFile(dir, 'not a directory');
  const recorder = new Recorder(camera(), { dir, retryMs: 20 });
  onTestFinished(() => recorder.stop());
  const events: string[] = [];
  recorder.on('failed', (error) => events.push(`failed ${(error as NodeJS.ErrnoException).code}`));
  recorder.on('recovered', () => events.push('recovered'));
  await recorder.start();
  expect(recorder.status.status).toBe('error');
  expect(recorder.status.reason).toMatch(/^prepare failed in .*: ENOTDIR: /);
  // The retry meets another obstacle (a file where the camera's directory should be): EEXIST, and still
  // the one event.
  await rm(dir);
  await mkdir(dir);
  await writeFile(join(dir, 'cam'), 'not a directory either');
  await vi.waitFor(() => expect(recorder.status.reason).toMatch(/EEXIST/), { timeout: 5000 });
  expect(recorder.status.status).toBe('error');
  expect(events).toEqual(['failed ENOTDIR']);
  // The way is clear: one 'recovered'.
  await rm(join(dir, 'cam'));
  await vi.waitFor(() => expect(recorder.status.status).toBe('recording'), { timeout: 5000 });
  expect(events).toEqual(['failed ENOTDIR', 'recovered']);
  expect(recorder.status.reason).toBeUndefined();
});

test('a new frame size starts a new segment, each file with its own size', async () => {
  const dir = await tempDir();
  const { stdout: bigger } = await run(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:size=32x24', '-frames:v', '1', '-f', 'mjpeg', '-'],
    { encoding: 'buffer' },
  );
  // Frames 1-10 are 16x16, then 32x24 (a camera whose resolution was changed), then 16x16 again.
  class ResizingCamera extends BaseCamera {
    protected override async *frames(signal: AbortSignal): AsyncGenerator<Buffer> {
      for (let n = 1; ; n++) {
        await delay(20, signal);
        yield n > 10 && n <= 20 ? bigger : testJpeg(n);
      }
    }
  }
  const cam = new ResizingCamera({ name: 'cam', idleTimeout: 200 });
  onTestFinished(() => cam.close());
  const recorder = new Recorder(cam, { dir, segmentSeconds: 60 });
  const segments: FinishedSegment[] = [];
  recorder.on('segment', (segment) => segments.push(segment));
  await recorder.start();
  await vi.waitFor(() => expect(recorder.status.framesWritten).toBeGreaterThanOrEqual(25), {
    timeout: 15_000,
  });
  await recorder.stop();

  expect(segments.map((segment) => segment.frames).slice(0, 2)).toEqual([10, 10]);
  const sizes = [];
  for (const segment of segments) {
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=width,height',
      '-of',
      'csv=p=0',
      segment.path,
    ]);
    sizes.push(stdout.trim());
    expect(await decodeAll(segment.path)).toBe(segment.frames);
  }
  expect(sizes).toEqual(['16,16', '32,24', '16,16']);
});

test('60 s at 30 fps: each segment lasts what its capture times say, within a frame; every frame captured is written or counted', {
  timeout: 120_000,
}, async () => {
  const dir = await tempDir();
  const cam = camera();
  const recorder = new Recorder(cam, { dir, segmentSeconds: 10 });
  const segments: FinishedSegment[] = [];
  recorder.on('segment', (segment) => segments.push(segment));
  await recorder.start();
  await delay(60_000);
  const stopping = recorder.stop(); // it stops listening now: what the camera captured so far is what it saw
  const { framesCaptured } = cam.state;
  await stopping;

  expect(segments.length).toBeGreaterThanOrEqual(6);
  let written = 0;
  for (const segment of segments) {
    const result = await probe(segment.path);
    expect(result.packetTimes).toHaveLength(segment.frames);
    const seconds = (segment.endTime - segment.startTime) / 1000;
    expect(Math.abs(result.duration - seconds), segment.path).toBeLessThanOrEqual(1 / 30);
    written += segment.frames;
  }
  expect(written).toBe(recorder.status.framesWritten);
  expect(written).toBeGreaterThan(60 * 30 * 0.5);
  // The recorder takes every frame from the camera's 'frame' event: each one is written or counted dropped.
  expect(written + recorder.status.framesDropped).toBe(framesCaptured);
});
