// What a browser page shows: which of the emulated camera's default frames an <img> or a grid tile's
// canvas displays now, read from a background pixel (see default-frames.ts).
import { expect, vi } from 'vitest';
import { BACKGROUND_PROBE, colourFrame } from './default-frames.js';

const { x, y } = BACKGROUND_PROBE;

/**
 * What these helpers need of a page: to evaluate an expression given as a string. Playwright's Page has it,
 * and so has browsers.ts's EnginePage (Chromium, Firefox and WebKit alike).
 */
export interface EvaluatingPage {
  evaluate<T>(expression: string): Promise<T>;
}

/** The default frame (1, 2, 3) the camera page's <img id="stream"> displays now; null before it shows one. */
export async function streamImageFrame(page: EvaluatingPage): Promise<number | null> {
  const rgb = await page.evaluate<number[] | null>(`(async () => {
    const img = document.getElementById('stream');
    if (!img || !img.naturalWidth) return null;
    const bitmap = await createImageBitmap(img);
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const context = canvas.getContext('2d');
    context.drawImage(bitmap, 0, 0);
    bitmap.close();
    return Array.from(context.getImageData(${x}, ${y}, 1, 1).data.slice(0, 3));
  })()`);
  return rgb ? (colourFrame(rgb) ?? null) : null;
}

/** The default frame each grid tile's canvas shows now (null: none of them, e.g. not painted yet). */
export async function tileFrames(page: EvaluatingPage, ids: readonly string[]): Promise<(number | null)[]> {
  const pixels = await page.evaluate<number[][]>(`${JSON.stringify(ids)}.map((id) => {
    const canvas = document.querySelector('.tile[data-camera="' + id + '"] canvas');
    return Array.from(canvas.getContext('2d').getImageData(${x}, ${y}, 1, 1).data.slice(0, 3));
  })`);
  return pixels.map((rgb) => colourFrame(rgb) ?? null);
}

/** Waits until the camera page's <img> has displayed two different frames: the stream is live. */
export async function expectLiveImage(page: EvaluatingPage, timeout = 10_000): Promise<void> {
  const seen = new Set<number>();
  await vi.waitFor(
    async () => {
      const frame = await streamImageFrame(page);
      if (frame !== null) seen.add(frame);
      expect(seen.size, `frames the <img> displayed: ${[...seen]}`).toBeGreaterThanOrEqual(2);
    },
    { timeout, interval: 50 },
  );
}

/** Waits until every tile of `ids` has shown two different frames: each camera is live in the grid. */
export async function expectLiveTiles(
  page: EvaluatingPage,
  ids: readonly string[],
  timeout = 10_000,
): Promise<void> {
  const seen = ids.map(() => new Set<number>());
  await vi.waitFor(
    async () => {
      const frames = await tileFrames(page, ids);
      for (const [i, frame] of frames.entries()) if (frame !== null) seen[i]!.add(frame);
      const still = ids.filter((_, i) => seen[i]!.size < 2);
      expect(still, 'tiles that have not changed frame yet').toEqual([]);
    },
    { timeout, interval: 50 },
  );
}
