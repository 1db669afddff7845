import { createRequire } from 'node:module';
import type jpegJs from 'jpeg-js';
import type pixelFontsJs from 'js-pixel-fonts';

export interface OfflineFrameInfo {
  /** The camera's id. */
  camera: string;
  /** Why it is offline: the camera's error message. */
  reason: string;
  /** When it went offline. */
  since: Date;
  width?: number;
  height?: number;
}

// The drawing libraries (and pngjs, which the font package loads) are loaded with the first offline
// frame: a server whose cameras never fail never needs them.
const require = createRequire(import.meta.url);
let drawing: { jpeg: typeof jpegJs; pixelFonts: typeof pixelFontsJs } | undefined;
function libraries() {
  drawing ??= { jpeg: require('jpeg-js'), pixelFonts: require('js-pixel-fonts') };
  return drawing;
}
function font() {
  return libraries().pixelFonts.fonts.sevenPlus;
}
const BACKGROUND = [0x20, 0x22, 0x26] as const;
const TITLE = [0xff, 0x8a, 0x3d] as const;
const TEXT = [0xe6, 0xe6, 0xe6] as const;
const MARGIN = 24;

/**
 * A JPEG that says the camera is offline, why and since when: what open streams show while the camera
 * retries, instead of freezing or ending. Drawn with a pixel font (no system fonts involved) and encoded
 * in plain JavaScript; it is made once per failure, not per frame.
 */
export function renderOfflineFrame(info: OfflineFrameInfo): Buffer {
  const width = info.width ?? 640;
  const height = info.height ?? 480;
  const canvas = new Canvas(width, height, BACKGROUND);
  let y = MARGIN;
  const detailScale = width >= 480 ? 2 : 1;
  y = canvas.text('CAMERA OFFLINE', MARGIN, y, detailScale * 2, TITLE) + 12;
  const lines = [
    `camera: ${info.camera}`,
    `since ${info.since
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC')}`,
    '',
    ...wrap(info.reason, Math.floor((width - 2 * MARGIN) / (6 * detailScale))),
    '',
    'retrying...',
  ];
  for (const line of lines) {
    if (y > height - MARGIN) break;
    y = canvas.text(line, MARGIN, y, detailScale, TEXT) + 4 * detailScale;
  }
  return Buffer.from(libraries().jpeg.encode({ data: canvas.pixels, width, height }, 80).data);
}

class Canvas {
  readonly pixels: Buffer;

  constructor(
    readonly width: number,
    readonly height: number,
    background: readonly number[],
  ) {
    this.pixels = Buffer.alloc(width * height * 4);
    for (let i = 0; i < this.pixels.length; i += 4) {
      this.pixels[i] = background[0]!;
      this.pixels[i + 1] = background[1]!;
      this.pixels[i + 2] = background[2]!;
      this.pixels[i + 3] = 0xff;
    }
  }

  /** Draws one line of text; returns the y just below it. */
  text(line: string, x: number, y: number, scale: number, colour: readonly number[]): number {
    const rows = libraries().pixelFonts.renderPixels(printable(line) || ' ', font());
    rows.forEach((row, rowIndex) => {
      row.forEach((on, column) => {
        if (on) this.#square(x + column * scale, y + rowIndex * scale, scale, colour);
      });
    });
    return y + rows.length * scale;
  }

  #square(x: number, y: number, size: number, colour: readonly number[]): void {
    for (let dy = 0; dy < size; dy++) {
      for (let dx = 0; dx < size; dx++) {
        const px = x + dx;
        const py = y + dy;
        if (px >= this.width || py >= this.height) continue;
        const offset = (py * this.width + px) * 4;
        this.pixels[offset] = colour[0]!;
        this.pixels[offset + 1] = colour[1]!;
        this.pixels[offset + 2] = colour[2]!;
      }
    }
  }
}

/** Only characters the font has; anything else becomes "?" (the font would log a warning for each). */
function printable(text: string): string {
  const glyphs = font().glyphs;
  return [...text].map((char) => (char in glyphs ? char : char === ' ' ? ' ' : '?')).join('');
}

/** Splits `text` into lines of at most `columns` characters, at spaces where possible. */
function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    for (let rest = word; rest; ) {
      if (line && line.length + 1 + rest.length > columns) {
        lines.push(line);
        line = '';
      }
      const room = columns - (line ? line.length + 1 : 0);
      const piece = rest.slice(0, room);
      line = line ? `${line} ${piece}` : piece;
      rest = rest.slice(piece.length);
    }
  }
  if (line) lines.push(line);
  return lines.slice(0, 8);
}
