import type { Frame } from '@cam/core';
import { TestCamera, testJpegNumber } from '@cam/core/testing';
import { expect, onTestFinished, test, vi } from 'vitest';
import { ReplayBuffer } from '../src/replay-buffer.js';

function camera(options: ConstructorParameters<typeof TestCamera>[0] = {}): TestCamera {
  const cam = new TestCamera({ name: 'cam', interval: 20, idleTimeout: 200, ...options });
  onTestFinished(() => cam.close());
  return cam;
}

/** A viewer that keeps the camera running for the test. */
function watch(cam: TestCamera): void {
  const viewer = cam.subscribe('test');
  onTestFinished(() => viewer.close());
  void (async () => {
    for await (const _ of viewer);
  })().catch(() => {});
}

function collectFrames(cam: TestCamera): Frame[] {
  const seen: Frame[] = [];
  cam.on('frame', (frame) => seen.push(frame));
  return seen;
}

test('keeps at most replayBytes of frames, whatever their size', async () => {
  const cam = camera({ frameSize: 10_000 });
  const replay = new ReplayBuffer(cam, { replaySeconds: 60, replayBytes: 50_000 });
  onTestFinished(() => replay.close());
  const seen = collectFrames(cam);
  watch(cam);
  await vi.waitFor(() => expect(seen.length).toBeGreaterThan(20), { timeout: 10_000 });
  expect(replay.bytes).toBeLessThanOrEqual(50_000);
  expect(replay.size).toBeGreaterThanOrEqual(4);
  // The newest frames are the ones kept.
  const kept = [...replay.frames(0)];
  expect(kept.at(-1)).toEqual(cam.latestFrame);
});

test('keeps the last replaySeconds, and reads back in order from any time, nearest frame included', async () => {
  const cam = camera();
  const replay = new ReplayBuffer(cam, { replaySeconds: 0.5, replayBytes: 10_000_000 });
  onTestFinished(() => replay.close());
  const seen = collectFrames(cam);
  watch(cam);
  await vi.waitFor(() => expect(seen.length).toBeGreaterThan(60), { timeout: 10_000 });
  const kept = [...replay.frames(0)];
  expect(kept.at(-1)!.capturedAt - kept[0]!.capturedAt).toBeLessThanOrEqual(500);
  expect(kept.map((f) => f.seq)).toEqual(Array.from({ length: kept.length }, (_, i) => kept[0]!.seq + i));

  const middle = kept[Math.floor(kept.length / 2)]!;
  expect(replay.frameAt(middle.capturedAt)?.seq).toBe(middle.seq);
  expect(replay.frameAt(0)?.seq).toBe(kept[0]!.seq);
  const fromMiddle = [...replay.frames(middle.capturedAt)];
  expect(fromMiddle[0]!.capturedAt).toBeGreaterThanOrEqual(middle.capturedAt);
  expect(testJpegNumber(fromMiddle[0]!.data)).toBeDefined();
});

test('framesFrom replays, then catches up with frames that arrived meanwhile, and ends at the newest', async () => {
  const cam = camera({ interval: 33 });
  const replay = new ReplayBuffer(cam, { replaySeconds: 10, replayBytes: 10_000_000 });
  onTestFinished(() => replay.close());
  const seen = collectFrames(cam);
  watch(cam);
  await vi.waitFor(() => expect(seen.length).toBeGreaterThan(15), { timeout: 10_000 });
  const from = seen[5]!;
  const played: Frame[] = [];
  // At double speed the replay gains on the camera and catches up.
  for await (const frame of replay.framesFrom(from.capturedAt, { speed: 2 })) played.push(frame);
  expect(played[0]!.seq).toBe(from.seq);
  expect(played.map((f) => f.seq)).toEqual(Array.from({ length: played.length }, (_, i) => from.seq + i));
  expect(played.length).toBeGreaterThan(10);
  expect(cam.latestFrame!.seq - played.at(-1)!.seq).toBeLessThanOrEqual(1);
});

test('adds no demand of its own: the camera stays idle with only a replay buffer', async () => {
  const cam = camera();
  const replay = new ReplayBuffer(cam, { replaySeconds: 5, replayBytes: 1_000_000 });
  onTestFinished(() => replay.close());
  expect(cam.state.status).toBe('idle');
  expect(replay.size).toBe(0);
  expect(replay.frameAt(Date.now())).toBeUndefined();
});

test('a frame handed out keeps its bytes after the buffer has reused its memory many times over', async () => {
  const cam = camera({ frameSize: 100_000, interval: 5 });
  const replay = new ReplayBuffer(cam, { replaySeconds: 60, replayBytes: 400_000 });
  onTestFinished(() => replay.close());
  const seen = collectFrames(cam);
  watch(cam);
  await vi.waitFor(() => expect(seen.length).toBeGreaterThan(5), { timeout: 10_000 });
  const handedOut = [...replay.frames(0)];
  const nearest = replay.frameAt(handedOut[0]!.capturedAt)!;
  const count = seen.length;
  // 4 frames fit the bound, a slab holds 10: 40 more frames refill every slab the buffer has.
  await vi.waitFor(() => expect(seen.length).toBeGreaterThan(count + 40), { timeout: 10_000 });
  for (const frame of [...handedOut, nearest]) {
    const original = seen.find((candidate) => candidate.seq === frame.seq)!;
    expect(frame.data.equals(original.data), `frame ${frame.seq}`).toBe(true);
  }
  // Memory: the kept frames and at most the slabs they span, plus spares.
  expect(replay.allocatedBytes).toBeLessThanOrEqual(4 * 1024 * 1024);
});
