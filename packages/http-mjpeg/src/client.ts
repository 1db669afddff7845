import { BOUNDARY } from './multipart.js';

/** One part of a Motion-JPEG stream, as a client received it. */
export interface MjpegPart {
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The part's bytes (the JPEG). Without `copy`, joined from `pieces` on first access. */
  readonly body: Buffer;
  /**
   * Without `copy` only: the body as it arrived, views into the chunks given to `push` (one per chunk
   * it spans), for readers that look at a few bytes of each frame and must not copy them all.
   */
  readonly pieces?: readonly Buffer[];
}

export interface MjpegParserOptions {
  /** The multipart boundary (default `frame`, cam's). */
  boundary?: string;
  /**
   * Copy each body into a buffer of its own (default true), so that it outlives the chunks pushed. With
   * false, parts hold views into those chunks (`pieces`), and `body` joins them only when read: for
   * load generators and proxies that must not copy every frame.
   */
  copy?: boolean;
}

/**
 * Malformed input: a part without a delimiter where one must be, a bad header, a body whose length
 * differs from its Content-Length. The parser stops at the first one.
 */
export class MjpegParseError extends Error {
  override readonly name = 'MjpegParseError';
}

type State = 'delimiter' | 'headers' | 'body' | 'body-end' | 'closed';

/**
 * An incremental parser for `multipart/x-mixed-replace` as cam writes it (each part with a
 * `Content-Length`), for tests, benchmarks and clients: feed it chunks of any size, and it returns the
 * parts completed so far. Strict on purpose: it checks every delimiter and every length, byte by byte.
 * A body is never copied while it arrives: its pieces are kept as views of the chunks pushed, and
 * joined (or, with `copy: false`, left as they are) when the part completes.
 */
export class MjpegParser {
  readonly #delimiter: Buffer;
  readonly #closeDelimiter: Buffer;
  readonly #copy: boolean;
  #buffer: Buffer = Buffer.alloc(0);
  #state: State = 'delimiter';
  #headers: Record<string, string> = {};
  #bodyLength = 0;
  #bodyLeft = 0;
  #pieces: Buffer[] = [];

  /** `options` may be the boundary alone, as a string. */
  constructor(options: string | MjpegParserOptions = {}) {
    const { boundary = BOUNDARY, copy = true } =
      typeof options === 'string' ? { boundary: options } : options;
    this.#delimiter = Buffer.from(`--${boundary}`, 'latin1');
    this.#closeDelimiter = Buffer.from(`--${boundary}--`, 'latin1');
    this.#copy = copy;
  }

  /** True once the close delimiter (`--frame--`) arrived. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Bytes received but not yet part of a completed part. */
  get pendingBytes(): number {
    return this.#buffer.length + this.#bodyLength - this.#bodyLeft;
  }

  push(chunk: Buffer): MjpegPart[] {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    const parts: MjpegPart[] = [];
    for (;;) {
      const part = this.#step();
      if (part === false) break;
      if (part) parts.push(part);
    }
    return parts;
  }

  /** Advances one state; returns a completed part, undefined to continue, or false when it needs bytes. */
  #step(): MjpegPart | undefined | false {
    switch (this.#state) {
      case 'delimiter': {
        const line = this.#takeLine();
        if (line === undefined) return false;
        if (line.length === 0) return undefined; // tolerate blank lines before a delimiter
        if (line.equals(this.#closeDelimiter)) {
          this.#state = 'closed';
          return undefined; // on to 'closed', which rejects any bytes after it
        }
        if (!line.equals(this.#delimiter))
          throw new MjpegParseError(`expected "${this.#delimiter}", got ${show(line)}`);
        this.#state = 'headers';
        this.#headers = {};
        return undefined;
      }
      case 'headers': {
        const line = this.#takeLine();
        if (line === undefined) return false;
        // cam writes each delimiter right after a frame's bytes, so a stream that ends on purpose has its
        // close delimiter where the next part's headers would start.
        if (Object.keys(this.#headers).length === 0 && line.equals(this.#closeDelimiter)) {
          this.#state = 'closed';
          return undefined;
        }
        if (line.length > 0) {
          const text = line.toString('latin1');
          const colon = text.indexOf(':');
          if (colon <= 0) throw new MjpegParseError(`bad part header ${show(line)}`);
          this.#headers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
          return undefined;
        }
        const length = Number(this.#headers['content-length']);
        if (!Number.isInteger(length) || length < 0) {
          throw new MjpegParseError(`part without a valid Content-Length: ${JSON.stringify(this.#headers)}`);
        }
        this.#bodyLength = length;
        this.#bodyLeft = length;
        this.#pieces = [];
        this.#state = length > 0 ? 'body' : 'body-end';
        return undefined;
      }
      case 'body': {
        // Take what there is of the body, as a view: nothing is copied while a large body arrives.
        if (this.#buffer.length === 0) return false;
        const take = Math.min(this.#bodyLeft, this.#buffer.length);
        this.#pieces.push(this.#buffer.subarray(0, take));
        this.#buffer = this.#buffer.subarray(take);
        this.#bodyLeft -= take;
        if (this.#bodyLeft > 0) return false;
        this.#state = 'body-end';
        return undefined;
      }
      case 'body-end': {
        if (this.#buffer.length < 2) return false;
        if (this.#buffer[0] !== 0x0d || this.#buffer[1] !== 0x0a) {
          throw new MjpegParseError(`part body is not followed by CRLF after its ${this.#bodyLength} bytes`);
        }
        this.#buffer = this.#buffer.subarray(2);
        this.#state = 'delimiter';
        const pieces = this.#pieces;
        this.#pieces = [];
        this.#bodyLength = 0;
        if (this.#copy) return { headers: this.#headers, body: joined(pieces, true) };
        return viewPart(this.#headers, pieces);
      }
      case 'closed':
        if (this.#buffer.length)
          throw new MjpegParseError(`${this.#buffer.length} bytes after the close delimiter`);
        return false;
    }
  }

  #takeLine(): Buffer | undefined {
    const end = this.#buffer.indexOf('\r\n');
    if (end < 0) {
      if (this.#buffer.length > 4096)
        throw new MjpegParseError('no line end within 4096 bytes of a part header');
      return undefined;
    }
    const line = this.#buffer.subarray(0, end);
    this.#buffer = this.#buffer.subarray(end + 2);
    return line;
  }
}

/** The pieces of a body as one buffer: a copy of its own when `copy`, else the piece itself if alone. */
function joined(pieces: readonly Buffer[], copy: boolean): Buffer {
  if (pieces.length === 0) return Buffer.alloc(0);
  if (pieces.length === 1) return copy ? Buffer.from(pieces[0]!) : pieces[0]!;
  return Buffer.concat(pieces);
}

/** A part of views into the received chunks; `body` joins them once, when first read. */
function viewPart(headers: Record<string, string>, pieces: readonly Buffer[]): MjpegPart {
  let body: Buffer | undefined;
  return {
    headers,
    pieces,
    get body() {
      body ??= joined(pieces, false);
      return body;
    },
  };
}

function show(line: Buffer): string {
  return JSON.stringify(line.subarray(0, 80).toString('latin1'));
}
