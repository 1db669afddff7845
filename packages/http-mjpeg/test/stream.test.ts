import type { ServerResponse } from 'node:http';
import { testJpeg, testJpegNumber } from '@cam/core/testing';
import { describe, expect, test, vi } from 'vitest';
import { createStreamHandler } from '../src/index.js';
import { PART_END, partHeader, wholePart } from '../src/multipart.js';
import {
  expectedStream,
  isWholeJpeg,
  PART_END_TEXT,
  type RawClient,
  type RawClientOptions,
  recordFrames,
  Scope,
  WAIT,
} from './support.js';

const scope = new Scope();

describe('stream: response and part format', () => {
  test('answers 200 multipart/x-mixed-replace with no-cache headers, sent with the first frame', async () => {
    const camera = scope.camera();
    const server = await scope.serve({ '/stream': createStreamHandler(camera) });
    const client = await scope.connect(server.port, '/stream');

    await vi.waitFor(
      () => expect(camera.opens === 1, 'the camera to open on the first viewer').toBe(true),
      WAIT,
    );
    // Nothing is sent before a frame exists: a camera that cannot start gets a 503 instead.
    expect(client.status).toBeUndefined();
    expect(client.rawBytes).toBe(0);

    camera.push();
    await vi.waitFor(() => expect(client.parts.length === 1, 'the first part').toBe(true), WAIT);
    expect(client.error).toBeUndefined();
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('multipart/x-mixed-replace; boundary=frame');
    expect(client.headers['cache-control']).toContain('no-cache');
    expect(client.headers['cache-control']).toContain('no-store');
    expect(client.headers.pragma).toBe('no-cache');
    expect(client.headers.expires).toBe('0');
    // Close-delimited: neither chunked nor a length; the connection's end ends the body.
    expect(client.headers['transfer-encoding']).toBeUndefined();
    expect(client.headers['content-length']).toBeUndefined();
    expect(client.headers.connection).toBe('close');
  });

  test('each part is image/jpeg with a correct Content-Length and the exact bytes the camera produced', async () => {
    const camera = scope.camera({ frameSize: 100_000 }); // frames span many TCP reads and HTTP chunks
    const produced = recordFrames(camera);
    const server = await scope.serve({ '/stream': createStreamHandler(camera) });
    const client = await scope.connect(server.port, '/stream', { keepBody: true, feed: [4093, 17, 65_536] });

    for (let n = 1; n <= 3; n++) {
      camera.push();
      await vi.waitFor(() => expect(client.parts.length === n, `part ${n}`).toBe(true), WAIT);
    }
    expect(client.error).toBeUndefined();
    expect(client.frameNumbers).toEqual([1, 2, 3]);
    for (const [index, part] of client.parts.entries()) {
      const frame = produced.get(index + 1)!;
      expect(part.headers).toEqual({
        'content-type': 'image/jpeg',
        'content-length': String(frame.data.length),
      });
      expect(frame.data.length).toBeGreaterThanOrEqual(100_000);
      expect(isWholeJpeg(part.body)).toBe(true);
      expect(part.body.equals(frame.data)).toBe(true);
    }
    // Byte for byte, the whole body: first delimiter, then header, JPEG and delimiter per frame.
    expect(client.body.equals(expectedStream([1, 2, 3].map((n) => produced.get(n)!.data)))).toBe(true);
  });

  test("the delimiter follows each frame's bytes at once, without waiting for the next frame", async () => {
    const camera = scope.camera();
    const server = await scope.serve({ '/stream': createStreamHandler(camera) });
    const client = await scope.connect(server.port, '/stream');
    await vi.waitFor(() => expect(camera.opens === 1, 'the camera to open').toBe(true), WAIT);

    camera.push();
    // Only one frame exists: if the server held the delimiter back until frame 2, this would time out.
    await vi.waitFor(
      () =>
        expect(
          client.bodyTail.toString('latin1').endsWith(PART_END_TEXT),
          'the delimiter after frame 1',
        ).toBe(true),
      { ...WAIT, timeout: 3000 },
    );
    expect(camera.state.framesCaptured).toBe(1);
    expect(client.parts).toHaveLength(1);
    expect(testJpegNumber(client.parts[0]!.body)).toBe(1);
    // On the wire too: the last bytes received are the delimiter.
    expect(client.rawTail.toString('latin1').endsWith(PART_END_TEXT)).toBe(true);
    expect(client.parser.pendingBytes).toBe(0);

    camera.push();
    await vi.waitFor(() => expect(client.parts.length === 2, 'part 2').toBe(true), WAIT);
    expect(client.bodyTail.toString('latin1').endsWith(PART_END_TEXT)).toBe(true);
    expect(client.frameNumbers).toEqual([1, 2]);
  });
});

describe('stream: several viewers', () => {
  test('five raw clients each get whole, increasing, shared frames, parsed in any chunk size', async () => {
    const camera = scope.camera({ interval: 15 });
    const produced = recordFrames(camera);
    const server = await scope.serve({ '/stream': createStreamHandler(camera) });
    const feeds: RawClientOptions['feed'][] = ['bytes', [3, 1, 7, 250, 2], 'whole', [1], 'whole'];
    const clients: RawClient[] = [];
    for (const feed of feeds) {
      clients.push(await scope.connect(server.port, '/stream', { feed }));
    }
    await vi.waitFor(() => expect(camera.state.viewers === 5, 'five viewers').toBe(true), WAIT);

    await vi.waitFor(
      () =>
        expect(
          clients.every((client) => client.parts.length >= 20),
          '20 parts on every client',
        ).toBe(true),
      WAIT,
    );

    for (const client of clients) {
      expect(client.error).toBeUndefined();
      expect(client.status).toBe(200);
      const numbers = client.frameNumbers;
      for (const [index, part] of client.parts.entries()) {
        const number = numbers[index]!;
        expect(isWholeJpeg(part.body)).toBe(true);
        expect(part.body.equals(produced.get(number)!.data)).toBe(true);
        if (index > 0) expect(number).toBeGreaterThan(numbers[index - 1]!); // never the same frame twice
      }
    }
    // Every client reads faster than the camera, so from the moment all watch, all get every frame.
    const lists = clients.map((client) => client.frameNumbers);
    const from = Math.max(...lists.map((numbers) => numbers[0]!));
    const to = Math.min(...lists.map((numbers) => numbers.at(-1)!));
    expect(to - from).toBeGreaterThanOrEqual(10);
    const window = lists.map((numbers) => numbers.filter((n) => n >= from && n <= to));
    for (const numbers of window) {
      expect(numbers).toEqual(Array.from({ length: to - from + 1 }, (_, i) => from + i));
    }
    // One camera run serves them all.
    expect(camera.opens).toBe(1);
  });

  test("every viewer's socket gets the same buffer for a frame: its whole part, built once", async () => {
    const camera = scope.camera();
    const produced = recordFrames(camera);
    const written = new Map<ServerResponse, unknown[]>();
    const handler = createStreamHandler(camera);
    const server = await scope.serve({
      '/stream': (req, res) => {
        // What reaches the socket: the head and first delimiter (through res), then the parts.
        const chunks: unknown[] = [];
        written.set(res, chunks);
        const socket = res.socket!;
        const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
        socket.write = ((...args: unknown[]) => {
          chunks.push(args[0]);
          return write(...args);
        }) as typeof socket.write;
        handler(req, res);
      },
    });
    const a = await scope.connect(server.port, '/stream');
    const b = await scope.connect(server.port, '/stream');
    await vi.waitFor(() => expect(camera.state.viewers === 2, 'two viewers').toBe(true), WAIT);
    camera.push();
    await vi.waitFor(
      () => expect(a.parts.length === 1 && b.parts.length === 1, 'frame 1 on both').toBe(true),
      WAIT,
    );
    camera.push();
    await vi.waitFor(
      () => expect(a.parts.length === 2 && b.parts.length === 2, 'frame 2 on both').toBe(true),
      WAIT,
    );

    // Per frame one write: part header, JPEG and delimiter in one buffer, the last two writes. Before
    // them only the head and the first delimiter, none of the frame's bytes.
    const [writesA, writesB] = [...written.values()].map((writes) => writes.slice(-2));
    const before = [...written.values()].flatMap((writes) => writes.slice(0, -2));
    expect(before.every((chunk) => String(chunk).length < 1000)).toBe(true);
    for (const n of [1, 2]) {
      const frame = produced.get(n)!;
      expect(writesA![n - 1]).toBe(wholePart(frame));
      expect(writesB![n - 1]).toBe(writesA![n - 1]); // the same Buffer object, built once
      expect(
        (writesA![n - 1] as Buffer).equals(Buffer.concat([partHeader(frame), frame.data, PART_END])),
      ).toBe(true);
    }
    expect(writesA![0]).not.toBe(writesA![1]);
  });
});

describe('partHeader', () => {
  test('is built once per frame and shared by viewers that receive the same frame', async () => {
    const camera = scope.camera({ frameSize: 5000 });
    const one = camera.subscribe('one');
    const two = camera.subscribe('two');
    const pending = [one.next(), two.next()];
    camera.push();
    const [frameOne, frameTwo] = await Promise.all(pending);
    expect(frameTwo).toBe(frameOne);

    const header = partHeader(frameOne!);
    expect(partHeader(frameTwo!)).toBe(header);
    expect(header.toString('latin1')).toBe(
      `Content-Type: image/jpeg\r\nContent-Length: ${frameOne!.data.length}\r\n\r\n`,
    );

    camera.push();
    const next = await one.next();
    expect(partHeader(next)).not.toBe(header);
    expect(partHeader(next).toString('latin1')).toContain(`Content-Length: ${next.data.length}\r\n`);
    // A frame with the same bytes but another identity (another capture) gets its own header.
    const copy = { ...frameOne!, data: testJpeg(1, 5000) };
    expect(partHeader(copy)).not.toBe(header);
    expect(partHeader(copy).equals(header)).toBe(true);
  });
});
