import { type FrameStamp, readStamp, STAMP_PREFIX_BYTES } from './frames.js';

// The load generator's parser: an HTTP/1.1 response (status line, headers, chunked or close-delimited
// body) carrying multipart/x-mixed-replace as cam writes it. It checks every framing byte (each chunk
// size and CRLF, each delimiter, each Content-Length) but never copies a frame: it counts a part's
// bytes, keeps its first few (for the stamp) and its last two (the JPEG end marker). MjpegParser from
// @cam/http-mjpeg/client is stricter about nothing that matters here and copies every frame, which at
// hundreds of megabytes a second would make the client, sharing the machine's two cores, the bottleneck.

/** One part, as the reader saw it. */
export interface PartSummary {
  /** Body bytes (the JPEG), as announced by Content-Length and received. */
  size: number;
  /** The frame's stamp, when the body carries one. */
  stamp: FrameStamp | undefined;
  /** The body starts with the JPEG start-of-image marker and ends with end-of-image. */
  jpeg: boolean;
}

export interface StreamReaderEvents {
  /** The response's status line and headers arrived. */
  onHead?(status: number, headers: Record<string, string>): void;
  /** A part is complete. */
  onPart(part: PartSummary): void;
}

const LF = 0x0a;
const MAX_LINE = 1024;

type Framing = 'chunked' | 'close';
type ChunkState = 'size' | 'data' | 'data-end' | 'trailer' | 'done';
type PartState = 'first-delimiter' | 'headers' | 'body' | 'part-end' | 'closed';

/**
 * Feed it the bytes of one response as they arrive ({@link StreamReader.push}); it reports each part.
 * At the first framing error it stops and keeps the message in {@link StreamReader.error}.
 */
export class StreamReader {
  readonly #events: StreamReaderEvents;
  readonly #boundaryLine: string;
  readonly #closeLine: string;
  readonly #partEnd: Buffer;
  /** The first error, after which nothing more is read. */
  error: string | undefined;
  status: number | undefined;
  headers: Record<string, string> = {};
  /** The close delimiter arrived: the server ended the stream on purpose. */
  closed = false;
  /** The HTTP body ended (the last chunk), as opposed to the connection closing. */
  bodyEnded = false;
  /** Parts completed. */
  parts = 0;

  #inHead = true;
  #httpLine = '';
  #partLineText = '';
  #framing: Framing = 'close';
  #chunkState: ChunkState = 'size';
  #chunkLeft = 0;
  #state: PartState = 'first-delimiter';
  #partHeaders: Record<string, string> = {};
  #bodyLeft = 0;
  #bodySize = 0;
  readonly #prefix = Buffer.alloc(STAMP_PREFIX_BYTES);
  #prefixLength = 0;
  #last = 0;
  #beforeLast = 0;
  #partEndAt = 0;

  constructor(events: StreamReaderEvents, boundary = 'frame') {
    this.#events = events;
    this.#boundaryLine = `--${boundary}`;
    this.#closeLine = `--${boundary}--`;
    this.#partEnd = Buffer.from(`\r\n--${boundary}\r\n`, 'latin1');
  }

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.error) {
      if (this.#inHead) at = this.#head(chunk, at);
      else if (this.#framing === 'close') at = this.#body(chunk, at, chunk.length);
      else at = this.#chunked(chunk, at);
    }
  }

  /** Records the first error; returns the end of the input, so that reading stops. */
  #fail(message: string): number {
    this.error ??= message;
    return Number.MAX_SAFE_INTEGER;
  }

  /**
   * Reads one line from `chunk` at `at` (up to `end`) into #httpLine, or into #partLine for a line of the
   * multipart body (which may span HTTP chunks, between which chunk-size lines come). Returns where it
   * stopped and the line without its CRLF once it is complete.
   */
  #readLine(chunk: Buffer, at: number, end: number, part: boolean): [next: number, line: string | undefined] {
    let lf = chunk.indexOf(LF, at);
    if (lf >= end) lf = -1;
    let line = (part ? this.#partLineText : this.#httpLine) + chunk.toString('latin1', at, lf < 0 ? end : lf);
    if (line.length > MAX_LINE) return [this.#fail(`a line longer than ${MAX_LINE} bytes`), undefined];
    if (lf >= 0) {
      if (!line.endsWith('\r')) return [this.#fail(`a line ends in LF without CR: ${show(line)}`), undefined];
      line = line.slice(0, -1);
    }
    if (part) this.#partLineText = lf < 0 ? line : '';
    else this.#httpLine = lf < 0 ? line : '';
    return lf < 0 ? [end, undefined] : [lf + 1, line];
  }

  #head(chunk: Buffer, at: number): number {
    const [next, line] = this.#readLine(chunk, at, chunk.length, false);
    if (line === undefined) return next;
    if (this.status === undefined) {
      const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(line);
      if (!match) return this.#fail(`bad status line ${show(line)}`);
      this.status = Number(match[1]);
      return next;
    }
    if (line !== '') {
      const colon = line.indexOf(':');
      if (colon <= 0) return this.#fail(`bad response header ${show(line)}`);
      this.headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      return next;
    }
    this.#inHead = false;
    this.#events.onHead?.(this.status, this.headers);
    if (this.status !== 200) return this.#fail(`status ${this.status}`);
    const type = this.headers['content-type'] ?? '';
    if (!/^multipart\/x-mixed-replace\s*;\s*boundary="?frame"?$/i.test(type)) {
      return this.#fail(`content-type ${show(type)} is not multipart/x-mixed-replace; boundary=frame`);
    }
    const encoding = this.headers['transfer-encoding']?.toLowerCase();
    if (encoding === 'chunked') this.#framing = 'chunked';
    else if (encoding !== undefined) return this.#fail(`unexpected transfer-encoding ${show(encoding)}`);
    else if (this.headers['content-length'] !== undefined)
      return this.#fail('a stream with a Content-Length');
    return next;
  }

  /** HTTP chunked transfer-encoding: hands each chunk's data to #body. */
  #chunked(chunk: Buffer, at: number): number {
    switch (this.#chunkState) {
      case 'size': {
        const [next, line] = this.#readLine(chunk, at, chunk.length, false);
        if (line === undefined) return next;
        const size = line.split(';', 1)[0]!.trim();
        if (!/^[0-9a-f]{1,8}$/i.test(size)) return this.#fail(`bad chunk size ${show(size)}`);
        this.#chunkLeft = Number.parseInt(size, 16);
        this.#chunkState = this.#chunkLeft === 0 ? 'trailer' : 'data';
        return next;
      }
      case 'data': {
        const end = Math.min(chunk.length, at + this.#chunkLeft);
        const next = this.#body(chunk, at, end);
        this.#chunkLeft -= next - at;
        if (this.#chunkLeft === 0) this.#chunkState = 'data-end';
        return next;
      }
      case 'data-end': {
        const [next, line] = this.#readLine(chunk, at, chunk.length, false);
        if (line === undefined) return next;
        if (line !== '') return this.#fail(`chunk data is followed by ${show(line)}, not CRLF`);
        this.#chunkState = 'size';
        return next;
      }
      case 'trailer': {
        const [next, line] = this.#readLine(chunk, at, chunk.length, false);
        if (line === undefined) return next;
        if (line === '') {
          this.#chunkState = 'done';
          this.bodyEnded = true;
        }
        return next;
      }
      case 'done':
        return this.#fail(`${chunk.length - at} bytes after the end of the response`);
    }
  }

  /** The multipart body: reads `chunk` from `at` to `end`, returns where it stopped (always `end` unless an error). */
  #body(chunk: Buffer, at: number, end: number): number {
    while (at < end && !this.error) {
      switch (this.#state) {
        case 'first-delimiter':
        case 'headers':
          at = this.#partLine(chunk, at, end);
          break;
        case 'body': {
          const take = Math.min(end - at, this.#bodyLeft);
          if (this.#prefixLength < this.#prefix.length) {
            const copy = Math.min(take, this.#prefix.length - this.#prefixLength);
            chunk.copy(this.#prefix, this.#prefixLength, at, at + copy);
            this.#prefixLength += copy;
          }
          if (take >= 2) {
            this.#beforeLast = chunk[at + take - 2]!;
            this.#last = chunk[at + take - 1]!;
          } else if (take === 1) {
            this.#beforeLast = this.#last;
            this.#last = chunk[at]!;
          }
          this.#bodyLeft -= take;
          at += take;
          if (this.#bodyLeft === 0) {
            this.#state = 'part-end';
            this.#partEndAt = 0;
            this.#completePart();
          }
          break;
        }
        case 'part-end': {
          // The delimiter that cam writes right after each frame: CRLF, the boundary, CRLF.
          const byte = chunk[at]!;
          if (byte !== this.#partEnd[this.#partEndAt]) {
            return this.#fail(`the part's ${this.#bodySize} bytes are not followed by "\\r\\n--frame\\r\\n"`);
          }
          at += 1;
          this.#partEndAt += 1;
          if (this.#partEndAt === this.#partEnd.length) {
            this.#state = 'headers';
            this.#partHeaders = {};
          }
          break;
        }
        case 'closed':
          return this.#fail(`${end - at} bytes after the close delimiter`);
      }
    }
    return at;
  }

  #partLine(chunk: Buffer, at: number, end: number): number {
    const [next, line] = this.#readLine(chunk, at, end, true);
    if (line === undefined) return next;
    if (this.#state === 'first-delimiter') {
      if (line !== this.#boundaryLine)
        return this.#fail(`the body starts with ${show(line)}, not the delimiter`);
      this.#state = 'headers';
      this.#partHeaders = {};
      return next;
    }
    if (line === this.#closeLine && Object.keys(this.#partHeaders).length === 0) {
      this.#state = 'closed';
      this.closed = true;
      return next;
    }
    if (line !== '') {
      const colon = line.indexOf(':');
      if (colon <= 0) return this.#fail(`bad part header ${show(line)}`);
      this.#partHeaders[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      return next;
    }
    const length = this.#partHeaders['content-length'];
    if (length === undefined || !/^\d{1,9}$/.test(length)) {
      return this.#fail(`a part without a valid Content-Length: ${JSON.stringify(this.#partHeaders)}`);
    }
    if (this.#partHeaders['content-type']?.toLowerCase() !== 'image/jpeg') {
      return this.#fail(`a part of type ${show(this.#partHeaders['content-type'] ?? '(none)')}`);
    }
    this.#bodySize = Number(length);
    this.#bodyLeft = this.#bodySize;
    this.#prefixLength = 0;
    this.#last = 0;
    this.#beforeLast = 0;
    this.#state = 'body';
    if (this.#bodyLeft === 0) {
      this.#state = 'part-end';
      this.#partEndAt = 0;
      this.#completePart();
    }
    return next;
  }

  #completePart(): void {
    this.parts += 1;
    const prefix = this.#prefix.subarray(0, this.#prefixLength);
    const jpeg =
      this.#bodySize >= 4 &&
      prefix[0] === 0xff &&
      prefix[1] === 0xd8 &&
      this.#beforeLast === 0xff &&
      this.#last === 0xd9;
    this.#events.onPart({ size: this.#bodySize, stamp: readStamp(prefix), jpeg });
  }
}

function show(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
