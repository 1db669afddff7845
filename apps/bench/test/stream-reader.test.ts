import { createServer } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { createStreamHandler } from '@cam/http-mjpeg';
import { MjpegParser } from '@cam/http-mjpeg/client';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { makeFrame, readStamp } from '../src/frames.js';
import { type PartSummary, StreamReader } from '../src/stream-reader.js';
import { SyntheticCamera } from '../src/synthetic-camera.js';

const HEAD_CHUNKED =
  'HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\n' +
  'Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n';
const HEAD_CLOSE = 'HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=frame\r\n\r\n';

function part(jpeg: Buffer): Buffer[] {
  return [
    Buffer.from(`Content-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`, 'latin1'),
    jpeg,
    Buffer.from('\r\n--frame\r\n', 'latin1'),
  ];
}

function chunk(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
}

/** A response as cam writes it: each of the delimiter, part header, JPEG, delimiter its own HTTP chunk. */
function camResponse(frames: Buffer[], end = ''): { wire: Buffer; body: Buffer } {
  const pieces = [Buffer.from('--frame\r\n'), ...frames.flatMap(part)];
  if (end) pieces.push(Buffer.from(end, 'latin1'));
  const wire = [Buffer.from(HEAD_CHUNKED), ...pieces.map(chunk)];
  return { wire: Buffer.concat(wire), body: Buffer.concat(pieces) };
}

function read(wire: Buffer, sizes: number[] = [wire.length]): { reader: StreamReader; parts: PartSummary[] } {
  const parts: PartSummary[] = [];
  const reader = new StreamReader({ onPart: (summary) => parts.push(summary) });
  let at = 0;
  for (let i = 0; at < wire.length; i++) {
    const size = sizes[i % sizes.length]!;
    reader.push(wire.subarray(at, at + size));
    at += size;
  }
  return { reader, parts };
}

const frames = [1, 2, 3].map((seq) => makeFrame({ seq, capturedAt: 1000 + seq }, 30_000));

describe('StreamReader', () => {
  test('reads a chunked stream in slices of any size, as MjpegParser does', () => {
    const { wire, body } = camResponse(frames);
    const expected = new MjpegParser().push(body);
    for (const sizes of [[wire.length], [1], [7, 4093, 17, 65_536], [3, 2]]) {
      const { reader, parts } = read(wire, sizes);
      expect(reader.error).toBeUndefined();
      expect(reader.status).toBe(200);
      expect(parts.map((p) => p.stamp?.seq)).toEqual([1, 2, 3]);
      expect(parts.map((p) => p.size)).toEqual(expected.map((p) => p.body.length));
      expect(parts.map((p) => p.stamp)).toEqual(expected.map((p) => readStamp(p.body)));
      expect(parts.every((p) => p.jpeg)).toBe(true);
    }
  });

  test('reads a body that ends with the connection (no chunked encoding)', () => {
    const pieces = [Buffer.from(HEAD_CLOSE), Buffer.from('--frame\r\n'), ...frames.flatMap(part)];
    const { reader, parts } = read(Buffer.concat(pieces), [1000]);
    expect(reader.error).toBeUndefined();
    expect(parts.map((p) => p.stamp?.seq)).toEqual([1, 2, 3]);
  });

  test('sees the close delimiter and the end of the chunked body', () => {
    const { wire } = camResponse(frames.slice(0, 1), '--frame--\r\n');
    const { reader, parts } = read(Buffer.concat([wire, Buffer.from('0\r\n\r\n')]), [5]);
    expect(reader.error).toBeUndefined();
    expect(parts).toHaveLength(1);
    expect(reader.closed).toBe(true);
    expect(reader.bodyEnded).toBe(true);
  });

  test('reports a part that is not a whole JPEG, and keeps reading', () => {
    const cut = Buffer.concat([frames[0]!.subarray(0, 1000)]);
    const { reader, parts } = read(camResponse([cut, frames[1]!]).wire);
    expect(reader.error).toBeUndefined();
    expect(parts.map((p) => p.jpeg)).toEqual([false, true]);
  });

  test.each([
    [
      'a Content-Length that does not match the bytes',
      () => {
        const { body } = camResponse(frames.slice(0, 1));
        const lying = body.toString('latin1').replace('Content-Length: 30000', 'Content-Length: 29999');
        return Buffer.concat([Buffer.from(HEAD_CLOSE), Buffer.from(lying, 'latin1')]);
      },
      /not followed by/,
    ],
    ['a bad chunk size', () => Buffer.from(`${HEAD_CHUNKED}zz\r\n--frame\r\n`), /bad chunk size/],
    ['a chunk longer than announced', () => Buffer.from(`${HEAD_CHUNKED}3\r\n--frame\r\n`), /not CRLF/],
    [
      'a body that does not start with the delimiter',
      () => Buffer.from(`${HEAD_CLOSE}--other\r\n`),
      /expected "--frame"/,
    ],
    [
      'a part without Content-Length',
      () => Buffer.from(`${HEAD_CLOSE}--frame\r\nContent-Type: image/jpeg\r\n\r\n`),
      /Content-Length/,
    ],
    ['an error status', () => Buffer.from('HTTP/1.1 503 Service Unavailable\r\n\r\n'), /status 503/],
    [
      'another content type',
      () => Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n'),
      /not multipart/,
    ],
  ])('stops at %s', (_, wire, message) => {
    const { reader } = read(wire(), [1, 9]);
    expect(reader.error).toMatch(message);
  });
});

describe('against cam', () => {
  const closers: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  test("reads cam's real stream: whole JPEGs, numbered in order, none twice", async () => {
    const camera = new SyntheticCamera({ fps: 100, frameSize: 30_000 });
    closers.push(() => camera.close());
    const server = createServer(createStreamHandler(camera));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    server.on('connection', (socket) => closers.push(() => socket.destroy()));

    const parts: PartSummary[] = [];
    const reader = new StreamReader({ onPart: (summary) => parts.push(summary) });
    const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    closers.push(() => socket.destroy());
    socket.write('GET /video_feed HTTP/1.1\r\nHost: localhost\r\n\r\n');
    socket.on('data', (data: Buffer) => reader.push(data));
    await vi.waitFor(
      () => {
        if (parts.length < 10 && !reader.error) throw new Error(`only ${parts.length} parts`);
      },
      { timeout: 5000, interval: 5 },
    );
    expect(reader.error).toBeUndefined();
    // cam's streams are close-delimited: no chunked encoding, the connection's end ends the body.
    expect(reader.headers['transfer-encoding']).toBeUndefined();
    const seqs = parts.map((p) => p.stamp!.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    expect(parts.every((p) => p.jpeg && p.size === 30_000)).toBe(true);
  });
});
