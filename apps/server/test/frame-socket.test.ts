// The grid's frame channel (/api/frames) and state events (/api/events), read by real clients: the `ws`
// package's WebSocket and a streaming fetch. Backpressure: a tile that has not said it painted gets
// nothing more, then the newest frame, never a backlog; bad messages cost their sender only.

import { describe, expect, test, vi } from 'vitest';
import WebSocket from 'ws';
import { type CameraState, describeStatus } from '../web/status.js';
import { frameNumber, sleep } from './helpers.js';
import { startWebServer } from './web-server.js';

interface Received {
  camera: string;
  jpeg: Buffer;
  at: number;
}

async function connect(url: string): Promise<{ socket: WebSocket; frames: Received[] }> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/frames`);
  const frames: Received[] = [];
  socket.on('message', (data: Buffer, isBinary) => {
    if (!isBinary) return;
    const length = data[0]!;
    frames.push({
      camera: data.subarray(1, 1 + length).toString(),
      jpeg: data.subarray(1 + length),
      at: Date.now(),
    });
  });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return { socket, frames };
}

describe('/api/frames', () => {
  test('one frame in flight per tile: nothing more until painted, then the newest', async () => {
    const { url, cameras } = await startWebServer(['fast'], 20);
    const { socket, frames } = await connect(url);
    socket.send(JSON.stringify({ watch: { fast: 0 } }));
    await vi.waitFor(() => expect(frames).toHaveLength(1), 5000);
    expect(frames[0]!.camera).toBe('fast');
    expect(frameNumber(frames[0]!.jpeg)).toBeDefined();
    const before = cameras[0]!.state.framesCaptured;
    await vi.waitFor(() => expect(cameras[0]!.state.framesCaptured).toBeGreaterThan(before + 5), 5000);
    expect(frames, 'no frame sent while the last is not painted').toHaveLength(1);

    const paintedAt = Date.now();
    socket.send(JSON.stringify({ painted: 'fast' }));
    await vi.waitFor(() => expect(frames).toHaveLength(2), 5000);
    // the newest frame of the moment, not the one after the first: the camera has moved on since
    const viewer = [...cameras[0]!.viewers()][0]!;
    expect(viewer.framesSkipped).toBeGreaterThan(3);
    expect(frames[1]!.at).toBeGreaterThanOrEqual(paintedAt);
    socket.close();
  });

  test('a tile rate caps the frames; a camera no longer watched stops, and its viewer leaves', async () => {
    const { url, cameras } = await startWebServer(['a', 'b'], 20);
    const { socket, frames } = await connect(url);
    socket.on('message', (data: Buffer, isBinary) => {
      if (isBinary) socket.send(JSON.stringify({ painted: data.subarray(1, 1 + data[0]!).toString() }));
    });
    socket.send(JSON.stringify({ watch: { a: 2, b: 0 } }));
    await vi.waitFor(() => expect(cameras.map((c) => c.state.viewers)).toEqual([1, 1]), 5000);
    await sleep(2000);
    const count = (id: string) => frames.filter((frame) => frame.camera === id).length;
    expect(count('a')).toBeLessThanOrEqual(6); // 2 fps for 2 s, and the first at once
    expect(count('b')).toBeGreaterThan(count('a') * 2);

    socket.send(JSON.stringify({ watch: { a: 2 } }));
    await vi.waitFor(() => expect(cameras[1]!.state.viewers).toBe(0), 5000);
    socket.close();
    await vi.waitFor(() => expect(cameras[0]!.state.viewers).toBe(0), 5000);
  });

  test('a message that is not the protocol closes that socket (1003) and nothing else', async () => {
    const { url, cameras } = await startWebServer(['a'], 10);
    const good = await connect(url);
    good.socket.send(JSON.stringify({ watch: { a: 0, nope: 1 } }));
    await vi.waitFor(() => expect(good.frames.length).toBeGreaterThan(0), 5000);
    for (const bad of ['not json', '[1,2]', '{"watch":3}', '{"painted":4}']) {
      const { socket } = await connect(url);
      const closed = new Promise<number>((resolve) => socket.once('close', resolve));
      socket.send(bad);
      expect(await closed, bad).toBe(1003);
    }
    expect(cameras[0]!.state.viewers).toBe(1);
    good.socket.send(JSON.stringify({ painted: 'a' }));
    await vi.waitFor(() => expect(good.frames.length).toBeGreaterThan(1), 5000);
    good.socket.close();
  });

  test("a page of another origin is refused (403): it must not read the cameras' frames", async () => {
    const { url, cameras } = await startWebServer(['a'], 10);
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/frames`, {
      origin: 'http://evil.example',
    });
    const error = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(error.message).toMatch(/403/);
    expect(cameras[0]!.state.viewers).toBe(0);
    const same = new WebSocket(`${url.replace(/^http/, 'ws')}/api/frames`, { origin: url });
    await new Promise((resolve, reject) => same.once('open', resolve).once('error', reject));
    same.close();
  });

  test('an upgrade on another path is refused', async () => {
    const { url } = await startWebServer(['a'], 10);
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/api/other`);
    const error = await new Promise<Error>((resolve) => socket.once('error', resolve));
    expect(error.message).toMatch(/404/);
  });
});

describe('/api/events', () => {
  test("each camera's state at once, then its failure and recovery as they happen", async () => {
    const { url, cameras } = await startWebServer(['a', 'b'], 10);
    const controller = new AbortController();
    const response = await fetch(`${url}/api/events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const states: CameraState[] = [];
    void (async () => {
      let text = '';
      const decoder = new TextDecoder();
      for await (const chunk of response.body!) {
        text += decoder.decode(chunk as Uint8Array, { stream: true });
        let end = text.indexOf('\n\n');
        while (end >= 0) {
          const data = /^event: state\ndata: (.*)$/m.exec(text.slice(0, end));
          if (data) states.push(JSON.parse(data[1]!));
          text = text.slice(end + 2);
          end = text.indexOf('\n\n');
        }
      }
    })().catch(() => undefined);
    await vi.waitFor(() => expect(states.map((state) => state.id)).toEqual(['a', 'b']));
    expect(states.map((state) => state.status)).toEqual(['idle', 'idle']);

    const viewer = cameras[1]!.subscribe();
    await viewer.next();
    await vi.waitFor(() => expect(states.at(-1)).toMatchObject({ id: 'b', status: 'running' }), 3000);
    cameras[1]!.unplugged = true;
    await viewer.next().catch(() => undefined);
    await vi.waitFor(() => {
      const last = states.filter((state) => state.id === 'b').at(-1)!;
      expect(describeStatus(last)).toMatchObject({
        kind: 'offline',
        reason: expect.stringContaining('unplugged'),
      });
    }, 3000);
    cameras[1]!.unplugged = false;
    await vi.waitFor(async () => {
      await viewer.next().catch(() => undefined);
      expect(states.filter((state) => state.id === 'b').at(-1)!.status).toBe('running');
    }, 5000);
    viewer.close();
    controller.abort();
  });
});
