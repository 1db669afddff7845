// A real headless Chromium opens the default camera's page (/cameras/emulated; / is now the grid of
// every camera, tested in web-app.test.ts) and shows the live stream. Uses the system's
// /usr/bin/chromium through playwright-core; never downloads a browser.
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  BACKGROUND_PROBE,
  CHROMIUM,
  CHROMIUM_INSTALL,
  cleanup,
  colourFrame,
  launchChromium,
  missingToolNote,
  requireTool,
  sleep,
  startServer,
} from './helpers.js';
import { waitForViewerCount } from './viewer-count.js';

const INSTALL = CHROMIUM_INSTALL;

afterEach(cleanup);

// Runs in the page (a string, so that this package's Node-only types need no DOM): draws the <img> as
// it is displayed now into a canvas, and returns the RGB of one background pixel of the frame.
const READ_PIXEL = `(() => {
  const img = document.getElementById('stream');
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  return Array.from(context.getImageData(${BACKGROUND_PROBE.x}, ${BACKGROUND_PROBE.y}, 1, 1).data.slice(0, 3));
})()`;

describe('headless Chromium', () => {
  test("shows the live stream in the <img> of the default camera's page (/ is the grid)", {
    timeout: 60_000,
  }, async (ctx) => {
    if (!requireTool(CHROMIUM, INSTALL)) ctx.skip(missingToolNote(CHROMIUM, INSTALL));
    const { port, url } = await startServer({ CAMERA_FPS: '5' });
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 800, height: 700 } });

    const response = await page.goto(`${url}/cameras/emulated`, { timeout: 10_000 });
    expect(response?.status()).toBe(200);
    // (not page.waitForFunction: its polling evaluates strings in the page, which the page's CSP forbids)
    await vi.waitFor(
      async () =>
        expect(await page.evaluate("document.getElementById('stream')?.naturalWidth === 640")).toBe(true),
      { timeout: 10_000, interval: 100 },
    );
    expect(await page.evaluate<number>("document.getElementById('stream').naturalHeight")).toBe(480);
    // The browser watches: the server counts it as a viewer.
    await waitForViewerCount(port, 1);

    const first = await page.evaluate<number[]>(READ_PIXEL);
    expect(colourFrame(first), `displayed pixel rgb(${first.join(',')})`).toBeDefined();

    // Live, not a still: within a few frames the browser displays another of the camera's frames.
    const seen = new Set([colourFrame(first)]);
    const deadline = Date.now() + 5000;
    while (seen.size < 2 && Date.now() < deadline) {
      await sleep(100);
      const rgb = await page.evaluate<number[]>(READ_PIXEL);
      const frame = colourFrame(rgb);
      expect(frame, `displayed pixel rgb(${rgb.join(',')})`).toBeDefined();
      seen.add(frame);
    }
    expect(seen.size, 'distinct frames displayed within 5 s').toBeGreaterThanOrEqual(2);

    await page.close();
    await waitForViewerCount(port, 0);
  });
});
