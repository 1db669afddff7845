// Reading a Motion-JPEG stream over a real socket, with @cam/http-mjpeg's strict MjpegParser.
import { type IncomingMessage, request } from 'node:http';
import { MjpegParser, type MjpegPart } from '@cam/http-mjpeg/client';
import { vi } from 'vitest';
import { onCleanup } from './cleanup.js';

export interface StreamEnd {
  /** True when the whole response arrived (the server ended it), false when the connection was cut. */
  complete: boolean;
}

/** A `/video_feed` response being read: every part, parsed with the project's strict client parser. */
export class MjpegStream {
  readonly parts: MjpegPart[] = [];
  readonly chunks: Buffer[] = [];
  /** The first error of the strict parser; the stream keeps being read (raw) after it. */
  parseError: Error | undefined;
  /** Resolves when the response is over, either way. */
  readonly ended: Promise<StreamEnd>;
  /** How the response ended, once it has (for vi.waitFor); undefined while it goes on. */
  end: StreamEnd | undefined;
  readonly #parser = new MjpegParser();
  #over = false;

  constructor(readonly response: IncomingMessage) {
    response.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      if (!this.parseError) {
        try {
          this.parts.push(...this.#parser.push(chunk));
        } catch (error) {
          this.parseError = error as Error;
        }
      }
    });
    this.ended = new Promise((resolve) => {
      response.once('close', () => {
        this.#over = true;
        this.end = { complete: response.complete };
        resolve(this.end);
      });
    });
    response.on('error', () => {}); // a cut connection shows as complete: false
  }

  get raw(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** True once the close delimiter arrived and parsed. */
  get closed(): boolean {
    return this.#parser.closed;
  }

  /** Waits (vi.waitFor) until at least `count` parts arrived since the stream opened. */
  waitForParts(count: number, timeout = 5000): Promise<MjpegPart[]> {
    return vi.waitFor(
      () => {
        if (this.parseError) throw this.parseError;
        if (this.parts.length < count) {
          const ended = this.#over ? ', and the stream ended' : '';
          throw new Error(`${this.parts.length} of ${count} parts${ended}`);
        }
        return this.parts.slice(0, count);
      },
      { timeout, interval: 5 },
    );
  }

  /** How the response ended, waiting for its end (vi.waitFor) up to `timeout` ms. */
  waitForEnd(timeout = 2000): Promise<StreamEnd> {
    return vi.waitFor(
      () => {
        if (!this.end) throw new Error(`the stream has not ended after ${timeout} ms`);
        return this.end;
      },
      { timeout, interval: 5 },
    );
  }

  /** Leaves as a browser tab does when it closes: the connection goes away. */
  close(): void {
    this.response.destroy();
  }

  /** Cuts the TCP connection at once, whatever is in flight. */
  destroySocket(): void {
    this.response.socket.destroy();
  }
}

/**
 * GETs `path` on its own connection and resolves once the response headers arrived; fails if they have
 * not after `timeout` ms (node's request timeout, lifted once they are there: a stream may go quiet).
 */
export function openStream(port: number, path = '/video_feed', timeout = 5000): Promise<MjpegStream> {
  return new Promise<MjpegStream>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      req.setTimeout(0);
      resolve(new MjpegStream(res));
    });
    req.setTimeout(timeout, () =>
      req.destroy(new Error(`no response headers for ${path} after ${timeout} ms`)),
    );
    req.once('error', reject);
    onCleanup(() => req.destroy());
    req.end();
  });
}

/** `--frame--\r\n`: how the server ends a stream on purpose. */
export const CLOSE_DELIMITER = Buffer.from('--frame--\r\n', 'latin1');

/**
 * Parses a finished stream's bytes with the strict MjpegParser and returns its parts. Throws if anything
 * is malformed or if the stream did not end with the close delimiter `--frame--`.
 */
export function partsBeforeClose(raw: Buffer): MjpegPart[] {
  const parser = new MjpegParser();
  const parts = parser.push(raw);
  if (!parser.closed) {
    throw new Error(
      `stream does not end with the close delimiter: ...${JSON.stringify(raw.subarray(-40).toString('latin1'))}`,
    );
  }
  return parts;
}
