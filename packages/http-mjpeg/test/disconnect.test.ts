import type { StopReason } from '@cam/core';
import { expect, test, vi } from 'vitest';
import { createStreamHandler } from '../src/index.js';
import { nextEvent, Scope, WAIT } from './support.js';

const scope = new Scope();

const IDLE_TIMEOUT = 300;

test('a client that vanishes mid-frame leaves at once; the others keep streaming; then the camera idles', async () => {
  const camera = scope.camera({ interval: 15, frameSize: 200_000, idleTimeout: IDLE_TIMEOUT });
  const events: Array<{ at: number; what: string }> = [];
  camera.on('viewers', (count) => events.push({ at: Date.now(), what: `viewers ${count}` }));
  camera.on('stop', (reason: StopReason) => events.push({ at: Date.now(), what: `stop ${reason}` }));
  const server = await scope.serve({ '/stream': createStreamHandler(camera) });

  const leaving = await scope.connect(server.port, '/stream?leaving');
  const staying = await scope.connect(server.port, '/stream?staying');
  await vi.waitFor(
    () => expect(leaving.parts.length >= 3 && staying.parts.length >= 3, 'three frames on both').toBe(true),
    WAIT,
  );
  expect(camera.state.viewers).toBe(2);

  // Destroy it in the middle of a part: some of a frame's bytes received, not all (a 200 kB frame takes
  // several socket reads; this listener runs after the client has parsed each one).
  const eventsBefore = events.length;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the leaving client was never mid-frame')), 3000);
    leaving.socket.on('data', () => {
      if (leaving.parser.pendingBytes > 0 && !leaving.socket.destroyed) {
        clearTimeout(timer);
        leaving.destroy();
        resolve();
      }
    });
  });
  expect(leaving.parser.pendingBytes).toBeGreaterThan(0);
  await vi.waitFor(() => expect(camera.state.viewers === 1, 'the viewer count to drop').toBe(true), {
    ...WAIT,
    timeout: 1000,
  });
  // "At once": on the socket's close, not by a timeout: the camera has not even reached its idle stop.
  expect(events.slice(eventsBefore).map((event) => event.what)).toEqual(['viewers 1']);
  expect(camera.state.status).toBe('running');
  const leavingRes = server.exchange('/stream?leaving')!.res;
  await vi.waitFor(() => expect(leavingRes.destroyed, 'the server to release the response').toBe(true), WAIT);

  // The server keeps serving: the staying client gets more frames, and a new client is served.
  const count = staying.parts.length;
  await vi.waitFor(
    () => expect(staying.parts.length >= count + 5, 'five more frames for the staying client').toBe(true),
    WAIT,
  );
  const late = await scope.connect(server.port, '/stream?late');
  await vi.waitFor(
    () => expect(late.parts.length >= 2, 'frames for a client that joins afterwards').toBe(true),
    WAIT,
  );
  for (const client of [staying, late]) expect(client.error).toBeUndefined();
  late.destroy();
  await vi.waitFor(() => expect(camera.state.viewers === 1, 'the late client to leave').toBe(true), WAIT);

  // The last one leaves abruptly too: viewers 0 at once, then the idle stop after idleTimeout.
  const stopped = nextEvent<[StopReason]>(camera, 'stop', IDLE_TIMEOUT + 3000);
  staying.destroy();
  await vi.waitFor(() => expect(camera.state.viewers === 0, 'no viewers').toBe(true), {
    ...WAIT,
    timeout: 1000,
  });
  expect(camera.state.status).toBe('running'); // not yet: the idle timeout has not passed

  const [reason] = await stopped;
  expect(reason).toBe('idle');
  const zero = events.findLast((event) => event.what === 'viewers 0')!;
  const stop = events.find((event) => event.what === 'stop idle')!;
  expect(stop.at - zero.at).toBeGreaterThanOrEqual(IDLE_TIMEOUT - 50);
  await vi.waitFor(() => expect(camera.state.status === 'idle', 'the camera to be idle').toBe(true), WAIT);
  expect(camera.isOpen).toBe(false);
  expect(camera.opens).toBe(1);
});

test('a client that leaves before the first frame is forgotten and gets nothing written', async () => {
  const camera = scope.camera({ idleTimeout: IDLE_TIMEOUT });
  const server = await scope.serve({ '/stream': createStreamHandler(camera) });
  const client = await scope.connect(server.port, '/stream');
  await vi.waitFor(
    () =>
      expect(camera.state.viewers === 1 && camera.opens === 1, 'the viewer and the open camera').toBe(true),
    WAIT,
  );

  client.destroy();
  await vi.waitFor(() => expect(camera.state.viewers === 0, 'no viewers').toBe(true), {
    ...WAIT,
    timeout: 1000,
  });
  const res = server.exchanges[0]!.res;
  camera.push(); // a frame now must not be written to the departed response
  await vi.waitFor(() => expect(camera.state.framesCaptured === 1, 'the frame').toBe(true), WAIT);
  expect(res.headersSent).toBe(false);
  const [reason] = await nextEvent<[StopReason]>(camera, 'stop', IDLE_TIMEOUT + 3000);
  expect(reason).toBe('idle');
});
