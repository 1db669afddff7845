import { BOUNDARY } from './multipart.js';

/** One part of a Motion-JPEG stream, as a client received it. */
export interface MjpegPart {
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Malformed input: a part without a delimiter where one must be, a bad header, a body whose length
 * differs from its Content-Length. The parser stops at the first one.
 */
export class MjpegParseError extends Error {
  override readonly name = 'MjpegParseError';
}

type State = 'delimiter' | 'headers' | 'body' | 'closed';

/**
 * An incremental parser for `multipart/x-mixed-replace` as cam writes it (each part with a
 * `Content-Length`), for tests, benchmarks and clients: feed it chunks of any size, and it returns the
 * parts completed so far. Strict on purpose: it checks every delimiter and every length, byte by byte.
 */
export class MjpegParser {
  readonly #delimiter: Buffer;
  readonly #closeDelimiter: Buffer;
  #buffer: Buffer = Buffer.alloc(0);
  #state: State = 'delimiter';
  #headers: Record<string, string> = {};
  #bodyLength = 0;

  constructor(boundary = BOUNDARY) {
    this.#delimiter = Buffer.from(`--${boundary}`, 'latin1');
    this.#closeDelimiter = Buffer.from(`--${boundary}--`, 'latin1');
  }

  /** True once the close delimiter (`--frame--`) arrived. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Bytes received but not yet part of a completed part. */
  get pendingBytes(): number {
    return this.#buffer.length;
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
        this.#state = 'body';
        return undefined;
      }
      case 'body': {
        if (this.#buffer.length < this.#bodyLength + 2) return false;
        const body = this.#buffer.subarray(0, this.#bodyLength);
        if (this.#buffer[this.#bodyLength] !== 0x0d || this.#buffer[this.#bodyLength + 1] !== 0x0a) {
          throw new MjpegParseError(`part body is not followed by CRLF after its ${this.#bodyLength} bytes`);
        }
        this.#buffer = this.#buffer.subarray(this.#bodyLength + 2);
        this.#state = 'delimiter';
        return { headers: this.#headers, body: Buffer.from(body) };
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

function show(line: Buffer): string {
  return JSON.stringify(line.subarray(0, 80).toString('latin1'));
}
