// The emulated camera's default frames: their bytes, their colours, and which one an image is.
import { readFileSync } from 'node:fs';
import { defaultFrameFiles } from '@cam/driver-emulated';

/** The three default frames' bytes, in order: "1", "2", "3". */
export const FRAME_FILES: readonly Buffer[] = defaultFrameFiles().map((file) => readFileSync(file));

/** Which default frame (1, 2 or 3) `jpeg` is byte for byte, or undefined. */
export function frameNumber(jpeg: Buffer): number | undefined {
  const index = FRAME_FILES.findIndex((file) => file.equals(jpeg));
  return index < 0 ? undefined : index + 1;
}

/** Background colours of the default frames, by frame number; what a viewer sees left of the digit. */
export const FRAME_COLOURS: Readonly<Record<number, readonly [number, number, number]>> = {
  1: [0xb0, 0x3a, 0x2e],
  2: [0x1e, 0x84, 0x49],
  3: [0x2e, 0x40, 0x53],
};

/** A point on the background, left of the centred digit and inside the border, in 640 x 480 frames. */
export const BACKGROUND_PROBE = { x: 60, y: 240 } as const;

/** The frame whose background colour `rgb` is, within `tolerance` per channel (JPEG is lossy). */
export function colourFrame(rgb: readonly number[], tolerance = 16): number | undefined {
  for (const [frame, colour] of Object.entries(FRAME_COLOURS)) {
    if (colour.every((value, i) => Math.abs(value - (rgb[i] ?? -999)) <= tolerance)) return Number(frame);
  }
  return undefined;
}

export function isWholeJpeg(data: Buffer): boolean {
  return (
    data.length > 4 && data[0] === 0xff && data[1] === 0xd8 && data.at(-2) === 0xff && data.at(-1) === 0xd9
  );
}
