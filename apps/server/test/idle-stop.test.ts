// The camera runs only while someone watches: it stops IDLE_TIMEOUT after the last viewer left, captures
// nothing while stopped, and the next viewer starts it again.
import { describe, expect, test } from 'vitest';
import { type LogLine, openStream, type RunningServer, sleep, startServer } from './helpers.js';
import { waitForViewerCount } from './viewer-count.js';

const FPS = 10;

/** Watches for a few frames, leaves, and returns the camera's start and idle-stop log lines. */
async function watchThenLeave(
  server: RunningServer,
): Promise<{ started: LogLine; stopped: LogLine; leftAt: number }> {
  const { proc, port } = server;
  const from = proc.mark();
  const viewer = await openStream(port);
  const started = await proc.waitForLog({ msg: 'camera started' }, { from });
  const parts = await viewer.waitForParts(3);
  expect(parts.every((part) => part.body.length > 0)).toBe(true);
  expect(viewer.parseError).toBeUndefined();

  const leftAt = Date.now();
  viewer.close();
  await waitForViewerCount(port, 0);
  const stopped = await proc.waitForLog({ msg: 'camera stopped' }, { from, timeout: 10_000 }); // not never
  expect(stopped.reason).toBe('idle');
  return { started, stopped, leftAt };
}

/** The most frames the camera can have captured between two log lines, at FPS, with some slack. */
function framesBetween(start: LogLine, stop: LogLine): number {
  return Math.floor(((stop.time - start.time) * FPS) / 1000) + 2;
}

describe('idle stop', () => {
  test('stops after IDLE_TIMEOUT without viewers, stays stopped, restarts for a new viewer', {
    timeout: 30_000,
  }, async () => {
    const server = await startServer({ IDLE_TIMEOUT: '1', CAMERA_FPS: String(FPS) });
    const { proc } = server;
    expect(proc.find({ msg: 'camera started' }), 'nothing runs before a viewer').toHaveLength(0);

    // 1. A viewer watches and leaves: the camera stops about IDLE_TIMEOUT later, not at once, not never.
    const first = await watchThenLeave(server);
    const quietFor = first.stopped.time - first.leftAt;
    expect(quietFor, 'ms from leaving to the idle stop').toBeGreaterThanOrEqual(700);
    const capturedFirst = first.stopped.framesCaptured as number;
    expect(capturedFirst).toBeGreaterThanOrEqual(3);
    expect(capturedFirst).toBeLessThanOrEqual(framesBetween(first.started, first.stopped));

    // 2. Nobody watches: the camera stays stopped.
    const afterStop = proc.mark();
    await sleep(1500);
    expect(proc.find({ msg: 'camera started' }, afterStop), 'no start without a viewer').toHaveLength(0);
    expect(proc.find({ msg: 'camera stopped' }, afterStop)).toHaveLength(0);

    // 3. A new viewer starts it again and gets frames; it stops again when that viewer leaves.
    const second = await watchThenLeave(server);
    expect(second.started.time).toBeGreaterThan(first.stopped.time);
    const capturedSecond = (second.stopped.framesCaptured as number) - capturedFirst;
    expect(capturedSecond).toBeGreaterThanOrEqual(3);
    // framesCaptured counts across runs: had the camera captured while stopped (1.5 s, ~15 frames),
    // the count would exceed what the second run alone could capture.
    expect(capturedSecond).toBeLessThanOrEqual(framesBetween(second.started, second.stopped));
    expect(proc.find({ msg: 'camera started' })).toHaveLength(2);
    expect(
      proc.find((line) => line.level >= 40),
      'no warnings or errors',
    ).toEqual([]);
  });

  test('a snapshot starts an idle camera, which then stops again', { timeout: 20_000 }, async () => {
    const { proc, url } = await startServer({ IDLE_TIMEOUT: '1', CAMERA_FPS: String(FPS) });
    const res = await fetch(`${url}/snapshot.jpg`);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
    await proc.waitForLog({ msg: 'camera started' });
    const stopped = await proc.waitForLog({ msg: 'camera stopped' }, { timeout: 5000 });
    expect(stopped.reason).toBe('idle');
  });
});
