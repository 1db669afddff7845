// HTTP/2 through docs/deploy/nginx.conf, as shipped, with Debian's nginx in front of a real cam of 12
// cameras, seen by headless Chromium: the grid page and its assets come over h2 and every tile goes live
// (their frames come over the page's WebSocket, which nginx passes on); a camera page's <img> stream
// comes over h2; and 12 <img> streams on one page are all live at once, past HTTP/1.1's six connections
// per host.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test, vi } from 'vitest';
import { haveTool, startCam } from './deploy-support.js';
import {
  BACKGROUND_PROBE,
  CHROMIUM,
  CHROMIUM_INSTALL,
  colourFrame,
  launchChromium,
  missingToolNote,
  requireTool,
  tempDir,
} from './helpers.js';
import { startNginx } from './support/nginx.js';
import { expectLiveImage, expectLiveTiles } from './support/page-frames.js';
import { type PageResponse, recordProtocols } from './support/page-protocols.js';

const IDS = Array.from({ length: 12 }, (_, i) => `cam-${i + 1}`);

/** cam with 12 emulated cameras (the default frames) at 5 fps, behind nginx; a Chromium page on it. */
async function twelveCamerasBehindNginx(): Promise<{
  base: string;
  camPort: number;
  page: Page;
  responses: PageResponse[];
}> {
  const config = join(tempDir(), 'cam.json');
  writeFileSync(config, JSON.stringify({ cameras: IDS.map((id) => ({ id, options: { fps: 5 } })) }));
  const cam = await startCam({ CAM_CONFIG: config });
  const nginx = await startNginx(cam.port);
  const browser = await launchChromium();
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1600, height: 1200 },
  });
  const page = await context.newPage();
  return {
    base: `https://127.0.0.1:${nginx.https}`,
    camPort: cam.port,
    page,
    responses: await recordProtocols(page),
  };
}

/** The viewers of each camera, by id, from cam's own state API (straight to cam, not through nginx). */
async function viewersByCamera(camPort: number): Promise<number[]> {
  const response = await fetch(`http://127.0.0.1:${camPort}/api/cameras`);
  const { cameras } = (await response.json()) as { cameras: { id: string; viewers: unknown[] }[] };
  return IDS.map((id) => cameras.find((camera) => camera.id === id)!.viewers.length);
}

const skipUnlessTools = (ctx: { skip(note: string): void }) => {
  if (!requireTool(CHROMIUM, CHROMIUM_INSTALL)) ctx.skip(missingToolNote(CHROMIUM, CHROMIUM_INSTALL));
  if (!requireTool('openssl', 'apt-get install openssl')) ctx.skip(missingToolNote('openssl', 'openssl'));
};

describe.runIf(haveTool('nginx', 'apt-get install nginx-light'))(
  'cam behind nginx over HTTP/2, in headless Chromium',
  () => {
    test('the grid of 12 cameras comes over h2 and every tile goes live', {
      timeout: 90_000,
    }, async (ctx) => {
      skipUnlessTools(ctx);
      const { base, page, responses } = await twelveCamerasBehindNginx();
      const response = await page.goto(`${base}/`);
      expect(response?.status()).toBe(200);
      await expectLiveTiles(page, IDS, 15_000);
      // The page and its scripts and styles came over HTTP/2.
      const ours = responses.filter((r) => r.url.startsWith(base));
      expect(ours.length, JSON.stringify(responses)).toBeGreaterThanOrEqual(3);
      expect(
        ours.filter((r) => r.protocol !== 'h2'),
        'responses not over h2',
      ).toEqual([]);
    });

    test("a camera page's <img> shows the live stream over h2", { timeout: 90_000 }, async (ctx) => {
      skipUnlessTools(ctx);
      const { base, page, responses } = await twelveCamerasBehindNginx();
      await page.goto(`${base}/cameras/cam-7`);
      await expectLiveImage(page, 15_000);
      const stream = responses.find((r) => r.url === `${base}/cameras/cam-7/stream`);
      expect(stream, JSON.stringify(responses)).toMatchObject({ status: 200, protocol: 'h2' });
    });

    test('12 <img> streams on one page are all live at once, over one h2 connection', {
      timeout: 90_000,
    }, async (ctx) => {
      skipUnlessTools(ctx);
      const { base, camPort, page, responses } = await twelveCamerasBehindNginx();
      await page.goto(`${base}/healthz`); // any page of this origin: the <img>s are same-origin
      // Over HTTP/1.1 Chromium would open six connections to this host and queue the other six streams.
      await page.evaluate(`${JSON.stringify(IDS)}.forEach((id) => {
        const img = document.createElement('img');
        img.dataset.camera = id;
        img.src = '/cameras/' + id + '/stream';
        document.body.append(img);
      })`);
      const seen = IDS.map(() => new Set<number>());
      await vi.waitFor(
        async () => {
          const pixels = await page.evaluate<
            (number[] | null)[]
          >(`Promise.all([...document.querySelectorAll('img')].map(async (img) => {
            if (!img.naturalWidth) return null;
            const bitmap = await createImageBitmap(img);
            const canvas = document.createElement('canvas');
            canvas.width = bitmap.width; canvas.height = bitmap.height;
            const context = canvas.getContext('2d');
            context.drawImage(bitmap, 0, 0);
            bitmap.close();
            return Array.from(context.getImageData(${BACKGROUND_PROBE.x}, ${BACKGROUND_PROBE.y}, 1, 1).data.slice(0, 3));
          }))`);
          for (const [i, rgb] of pixels.entries()) {
            const frame = rgb && colourFrame(rgb);
            if (frame) seen[i]!.add(frame);
          }
          expect(
            IDS.filter((_, i) => seen[i]!.size < 2),
            'streams not live yet',
          ).toEqual([]);
        },
        { timeout: 15_000, interval: 100 },
      );
      expect(await viewersByCamera(camPort)).toEqual(IDS.map(() => 1));
      const streams = responses.filter((r) => r.url.includes('/stream'));
      expect(streams.map((r) => r.protocol)).toEqual(IDS.map(() => 'h2'));
    });
  },
);
