import { expect, test, vi } from 'vitest';
import { createStreamHandler } from '../src/index.js';
import { Scope, WAIT } from './support.js';

const scope = new Scope();

const FRAME_SIZE = 256 * 1024;
const INTERVAL = 20;

test('a viewer that stops reading skips frames, holds at most one frame in memory, and slows nobody', async () => {
  // A short viewerTimeout shows the original's rule too: a client stuck that long stops counting as a viewer.
  const camera = scope.camera({ interval: INTERVAL, frameSize: FRAME_SIZE, viewerTimeout: 500 });
  // Without TCP_NOTSENT_LOWAT (maxUnsentBytes 0), "stuck" is simple: the response blocks once the client's
  // and the server's kernel buffers are full, and stays blocked. With it, the response blocks as soon as
  // 64 KiB wait unsent, and unblocks each time the paused client's kernel takes a little more, until
  // that is full too (unsent-limit.test.ts covers the limit).
  const server = await scope.serve({ '/stream': createStreamHandler(camera, { maxUnsentBytes: 0 }) });

  const stalled = await scope.connect(server.port, '/stream?stalled', { stall: true });
  const healthy = [
    await scope.connect(server.port, '/stream?a'),
    await scope.connect(server.port, '/stream?b', { feed: [7, 65_521] }),
  ];
  await vi.waitFor(
    () => expect(server.exchanges.length === 3 && camera.state.viewers === 3, 'three viewers').toBe(true),
    WAIT,
  );
  const stalledRes = server.exchange('/stream?stalled')!.res;
  // The handler writes the parts straight to the socket: that is where a backlog builds up.
  const stalledSocket = stalledRes.socket!;
  // Viewers are kept in the order they subscribed, which is the order the handler ran.
  const stalledViewer = [...camera.viewers()][server.exchanges.findIndex((e) => e.res === stalledRes)]!;
  // Once the kernel's socket buffers are full, the stalled socket stays blocked.
  await vi.waitFor(() => expect(stalledSocket.writableNeedDrain, 'the stalled socket to block').toBe(true), {
    ...WAIT,
    timeout: 5000,
  });

  // The bound: the frame being sent, its part header and delimiter, and what was left below the socket's
  // high-water mark when it was written.
  const bound = FRAME_SIZE + 1024 + stalledSocket.writableHighWaterMark;
  let maxQueued = 0;
  const sample = () => {
    maxQueued = Math.max(maxQueued, stalledSocket.writableLength);
  };
  camera.on('frame', () => setImmediate(sample)); // after the handlers have written their frames
  sample();

  const start = {
    captured: camera.state.framesCaptured,
    lastSeq: stalledViewer.lastSeq,
    received: healthy.map((client) => client.parts.length),
    stalledBytes: stalled.rawBytes,
  };
  await vi.waitFor(
    () =>
      expect(camera.state.framesCaptured >= start.captured + 40, '40 more frames from the camera').toBe(true),
    { ...WAIT, timeout: 10_000 },
  );
  // Let the healthy clients read the last frames in flight.
  const captured = camera.state.framesCaptured - start.captured;
  await vi
    .waitFor(
      () =>
        expect(
          healthy.every((client, i) => client.parts.length - start.received[i]! >= captured - 2),
          'the healthy clients to keep up with the camera',
        ).toBe(true),
      { ...WAIT, timeout: 5000 },
    )
    .catch(() => undefined);

  for (const [i, client] of healthy.entries()) {
    expect(client.error).toBeUndefined();
    // Full rate: within a frame or two of every frame the camera captured meanwhile.
    expect(client.parts.length - start.received[i]!).toBeGreaterThanOrEqual(captured - 2);
  }
  // The stalled client read nothing, its socket stayed blocked, and nothing more was queued for it.
  expect(stalled.rawBytes).toBe(start.stalledBytes);
  expect(stalledSocket.writableNeedDrain).toBe(true);
  expect(maxQueued).toBeGreaterThan(0);
  expect(maxQueued).toBeLessThanOrEqual(bound);
  expect(stalledSocket.writableLength).toBeLessThanOrEqual(bound);
  expect(stalledViewer.lastSeq).toBe(start.lastSeq);
  // Stuck past viewerTimeout (500 ms), it no longer counts as a viewer.
  await vi.waitFor(() => expect(camera.state.viewers === 2, 'the stuck viewer to be dropped').toBe(true), {
    ...WAIT,
    timeout: 5000,
  });

  // Once the client reads again, it drains what the kernel held, then gets live frames: whole, in order,
  // with the frames it could not take skipped rather than queued, and it counts as a viewer again.
  stalled.socket.resume();
  const live = camera.state.framesCaptured;
  await vi.waitFor(
    () =>
      expect((stalled.frameNumbers.at(-1) ?? 0) > live, 'the resumed client to get live frames again').toBe(
        true,
      ),
    { ...WAIT, timeout: 10_000 },
  );
  expect(stalled.error).toBeUndefined();
  expect(camera.state.viewers).toBe(3);
  expect(stalledViewer.framesSkipped).toBeGreaterThanOrEqual(captured - 2);
  const numbers = stalled.frameNumbers;
  for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBeGreaterThan(numbers[i - 1]!);
  expect(numbers.some((n, i) => i > 0 && n - numbers[i - 1]! > 1)).toBe(true);
});
