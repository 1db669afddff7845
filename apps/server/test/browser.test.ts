// A real headless Chromium opens the default camera's page (/cameras/emulated; / is now the grid of
// every camera, tested in web-app.test.ts) and shows the live stream. Uses the system's
// /usr/bin/chromium through playwright-core; never downloads a browser.
import { afterEach, describe, expect, test, vi } from 'vitest';
import {
  CHROMIUM,
  CHROMIUM_INSTALL,
  cleanup,
  launchChromium,
  missingToolNote,
  requireTool,
  startServer,
} from './helpers.js';
import { expectLiveImage, streamImageFrame } from './support/page-frames.js';
import { waitForViewerCount } from './viewer-count.js';

const INSTALL = CHROMIUM_INSTALL;

afterEach(cleanup);

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

    // One of the camera's frames is on screen, and it is live, not a still: another follows within seconds.
    expect(await streamImageFrame(page), 'the frame displayed').not.toBeNull();
    await expectLiveImage(page, 5000);

    await page.close();
    await waitForViewerCount(port, 0);
  });
});
