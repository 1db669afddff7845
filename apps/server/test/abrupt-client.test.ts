// Clients vanish without a goodbye (a phone loses its network, a tab is killed): the server forgets
// them and everyone else keeps watching.
import { connect } from 'node:net';
import { describe, expect, test } from 'vitest';
import { frameNumber, onCleanup, openStream, sleep, startServer } from './helpers.js';
import { waitForViewerCount } from './viewer-count.js';

describe('a client that vanishes', () => {
  test('mid-stream (socket.destroy) does not disturb the other viewers', { timeout: 20_000 }, async () => {
    const { proc, port, url } = await startServer({ CAMERA_FPS: '20' });
    const [leaver, ...stayers] = await Promise.all([openStream(port), openStream(port), openStream(port)]);
    await waitForViewerCount(port, 3);
    await Promise.all([leaver!, ...stayers].map((stream) => stream.waitForParts(2)));

    // Cut the connection in the middle of a part, whatever the server is writing.
    await new Promise<void>((resolve) => {
      leaver!.response.once('data', () => {
        leaver!.destroySocket();
        resolve();
      });
    });
    await waitForViewerCount(port, 2, undefined, 2000);

    // The others keep getting new, whole frames.
    const before = stayers.map((stream) => stream.parts.length);
    await Promise.all(stayers.map((stream, i) => stream.waitForParts(before[i]! + 5, 5000)));
    for (const stream of stayers) {
      expect(stream.parseError).toBeUndefined();
      expect(stream.parts.map((part) => frameNumber(part.body))).not.toContain(undefined);
    }
    expect(proc.exit, 'the server still runs').toBeUndefined();

    // The leaver's place is not kept: when the others leave, the count goes to 0.
    for (const stream of stayers) stream.destroySocket();
    await waitForViewerCount(port, 0, undefined, 2000);

    // And the server still answers new requests.
    const snapshot = await fetch(`${url}/snapshot.jpg`);
    expect(snapshot.status).toBe(200);
    expect(frameNumber(Buffer.from(await snapshot.arrayBuffer()))).toBeDefined();
    expect(
      proc.find((line) => line.level >= 40),
      'no warnings or errors',
    ).toEqual([]);
    expect(proc.stderr).toBe('');
  });

  test('before its first frame, or halfway through its request', { timeout: 20_000 }, async () => {
    const { proc, port } = await startServer({ CAMERA_FPS: '5' });
    const watcher = await openStream(port);
    await watcher.waitForParts(1);

    // A complete request, then gone without reading a byte of the answer.
    const early = connect(port, '127.0.0.1');
    onCleanup(() => early.destroy());
    early.write('GET /video_feed HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await waitForViewerCount(port, 2);
    early.destroy();
    await waitForViewerCount(port, 1, undefined, 2000);

    // Half a request, then gone.
    const half = connect(port, '127.0.0.1');
    onCleanup(() => half.destroy());
    await new Promise<void>((resolve) => half.once('connect', () => resolve()));
    half.write('GET /video_fe');
    await sleep(100);
    half.destroy();

    const count = watcher.parts.length;
    await watcher.waitForParts(count + 3, 5000);
    expect(watcher.parseError).toBeUndefined();
    expect(proc.exit).toBeUndefined();
    expect(
      proc.find((line) => line.level >= 40),
      'no warnings or errors',
    ).toEqual([]);
  });
});
