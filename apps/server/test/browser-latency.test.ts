// Chromium paints a multipart part only when the next part's headers arrive (Chromium bug 527446): with
// a 1 fps camera a naive stream shows every frame a second late. These tests read, in a real headless
// Chromium, which frame is on screen and when, against when the server captured it.
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  BACKGROUND_PROBE,
  CHROMIUM,
  CHROMIUM_INSTALL,
  cleanup,
  colourFrame,
  FRAME_COLOURS,
  launchChromium,
  missingToolNote,
  requireTool,
  sleep,
  startServer,
} from './helpers.js';

const INSTALL = CHROMIUM_INSTALL;

afterEach(cleanup);

// In the page: every 20 ms, draw the <img> as displayed into a canvas and note when its background
// colour changes, with the time (Date.now(): the same clock as the server's, on this machine).
const WATCH_DISPLAY = `(() => {
  window.__changes = [];
  const canvas = document.createElement('canvas');
  canvas.width = 640; canvas.height = 480;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  let last = '';
  setInterval(() => {
    const img = document.getElementById('stream');
    if (!img.naturalWidth) return;
    context.drawImage(img, 0, 0);
    const rgb = Array.from(context.getImageData(${BACKGROUND_PROBE.x}, ${BACKGROUND_PROBE.y}, 1, 1).data.slice(0, 3));
    const key = rgb.join(',');
    if (key !== last) { last = key; window.__changes.push({ at: Date.now(), rgb }); }
  }, 20);
})()`;

interface Capture {
  seq: number;
  at: number;
}

/** Polls the state API, noting when each frame was captured (the emulated camera's frames cycle 1, 2, 3). */
function watchCaptures(url: string): { captures: Capture[]; stop(): void } {
  const captures: Capture[] = [];
  let running = true;
  void (async () => {
    while (running) {
      const state = (await (await fetch(`${url}/api/cameras/emulated`)).json()) as {
        framesCaptured: number;
        lastFrameAt: string | null;
      };
      if (state.lastFrameAt && captures.at(-1)?.seq !== state.framesCaptured) {
        captures.push({ seq: state.framesCaptured, at: Date.parse(state.lastFrameAt) });
      }
      await sleep(20);
    }
  })();
  return { captures, stop: () => (running = false) };
}

/** For each frame the page displayed, how long after its capture it appeared (ms). */
function displayLags(changes: { at: number; rgb: number[] }[], captures: Capture[]): number[] {
  const lags: number[] = [];
  for (const change of changes) {
    const frame = colourFrame(change.rgb);
    if (frame === undefined) continue;
    // the newest capture of that frame (1, 2, 3 cycling) before it was displayed
    const capture = captures.filter((c) => ((c.seq - 1) % 3) + 1 === frame && c.at <= change.at).at(-1);
    if (capture) lags.push(change.at - capture.at);
  }
  return lags;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('Chromium shows the newest frame', () => {
  // Once more when it misses: it reads wall-clock lags, and a machine stalled for seconds (seen in CI under
  // load: one lag of 3 s among eight under 360 ms) fails it without the stream being late.
  test('at 1 fps each frame is on screen before the next one is captured', {
    timeout: 60_000,
    retry: 1,
  }, async (ctx) => {
    if (!requireTool(CHROMIUM, INSTALL)) ctx.skip(missingToolNote(CHROMIUM, INSTALL));
    expect(Object.keys(FRAME_COLOURS)).toHaveLength(3);
    const { url } = await startServer({ CAMERA_FPS: '1' });
    const browser = await launchChromium();

    // cam's own page, as a user opens it, and the same stream without the fix, side by side.
    const measure = async (src: string) => {
      const page = await browser.newPage();
      await page.goto(`${url}/cameras/emulated`, { timeout: 10_000 });
      await page.evaluate(`document.getElementById('stream').src = ${JSON.stringify(src)}`);
      await page.evaluate(WATCH_DISPLAY);
      return page;
    };
    const watcher = watchCaptures(url);
    const fixed = await measure('/video_feed');
    const naive = await measure('/video_feed?advance_headers=0');
    await sleep(6500);
    watcher.stop();
    const fixedLags = displayLags(await fixed.evaluate('window.__changes'), watcher.captures);
    const naiveLags = displayLags(await naive.evaluate('window.__changes'), watcher.captures);

    expect(fixedLags.length, 'frames displayed in 6.5 s').toBeGreaterThanOrEqual(5);
    // Each frame is on screen before the next one is even captured (1 s later): the newest frame, never
    // one behind. How many milliseconds that takes is a benchmark's figure, not this test's claim.
    expect(Math.max(...fixedLags), `lags ${fixedLags.join(', ')} ms`).toBeLessThan(1000);
    // The naive layout shows the bug this guards against: each frame only once the next one arrives.
    expect(median(naiveLags), `naive lags ${naiveLags.join(', ')} ms`).toBeGreaterThan(700);
  });

  test('when frames stop changing, the last one is on screen without waiting for another', {
    timeout: 60_000,
  }, async (ctx) => {
    if (!requireTool(CHROMIUM, INSTALL)) ctx.skip(missingToolNote(CHROMIUM, INSTALL));
    // One frame every 8 s: the first must show long before the second exists.
    const { url, proc } = await startServer({ CAMERA_FPS: '0.125' });
    const browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${url}/cameras/emulated`, { timeout: 10_000 });
    // (not page.waitForFunction: its polling evaluates strings in the page, which the page's CSP forbids)
    await vi.waitFor(
      async () =>
        expect(await page.evaluate("document.getElementById('stream')?.naturalWidth === 640")).toBe(true),
      { timeout: 5000, interval: 100 },
    );
    const state = (await (await fetch(`${url}/api/cameras/emulated`)).json()) as { framesCaptured: number };
    expect(state.framesCaptured, 'frames captured when the first was displayed').toBe(1);
    await page.evaluate(WATCH_DISPLAY);
    await sleep(300);
    const changes = (await page.evaluate('window.__changes')) as { rgb: number[] }[];
    expect(colourFrame(changes.at(-1)!.rgb)).toBe(1);
    await proc.waitForLog({ msg: 'viewers changed', viewers: 1 });
  });
});
