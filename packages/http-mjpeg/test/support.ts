import { execFileSync } from 'node:child_process';
// Real-socket helpers for the integration tests: a node:http server on an ephemeral port that keeps a
// handle on every (req, res), and a raw node:net HTTP/1.1 client that parses the response itself
// (status line, headers, chunked transfer-encoding) and feeds the body to MjpegParser in chunks of a
// chosen size.
import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { BaseCamera, Frame } from '@cam/core';
import { TestCamera, type TestCameraOptions, testJpegNumber } from '@cam/core/testing';
import { onTestFinished } from 'vitest';
import { MjpegParser, type MjpegPart } from '../src/client.js';
import type { RequestHandler } from '../src/index.js';

/** What the server writes right after each frame's bytes. */
export const PART_END_TEXT = '\r\n--frame\r\n';

/** vi.waitFor's options for these tests: socket round trips take a few ms; allow 5 s on a loaded machine. */
export const WAIT = { timeout: 5000, interval: 5 };

/** Resolves with the arguments of the first `event` the emitter fires (node's `once`), or rejects after `timeout` ms. */
export async function nextEvent<T extends unknown[]>(
  emitter: NodeJS.EventEmitter,
  event: string,
  timeout = 5000,
): Promise<T> {
  try {
    return (await once(emitter, event, { signal: AbortSignal.timeout(timeout) })) as T;
  } catch (error) {
    if ((error as Error).name !== 'AbortError') throw error;
    throw new Error(`timed out after ${timeout} ms waiting for "${event}"`);
  }
}

/**
 * Opens what tests use and closes it when the test finishes, newest first, through vitest's
 * onTestFinished. Use it from inside a test.
 */
export class Scope {
  /** Runs `closer` when the current test finishes; errors are ignored (closing is best effort). */
  add(closer: () => unknown): void {
    onTestFinished(async () => {
      try {
        await closer();
      } catch {
        // already closed
      }
    });
  }

  /** A TestCamera closed after the test; idle timeouts are long unless the test sets them. */
  camera(options: TestCameraOptions = {}): TestCamera {
    const camera = new TestCamera({ idleTimeout: 60_000, ...options });
    this.add(() => camera.close());
    return camera;
  }

  async serve(routes: Record<string, RequestHandler>): Promise<TestServer> {
    const server = await startServer(routes);
    this.add(() => server.close());
    return server;
  }

  async connect(port: number, path: string, options: RawClientOptions = {}): Promise<RawClient> {
    const client = await RawClient.connect(port, path, options);
    this.add(() => client.destroy());
    return client;
  }
}

export interface Exchange {
  /** The request's path and query, as sent. */
  url: string;
  req: IncomingMessage;
  res: ServerResponse;
}

export interface TestServer {
  port: number;
  server: http.Server;
  /** Every request the server received, in order, with the response the handler wrote to. */
  exchanges: Exchange[];
  /** The exchange of the first request whose url is `url`. */
  exchange(url: string): Exchange | undefined;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 and an ephemeral port, routing by path (the query is ignored). */
export async function startServer(routes: Record<string, RequestHandler>): Promise<TestServer> {
  const exchanges: Exchange[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    exchanges.push({ url, req, res });
    const handler = routes[url.split('?')[0]!];
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    server,
    exchanges,
    exchange: (url) => exchanges.find((exchange) => exchange.url === url),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RawClientOptions {
  method?: string;
  /**
   * How the decoded body is handed to the MJPEG parser: as it arrives (`'whole'`, the default), one
   * byte at a time (`'bytes'`), or in slices whose sizes cycle through the given list.
   */
  feed?: 'whole' | 'bytes' | number[];
  /** Keep every decoded body byte of a multipart response (other responses are always kept). */
  keepBody?: boolean;
  /** Never read from the socket after sending the request: the server's writes back up. */
  stall?: boolean;
}

type BodyFraming = 'none' | 'chunked' | 'length' | 'close';
type ChunkState = 'size' | 'data' | 'data-crlf' | 'trailer' | 'done';

const TAIL = 64;

/**
 * An HTTP/1.1 client on a raw socket: it writes a GET (or `method`) with `Connection: close` and parses
 * the response itself, strictly: a malformed status line, header or chunk is recorded in `error`.
 */
export class RawClient {
  readonly socket: net.Socket;
  readonly #options: RawClientOptions;
  status: number | undefined;
  headers: Record<string, string> = {};
  /** Bytes read from the socket, and the last few of them. */
  rawBytes = 0;
  rawTail: Buffer = Buffer.alloc(0);
  /** Decoded body bytes, and the last few of them. */
  bodyBytes = 0;
  bodyTail: Buffer = Buffer.alloc(0);
  readonly #body: Buffer[] = [];
  /** Completed MJPEG parts, when the response is multipart. */
  readonly parts: MjpegPart[] = [];
  readonly parser = new MjpegParser();
  /**
   * True once the body is complete: the chunked terminator, Content-Length bytes, or, for a body without
   * either (close-delimited, as streams are), the server ending the connection.
   */
  bodyEnded = false;
  /** Bytes the server sent after the end of the response (there must be none). */
  extraBytes = 0;
  /** The server ended its side (FIN). */
  socketEnded = false;
  closed = false;
  /** The first protocol error: in the HTTP framing, or an MjpegParseError. */
  error: Error | undefined;
  #head: Buffer | undefined = Buffer.alloc(0);
  #framing: BodyFraming = 'none';
  #multipart = false;
  #remaining = 0;
  #chunkState: ChunkState = 'size';
  #line: Buffer = Buffer.alloc(0);
  #feedIndex = 0;

  private constructor(socket: net.Socket, options: RawClientOptions) {
    this.socket = socket;
    this.#options = options;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => {
      this.socketEnded = true;
      if (this.#framing === 'close') this.bodyEnded = true;
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', (error) => {
      this.error ??= error;
    });
  }

  static connect(port: number, path: string, options: RawClientOptions = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      const client = new RawClient(socket, options);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.write(
          `${options.method ?? 'GET'} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`,
        );
        if (options.stall) socket.pause();
        resolve(client);
      });
    });
  }

  /** Frame numbers (see testJpegNumber) of the parts received, in order. */
  get frameNumbers(): number[] {
    return this.parts.map((part) => testJpegNumber(part.body) ?? -1);
  }

  /** The decoded body received so far (kept for non-multipart responses, or with `keepBody`). */
  get body(): Buffer {
    return Buffer.concat(this.#body);
  }

  destroy(): void {
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.rawBytes += chunk.length;
    this.rawTail = tail(this.rawTail, chunk);
    if (this.error) return;
    try {
      this.#receive(chunk);
    } catch (error) {
      this.error = error as Error;
    }
  }

  #receive(chunk: Buffer): void {
    if (this.#head) {
      const head = Buffer.concat([this.#head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16_384) throw new Error('response head longer than 16 KiB');
        this.#head = head;
        return;
      }
      this.#head = undefined;
      this.#parseHead(head.toString('latin1', 0, end));
      chunk = head.subarray(end + 4);
      if (this.#framing === 'none' || (this.#framing === 'length' && this.#remaining === 0)) {
        this.bodyEnded = true;
      }
    }
    if (chunk.length) this.#decode(chunk);
  }

  #parseHead(text: string): void {
    const [statusLine, ...lines] = text.split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine!);
    if (!match) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
    this.status = Number(match[1]);
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`bad header line ${JSON.stringify(line)}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      this.headers[name] = name in this.headers ? `${this.headers[name]}, ${value}` : value;
    }
    this.#multipart = (this.headers['content-type'] ?? '').startsWith('multipart/');
    const noBody =
      this.#options.method === 'HEAD' || this.status === 204 || this.status === 304 || this.status < 200;
    if (noBody) this.#framing = 'none';
    else if (/\bchunked\b/i.test(this.headers['transfer-encoding'] ?? '')) this.#framing = 'chunked';
    else if (this.headers['content-length'] !== undefined) {
      this.#framing = 'length';
      this.#remaining = Number(this.headers['content-length']);
      if (!Number.isInteger(this.#remaining) || this.#remaining < 0) throw new Error('bad Content-Length');
    } else this.#framing = 'close';
  }

  #decode(chunk: Buffer): void {
    if (this.bodyEnded) {
      this.extraBytes += chunk.length;
      return;
    }
    switch (this.#framing) {
      case 'close':
        this.#onBody(chunk);
        return;
      case 'length': {
        const take = Math.min(this.#remaining, chunk.length);
        this.#onBody(chunk.subarray(0, take));
        this.#remaining -= take;
        if (this.#remaining === 0) this.bodyEnded = true;
        this.extraBytes += chunk.length - take;
        return;
      }
      case 'chunked':
        this.#decodeChunked(chunk);
        return;
      case 'none':
        this.extraBytes += chunk.length;
        return;
    }
  }

  #decodeChunked(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      switch (this.#chunkState) {
        case 'size':
        case 'trailer': {
          const line = this.#takeLine(chunk, at);
          if (!line) return;
          at = line.next;
          if (this.#chunkState === 'trailer') {
            if (line.text === '') {
              this.#chunkState = 'done';
              this.bodyEnded = true;
            }
            break;
          }
          const size = line.text.split(';')[0]!.trim();
          if (!/^[0-9a-fA-F]+$/.test(size))
            throw new Error(`bad chunk size line ${JSON.stringify(line.text)}`);
          this.#remaining = Number.parseInt(size, 16);
          this.#chunkState = this.#remaining === 0 ? 'trailer' : 'data';
          break;
        }
        case 'data': {
          const take = Math.min(this.#remaining, chunk.length - at);
          this.#onBody(chunk.subarray(at, at + take));
          at += take;
          this.#remaining -= take;
          if (this.#remaining === 0) {
            this.#chunkState = 'data-crlf';
            this.#remaining = 2;
          }
          break;
        }
        case 'data-crlf': {
          const expected = this.#remaining === 2 ? 0x0d : 0x0a;
          if (chunk[at] !== expected) throw new Error('chunk data not followed by CRLF');
          at += 1;
          this.#remaining -= 1;
          if (this.#remaining === 0) this.#chunkState = 'size';
          break;
        }
        case 'done':
          this.extraBytes += chunk.length - at;
          return;
      }
    }
  }

  /** Takes a CRLF-terminated line starting at `at`, buffering a partial one across chunks. */
  #takeLine(chunk: Buffer, at: number): { text: string; next: number } | undefined {
    const end = chunk.indexOf('\n', at);
    if (end < 0) {
      this.#line = Buffer.concat([this.#line, chunk.subarray(at)]);
      if (this.#line.length > 1024) throw new Error('chunk size line longer than 1 KiB');
      return undefined;
    }
    const line = Buffer.concat([this.#line, chunk.subarray(at, end + 1)]);
    this.#line = Buffer.alloc(0);
    if (line.length < 2 || line[line.length - 2] !== 0x0d) throw new Error('chunk line without CRLF');
    return { text: line.toString('latin1', 0, line.length - 2), next: end + 1 };
  }

  #onBody(data: Buffer): void {
    if (data.length === 0) return;
    this.bodyBytes += data.length;
    this.bodyTail = tail(this.bodyTail, data);
    if (!this.#multipart || this.#options.keepBody) this.#body.push(Buffer.from(data));
    if (!this.#multipart) return;
    const feed = this.#options.feed ?? 'whole';
    if (feed === 'whole') {
      this.parts.push(...this.parser.push(data));
      return;
    }
    let at = 0;
    while (at < data.length) {
      const size = feed === 'bytes' ? 1 : feed[this.#feedIndex++ % feed.length]!;
      this.parts.push(...this.parser.push(data.subarray(at, at + size)));
      at += size;
    }
  }
}

function tail(previous: Buffer, chunk: Buffer): Buffer {
  if (chunk.length >= TAIL) return Buffer.from(chunk.subarray(chunk.length - TAIL));
  const joined = Buffer.concat([previous, chunk]);
  return joined.subarray(Math.max(0, joined.length - TAIL));
}

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request with node:http, on a fresh connection; rejects after `timeout` ms. */
export function request(
  port: number,
  path: string,
  options: { method?: string; timeout?: number } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    const timeout = options.timeout ?? 5000;
    const timer = setTimeout(() => {
      req.destroy(new Error(`no complete response to ${path} within ${timeout} ms`));
    }, timeout);
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

/** Every frame the camera publishes, by the number its test JPEG carries. */
export function recordFrames(camera: BaseCamera): Map<number, Frame> {
  const frames = new Map<number, Frame>();
  camera.on('frame', (frame) => frames.set(testJpegNumber(frame.data)!, frame));
  return frames;
}

/** The exact multipart bytes cam writes for `frames`, from the first delimiter on. */
export function expectedStream(frames: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from('--frame\r\n')];
  for (const data of frames) {
    parts.push(Buffer.from(`Content-Type: image/jpeg\r\nContent-Length: ${data.length}\r\n\r\n`), data);
    parts.push(Buffer.from(PART_END_TEXT));
  }
  return Buffer.concat(parts);
}

/** True when `data` is a whole JPEG: starts with SOI (FF D8) and ends with EOI (FF D9). */
export function isWholeJpeg(data: Buffer): boolean {
  return (
    data.length >= 4 && data[0] === 0xff && data[1] === 0xd8 && data.at(-2) === 0xff && data.at(-1) === 0xd9
  );
}

/**
 * Whether the command-line tool `name` is missing (it is run with `args`). A missing tool skips the tests
 * that need it, with a warning that says how to install it; with CAM_TEST_STRICT=1 (CI) it fails instead.
 */
export function toolMissing(name: string, args: string[], install: string): boolean {
  try {
    execFileSync(name, args, { stdio: 'ignore' });
    return false;
  } catch {
    const note = `${name} is not installed (${install})`;
    if (process.env.CAM_TEST_STRICT === '1')
      throw new Error(`${note}; CAM_TEST_STRICT=1 turns this skip into a failure`);
    console.warn(`skipped: ${note}`);
    return true;
  }
}
