// Splits a stream of back-to-back JPEG images (what `rpicam-vid --codec mjpeg -o -` writes) into one
// Buffer per image, however the stream is chunked. It follows the JPEG structure rather than searching
// for FF D8 / FF D9: those bytes also occur inside segments (an EXIF thumbnail is a whole JPEG inside an
// APP1 segment, and a comment may hold anything), and a search would cut such a frame in two.
//
// The structure (ITU T.81, annex B): SOI (FF D8), then marker segments, each FF, a code and a 16-bit
// big-endian length that counts itself but not the marker; after each SOS segment come entropy-coded
// data, in which FF is always followed by 00 (a stuffed FF) or by a restart marker D0-D7, so the first FF
// followed by anything else starts the next marker (another scan's tables, another SOS, or EOI). Any
// marker may be preceded by FF fill bytes. EOI (FF D9) ends the image.

type State =
  | 'soi-ff'
  | 'soi-d8'
  | 'marker'
  | 'marker-code'
  | 'length-high'
  | 'length-low'
  | 'segment'
  | 'entropy'
  | 'entropy-ff';

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;

/** Markers that stand alone, without a length: TEM and the restart markers RST0-RST7. */
function isStandalone(code: number): boolean {
  return code === 0x01 || (code >= 0xd0 && code <= 0xd7);
}

export interface JpegSplitterOptions {
  /** Fail when one image grows past this many bytes (default 64 MiB): the stream is not what we think. */
  maxFrameSize?: number;
  /**
   * Skip whatever comes between images instead of failing on it (default false). For streams that wrap
   * each image in text, such as the parts of a Motion-JPEG stream that carry no Content-Length: the text
   * holds no FF D8, so the next image starts at the next FF D8.
   */
  skipBetweenImages?: boolean;
}

/** Thrown when the stream is not a sequence of JPEG images. */
export class JpegStreamError extends Error {
  override readonly name = 'JpegStreamError';
}

/**
 * Incremental JPEG stream splitter: `push(chunk)` returns the images completed by that chunk, each a new
 * Buffer holding exactly one image from its SOI to its EOI. Nothing may come between images; anything
 * that breaks the structure throws a {@link JpegStreamError} and leaves the splitter unusable.
 */
export class JpegSplitter {
  readonly maxFrameSize: number;
  readonly skipBetweenImages: boolean;
  #state: State = 'soi-ff';
  /** The current image's bytes from earlier chunks. */
  #parts: Buffer[] = [];
  #partsSize = 0;
  #lengthHigh = 0;
  #marker = 0;
  #skip = 0;
  /** Bytes of the stream before the current chunk, for error messages. */
  #offset = 0;

  constructor(options: JpegSplitterOptions = {}) {
    this.maxFrameSize = options.maxFrameSize ?? 64 * 1024 * 1024;
    this.skipBetweenImages = options.skipBetweenImages ?? false;
  }

  /** Bytes of an image that has begun but not ended: what is lost if the stream ends now. */
  get pendingBytes(): number {
    return this.#partsSize;
  }

  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    const end = chunk.length;
    let begin = this.#state === 'soi-ff' ? -1 : 0; // where the current image starts in this chunk
    let i = 0;
    while (i < end) {
      switch (this.#state) {
        case 'soi-ff':
          if (this.skipBetweenImages) {
            const ff = chunk.indexOf(0xff, i);
            if (ff < 0) {
              i = end;
              break;
            }
            i = ff;
          }
          this.#expect(chunk, i, 0xff, 'a JPEG image to start (FF D8)');
          begin = i++;
          this.#state = 'soi-d8';
          break;
        case 'soi-d8':
          if (this.skipBetweenImages && chunk[i] !== SOI) {
            // Not an image after all: forget the FF (kept from an earlier chunk, or at `begin`) and look on.
            this.#parts = [];
            this.#partsSize = 0;
            begin = -1;
            this.#state = 'soi-ff';
            break;
          }
          this.#expect(chunk, i++, SOI, 'a JPEG image to start (FF D8)');
          this.#state = 'marker';
          break;
        case 'marker':
          this.#expect(chunk, i++, 0xff, 'a marker');
          this.#state = 'marker-code';
          break;
        case 'marker-code': {
          const code = chunk[i++]!;
          if (code === 0xff) break; // a fill byte before the marker
          if (code === EOI) {
            frames.push(this.#finish(chunk.subarray(begin, i), i));
            begin = -1;
            this.#state = 'soi-ff';
          } else if (isStandalone(code)) {
            this.#state = 'marker';
          } else if (code === SOI || code === 0x00) {
            throw this.#error(i - 2, `unexpected marker FF ${hex(code)} inside an image`);
          } else {
            this.#marker = code;
            this.#state = 'length-high';
          }
          break;
        }
        case 'length-high':
          this.#lengthHigh = chunk[i++]!;
          this.#state = 'length-low';
          break;
        case 'length-low': {
          const length = (this.#lengthHigh << 8) | chunk[i++]!;
          if (length < 2) throw this.#error(i - 2, `segment FF ${hex(this.#marker)} has length ${length}`);
          this.#skip = length - 2;
          this.#state = this.#skip > 0 ? 'segment' : this.#afterSegment();
          break;
        }
        case 'segment': {
          const take = Math.min(this.#skip, end - i);
          i += take;
          this.#skip -= take;
          if (this.#skip === 0) this.#state = this.#afterSegment();
          break;
        }
        case 'entropy': {
          const ff = chunk.indexOf(0xff, i);
          i = ff < 0 ? end : ff + 1;
          if (ff >= 0) this.#state = 'entropy-ff';
          break;
        }
        case 'entropy-ff': {
          const next = chunk[i]!;
          if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
            i++; // a stuffed FF or a restart marker: still entropy-coded data
            this.#state = 'entropy';
          } else if (next === 0xff) {
            i++; // a fill byte
          } else {
            this.#state = 'marker-code'; // the scan is over: read this marker as any other
          }
          break;
        }
      }
    }
    if (begin >= 0 && begin < end) {
      this.#parts.push(chunk.subarray(begin));
      this.#partsSize += end - begin;
      this.#checkSize(this.#partsSize, end);
    }
    this.#offset += end;
    return frames;
  }

  #afterSegment(): State {
    return this.#marker === SOS ? 'entropy' : 'marker';
  }

  #finish(last: Buffer, at: number): Buffer {
    this.#checkSize(this.#partsSize + last.length, at);
    const frame = Buffer.concat([...this.#parts, last], this.#partsSize + last.length);
    this.#parts = [];
    this.#partsSize = 0;
    return frame;
  }

  #checkSize(size: number, at: number): void {
    if (size > this.maxFrameSize) throw this.#error(at, `an image is larger than ${this.maxFrameSize} bytes`);
  }

  #expect(chunk: Buffer, at: number, byte: number, what: string): void {
    if (chunk[at] !== byte) {
      throw this.#error(at, `expected ${what}, found byte ${hex(chunk[at]!)}`);
    }
  }

  #error(at: number, message: string): JpegStreamError {
    return new JpegStreamError(`${message} at byte ${this.#offset + at} of the stream`);
  }
}

function hex(byte: number): string {
  return byte.toString(16).toUpperCase().padStart(2, '0');
}
