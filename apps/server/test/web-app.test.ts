// The web app in three real engines (Chromium, Firefox ESR, WebKitGTK; see browsers.ts): frames on screen
// as they arrive on the camera page and in a grid tile, a grid of 12 cameras over HTTP/1.1, a failing
// camera's tile, and screenshots of both pages at desktop and phone sizes for people to look at
// (test-output/screenshots/). Pixels are read with createImageBitmap(img) or from the tile's canvas:
// Firefox's drawImage(img) returns a stale frame. An engine that is not installed is skipped with the
// package to install; CAM_TEST_STRICT=1 (CI) turns that skip into a failure.
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Frame } from '@cam/core';
import { afterAll, describe, expect, onTestFinished, test, vi } from 'vitest';
import { chromiumEngine, type Engine, type EnginePage, firefoxEngine, webkitEngine } from './browsers.js';
import { BACKGROUND_PROBE, colourFrame, frameNumber, sleep } from './helpers.js';
import { expectLiveTiles, tileFrames } from './support/page-frames.js';
import { cameraIds, startWebServer, type UnpluggableCamera } from './web-server.js';

const STRICT = process.env.CAM_TEST_STRICT === '1';
const SCREENSHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));
const DESKTOP = { width: 1280, height: 800 };
/**
 * The latency measurements read milliseconds on a machine that other test files load too (two cores,
 * browsers and servers in parallel): one whose median was pushed over by a burst of load elsewhere runs
 * again, up to twice. A real regression (a frame shown an interval late) fails every run.
 */
const LATENCY_RETRIES = 2;
const PHONE = { width: 390, height: 844 };
/**
 * The other tests run once more after a failure: WebKitWebDriver, on a loaded machine, sometimes never answers
 * a command; browsers.ts then restarts WebKit and the test fails with that message, and its second run gets a
 * fresh browser. A real fault fails both runs.
 */
const ONCE_MORE = 1;

const { x, y } = BACKGROUND_PROBE;

/**
 * In the page: every 5 ms, reads the background pixel of what `source` (an expression giving an <img>
 * or a <canvas>) shows now, and notes each change of colour with its time (Date.now(): the server's
 * clock, on this machine). An <img> is read through createImageBitmap, as it is displayed; a canvas
 * directly.
 */
function watchPixels(source: string): string {
  return `(() => {
  window.__changes = [];
  const probe = document.createElement('canvas');
  probe.width = 640; probe.height = 480;
  const context = probe.getContext('2d', { willReadFrequently: true });
  let last = '', busy = false;
  setInterval(async () => {
    const element = ${source};
    if (busy || !element || (element.tagName === 'IMG' && !element.naturalWidth)) return;
    busy = true;
    try {
      const at = Date.now();
      let rgb;
      if (element.tagName === 'CANVAS') {
        rgb = Array.from(element.getContext('2d').getImageData(${x}, ${y}, 1, 1).data.slice(0, 3));
      } else {
        const bitmap = await createImageBitmap(element);
        context.drawImage(bitmap, 0, 0);
        bitmap.close();
        rgb = Array.from(context.getImageData(${x}, ${y}, 1, 1).data.slice(0, 3));
      }
      const key = rgb.join(',');
      if (key !== last) { last = key; window.__changes.push({ at, rgb }); }
    } catch {} finally { busy = false; }
  }, 5);
  return true;
})()`;
}

const tileCanvas = (id: string) => `document.querySelector('.tile[data-camera="${id}"] canvas')`;

interface Change {
  at: number;
  rgb: number[];
}

/** Notes when each camera frame was captured, by the default frame (1, 2, 3) it is. */
function recordCaptures(camera: UnpluggableCamera): { frame: number; at: number }[] {
  const captures: { frame: number; at: number }[] = [];
  camera.on('frame', (frame: Frame) =>
    captures.push({ frame: frameNumber(frame.data) ?? 0, at: frame.capturedAt }),
  );
  return captures;
}

/** For each change of colour after the first, how long after the frame's capture it was on screen (ms). */
function displayLags(changes: Change[], captures: { frame: number; at: number }[]): number[] {
  const lags: number[] = [];
  for (const change of changes.slice(1)) {
    const frame = colourFrame(change.rgb);
    if (frame === undefined) continue;
    const capture = captures.filter((c) => c.frame === frame && c.at <= change.at).at(-1);
    if (capture) lags.push(change.at - capture.at);
  }
  return lags;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Tile status and reason text, as the page shows them. */
function tileText(
  page: EnginePage,
  id: string,
): Promise<{ status: string; reason: string; figures: string; kind: string }> {
  return page.evaluate(`(() => {
    const tile = document.querySelector('.tile[data-camera="${id}"]');
    return { status: tile.querySelector('.status').textContent, reason: tile.querySelector('.reason').textContent,
             figures: tile.querySelector('.figures').textContent,
             kind: tile.dataset.status || '' };
  })()`);
}

const engines: Engine[] = [chromiumEngine(), firefoxEngine(), webkitEngine()];

describe.each(engines)('the web app in $name', (engine) => {
  afterAll(() => engine.close(), 30_000);

  /** Skips when the engine is missing (fails under CAM_TEST_STRICT=1); opens a page otherwise. */
  async function open(ctx: { skip(note: string): void }, size = DESKTOP): Promise<EnginePage> {
    if (engine.missing) {
      if (STRICT) throw new Error(`${engine.missing} (CAM_TEST_STRICT=1 turns this skip into a failure)`);
      console.warn(`skipped: ${engine.missing}`);
      ctx.skip(engine.missing);
    }
    const page = await engine.open(size.width, size.height);
    // closed also when the test fails half-way, so that the next test's page is the only one streaming
    onTestFinished(() => page.close().catch(() => undefined));
    return page;
  }

  test('camera page, 1 fps: each frame is on screen within 50 ms of its capture (median of 8+)', {
    timeout: 90_000,
    retry: LATENCY_RETRIES,
  }, async (ctx) => {
    const page = await open(ctx);
    const server = await startWebServer(['front'], 1);
    const captures = recordCaptures(server.cameras[0]!);
    await page.goto(`${server.url}/cameras/front`);
    await vi.waitFor(() => page.evaluate<boolean>(watchPixels("document.getElementById('stream')")), 10_000);
    await sleep(10_500);
    const lags = displayLags(await page.evaluate<Change[]>('window.__changes'), captures);
    await page.close();
    expect(lags.length, `frames shown in 10.5 s (lags ${lags.join(', ')} ms)`).toBeGreaterThanOrEqual(8);
    expect(median(lags), `lags ${lags.join(', ')} ms`).toBeLessThan(50);
  });

  test('when frames pause, the last one is on screen without waiting for the next', {
    timeout: 60_000,
    retry: ONCE_MORE,
  }, async (ctx) => {
    const page = await open(ctx);
    const server = await startWebServer(['slow'], 0.125); // a frame every 8 s
    const captures = recordCaptures(server.cameras[0]!);
    await page.goto(`${server.url}/cameras/slow`);
    await vi.waitFor(() => page.evaluate<boolean>(watchPixels("document.getElementById('stream')")), 10_000);
    await vi.waitFor(async () => {
      const changes = await page.evaluate<Change[]>('window.__changes');
      expect(changes.map((change) => colourFrame(change.rgb))).toContain(1);
    }, 5000);
    expect(
      captures.map((capture) => capture.frame),
      'frames captured when the first was on screen',
    ).toEqual([1]);
    await page.close();
  });

  // Measured, not guessed: without the next part's headers sent early, Blink and WebKit show each frame a
  // whole interval late (so their User-Agents get them); Gecko paints at the delimiter and needs nothing.
  const paintsOnNextHeaders = engine.name !== 'firefox';
  test(`without advance headers, frames are ${paintsOnNextHeaders ? 'a whole interval late' : 'still on time'}`, {
    timeout: 90_000,
    retry: LATENCY_RETRIES,
  }, async (ctx) => {
    const page = await open(ctx);
    const server = await startWebServer(['front'], 1);
    const captures = recordCaptures(server.cameras[0]!);
    await page.goto(`${server.url}/cameras/front`);
    await page.evaluate("document.getElementById('stream').src = '/cameras/front/stream?advance_headers=0'");
    await vi.waitFor(() => page.evaluate<boolean>(watchPixels("document.getElementById('stream')")), 10_000);
    await sleep(10_500);
    const lags = displayLags(await page.evaluate<Change[]>('window.__changes'), captures);
    await page.close();
    expect(lags.length, `frames shown in 10.5 s (lags ${lags.join(', ')} ms)`).toBeGreaterThanOrEqual(7);
    if (paintsOnNextHeaders) expect(median(lags), `lags ${lags.join(', ')} ms`).toBeGreaterThan(700);
    else expect(median(lags), `lags ${lags.join(', ')} ms`).toBeLessThan(50);
  });

  test('grid tile, 1 fps: each frame is on screen within 50 ms of its capture (median of 8+)', {
    timeout: 90_000,
    retry: LATENCY_RETRIES,
  }, async (ctx) => {
    const page = await open(ctx);
    const server = await startWebServer(['front', 'back'], 1);
    const captures = recordCaptures(server.cameras[1]!);
    await page.goto(`${server.url}/`);
    await vi.waitFor(() => page.evaluate<boolean>(watchPixels(tileCanvas('back'))), 10_000);
    await sleep(10_500);
    const lags = displayLags(await page.evaluate<Change[]>('window.__changes'), captures);
    await page.close();
    expect(lags.length, `frames shown in 10.5 s (lags ${lags.join(', ')} ms)`).toBeGreaterThanOrEqual(8);
    expect(median(lags), `lags ${lags.join(', ')} ms`).toBeLessThan(50);
  });

  // Live within 10 s, not the 3 s it takes on an idle machine: WebKit under load (CI) needed up to 9 s.
  test('a grid of 12 cameras over HTTP/1.1: every tile changes colour within 10 s', {
    timeout: 60_000,
    retry: ONCE_MORE,
  }, async (ctx) => {
    const page = await open(ctx, { width: 1600, height: 1200 });
    const ids = cameraIds(12);
    const server = await startWebServer(ids, 5);
    await page.goto(`${server.url}/`);
    await expectLiveTiles(page, ids, 10_000);
    // Every tile is a viewer of its camera, all over the page's one WebSocket.
    expect(server.cameras.map((camera) => camera.state.viewers)).toEqual(ids.map(() => 1));
    await page.close();
  });

  test('only tiles on screen receive frames: scrolled away, a camera loses its viewer', {
    timeout: 60_000,
    retry: ONCE_MORE,
  }, async (ctx) => {
    const page = await open(ctx, PHONE);
    const ids = cameraIds(12);
    const server = await startWebServer(ids, 5);
    const watched = () => server.cameras.filter((camera) => camera.state.viewers > 0).map((c) => c.name);
    await page.goto(`${server.url}/`);
    await vi.waitFor(() => expect(watched()).toContain('cam-1'), 10_000);
    expect(watched()).not.toContain('cam-12');
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    await vi.waitFor(() => {
      expect(watched()).toContain('cam-12');
      expect(watched()).not.toContain('cam-1');
    }, 10_000);
    await page.close();
  });

  test("a failing camera's tile shows offline and the reason within 2 s, and goes live again on recovery", {
    timeout: 60_000,
    retry: ONCE_MORE,
  }, async (ctx) => {
    const page = await open(ctx);
    const ids = ['porch', 'garage', 'garden'];
    const server = await startWebServer(ids, 4);
    const garage = server.cameras[1]!;
    await page.goto(`${server.url}/`);
    await vi.waitFor(async () => expect((await tileText(page, 'garage')).kind).toBe('running'), 10_000);

    const failed = new Promise((resolve) => garage.once('failure', resolve));
    garage.unplugged = true;
    await failed;
    await vi.waitFor(
      async () => {
        const text = await tileText(page, 'garage');
        expect(text.kind).toBe('offline');
        expect(text.status).toMatch(/^offline since /);
        expect(text.reason).toContain('the camera was unplugged');
      },
      { timeout: 2000, interval: 50 },
    );
    expect((await tileText(page, 'porch')).kind).toBe('running'); // the others are unaffected

    garage.unplugged = false;
    await vi.waitFor(async () => expect((await tileText(page, 'garage')).kind).toBe('running'), 10_000);
    const seen = new Set<number>();
    await vi.waitFor(
      async () => {
        const [frame] = await tileFrames(page, ['garage']);
        if (frame) seen.add(frame);
        expect(seen.size, 'colours shown since recovery').toBeGreaterThanOrEqual(2);
      },
      { timeout: 5000, interval: 50 },
    );
    expect((await tileText(page, 'garage')).reason).toBe('');
    await page.close();
  });

  test('screenshots of home and a camera page, at desktop and phone sizes', {
    timeout: 60_000,
    retry: ONCE_MORE,
  }, async (ctx) => {
    const page = await open(ctx);
    const server = await startWebServer(['porch', 'garage', 'garden', 'attic'], 2);
    server.cameras[3]!.unplugged = true;
    mkdirSync(SCREENSHOTS, { recursive: true });
    const sizes = Object.entries({ desktop: DESKTOP, phone: PHONE });
    // Each page opened once and shown at both sizes: no navigation away from a live stream.
    await page.goto(`${server.url}/`);
    for (const [size, dimensions] of sizes) {
      await page.setSize(dimensions.width, dimensions.height);
      await vi.waitFor(async () => expect(await tileFrames(page, ['porch'])).not.toEqual([null]), 10_000);
      // (on a phone the attic's tile is off screen: unwatched, the failed camera is simply idle)
      if (size === 'desktop') {
        await vi.waitFor(async () => expect((await tileText(page, 'attic')).kind).toBe('offline'), 10_000);
      }
      // once the figures are past their first second (the rate is measured over time)
      await vi.waitFor(
        async () => expect((await tileText(page, 'porch')).figures).toMatch(/^[1-9][\d.]* fps · 1 viewer$/),
        10_000,
      );
      await page.screenshot(`${SCREENSHOTS}${engine.name}-home-${size}.png`);
    }
    await page.goto(`${server.url}/cameras/garage`);
    for (const [size, dimensions] of sizes) {
      await page.setSize(dimensions.width, dimensions.height);
      await vi.waitFor(
        async () => expect(await page.evaluate("document.getElementById('stream').naturalWidth")).toBe(640),
        10_000,
      );
      await vi.waitFor(
        async () =>
          expect(await page.evaluate("document.getElementById('state').textContent")).toMatch(/rate[1-9]/),
        10_000,
      );
      await page.screenshot(`${SCREENSHOTS}${engine.name}-camera-${size}.png`);
    }
    for (const [size] of sizes) {
      for (const name of ['home', 'camera']) {
        const file = `${SCREENSHOTS}${engine.name}-${name}-${size}.png`;
        expect(readFileSync(file).subarray(1, 4).toString(), file).toBe('PNG');
      }
    }
    await page.close();
  });
});
