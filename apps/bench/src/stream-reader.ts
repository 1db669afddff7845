import { MjpegParser, type MjpegPart } from '@cam/http-mjpeg/client';
import { type FrameStamp, readStamp, STAMP_PREFIX_BYTES } from './frames.js';

// The load generator's reader: an HTTP/1.1 response (status line, headers, chunked or close-delimited
// body) strictly checked here (every chunk size and CRLF), its multipart body parsed by @cam/http-mjpeg's
// MjpegParser without copying: each part comes as views of the socket's chunks, of which only the first
// bytes (the stamp) and the last two (the JPEG end marker) are read. Copying every frame, at hundreds of
// megabytes a second, would make the client, sharing the machine's two cores, the bottleneck.

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

/**
 * Feed it the bytes of one response as they arrive ({@link StreamReader.push}); it reports each part.
 * At the first framing error it stops and keeps the message in {@link StreamReader.error}.
 */
export class StreamReader {
  readonly #events: StreamReaderEvents;
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
  #framing: Framing = 'close';
  #chunkState: ChunkState = 'size';
  #chunkLeft = 0;
  readonly #parser: MjpegParser;

  constructor(events: StreamReaderEvents, boundary = 'frame') {
    this.#events = events;
    this.#parser = new MjpegParser({ boundary, copy: false });
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
   * Reads one line of the HTTP response (its head, a chunk-size line) from `chunk` at `at`. Returns where
   * it stopped and the line without its CRLF once it is complete.
   */
  #readLine(chunk: Buffer, at: number): [next: number, line: string | undefined] {
    const lf = chunk.indexOf(LF, at);
    let line = this.#httpLine + chunk.toString('latin1', at, lf < 0 ? chunk.length : lf);
    if (line.length > MAX_LINE) return [this.#fail(`a line longer than ${MAX_LINE} bytes`), undefined];
    if (lf >= 0) {
      if (!line.endsWith('\r')) return [this.#fail(`a line ends in LF without CR: ${show(line)}`), undefined];
      line = line.slice(0, -1);
    }
    this.#httpLine = lf < 0 ? line : '';
    return lf < 0 ? [chunk.length, undefined] : [lf + 1, line];
  }

  #head(chunk: Buffer, at: number): number {
    const [next, line] = this.#readLine(chunk, at);
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
        const [next, line] = this.#readLine(chunk, at);
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
        const [next, line] = this.#readLine(chunk, at);
        if (line === undefined) return next;
        if (line !== '') return this.#fail(`chunk data is followed by ${show(line)}, not CRLF`);
        this.#chunkState = 'size';
        return next;
      }
      case 'trailer': {
        const [next, line] = this.#readLine(chunk, at);
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

  /** The multipart body, from `at` to `end` of `chunk`: to the parser, as a view. Returns `end`, or past it on an error. */
  #body(chunk: Buffer, at: number, end: number): number {
    let parts: MjpegPart[];
    try {
      parts = this.#parser.push(chunk.subarray(at, end));
    } catch (error) {
      return this.#fail((error as Error).message);
    }
    for (const part of parts) {
      const type = part.headers['content-type'];
      if (type?.toLowerCase() !== 'image/jpeg') return this.#fail(`a part of type ${show(type ?? '(none)')}`);
      this.parts += 1;
      this.#events.onPart(summarize(part.pieces!));
    }
    if (this.#parser.closed) this.closed = true;
    return end;
  }
}

/** A part's size, stamp and whether it is a whole JPEG, read from its pieces without joining them. */
function summarize(pieces: readonly Buffer[]): PartSummary {
  let size = 0;
  for (const piece of pieces) size += piece.length;
  const first = pieces[0] ?? Buffer.alloc(0);
  const prefix =
    first.length >= STAMP_PREFIX_BYTES || pieces.length < 2
      ? first.subarray(0, STAMP_PREFIX_BYTES)
      : Buffer.concat(pieces, Math.min(size, STAMP_PREFIX_BYTES));
  const byteAt = (index: number): number | undefined => {
    for (let i = pieces.length - 1, end = size; i >= 0; i--) {
      const start = end - pieces[i]!.length;
      if (index >= start) return pieces[i]![index - start];
      end = start;
    }
    return undefined;
  };
  const jpeg =
    size >= 4 &&
    prefix[0] === 0xff &&
    prefix[1] === 0xd8 &&
    byteAt(size - 2) === 0xff &&
    byteAt(size - 1) === 0xd9;
  return { size, stamp: readStamp(prefix), jpeg };
}

function show(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
