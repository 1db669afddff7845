// The camera page's timeline in a real headless Chromium (Debian's, through playwright-core): a scrubber
// over the recorded span switches the <img> to a recorded stream (`?at=`), "Live" switches it back.
import { expect, test, vi } from 'vitest';
import {
  CHROMIUM,
  CHROMIUM_INSTALL,
  launchChromium,
  missingToolNote,
  requireTool,
  waitFor,
} from './helpers.js';
import { startRecordingServer } from './support/recording-server.js';

test('the scrubber plays the recording from the chosen time, and Live goes back', {
  timeout: 60_000,
}, async (ctx) => {
  if (!requireTool(CHROMIUM, CHROMIUM_INSTALL)) ctx.skip(missingToolNote(CHROMIUM, CHROMIUM_INSTALL));
  const server = await startRecordingServer((dir) => ({ record: { dir, segmentSeconds: 2 } }));
  await waitFor(
    async () => {
      const res = await fetch(`${server.url}/api/cameras/cam/recordings`);
      return ((await res.json()) as { segments: unknown[] }).segments.length >= 2;
    },
    { timeout: 15_000, message: 'a finished segment' },
  );
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  await page.goto(`${server.url}/cameras/cam`, { timeout: 10_000 });
  // The timeline appears once the page has read the recorded span.
  await page.waitForSelector('#timeline:not([hidden])', { timeout: 10_000 });
  expect(await page.locator('#live').isDisabled()).toBe(true);
  const [min, max] = await page.evaluate<[number, number]>(
    "[Number(document.getElementById('scrubber').min), Number(document.getElementById('scrubber').max)]",
  );
  expect(max - min).toBeGreaterThanOrEqual(2);

  // Drag to the start of the recording: the <img> now plays the recording from there.
  const recorded = page.waitForResponse((res) => res.url().includes('/stream?at='), { timeout: 10_000 });
  await page.locator('#scrubber').fill(String(min + 1));
  const response = await recorded;
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toBe('multipart/x-mixed-replace; boundary=frame');
  const at = new URL(response.url()).searchParams.get('at')!;
  expect(Date.parse(at)).toBe((min + 1) * 1000);
  expect(await page.locator('#position').textContent()).toMatch(/^from /);
  // (not page.waitForFunction: its polling evaluates strings in the page, which the page's CSP forbids)
  await vi.waitFor(
    async () =>
      expect(await page.evaluate("document.getElementById('stream').naturalWidth === 320")).toBe(true),
    { timeout: 10_000, interval: 100 },
  );
  expect(await page.locator('#live').isDisabled()).toBe(false);

  // −10 s plays from earlier still (bounded by the start of the recording).
  const rewound = page.waitForResponse((res) => res.url().includes('/stream?at='), { timeout: 10_000 });
  await page.locator('#rewind').click();
  expect(Date.parse(new URL((await rewound).url()).searchParams.get('at')!)).toBe(min * 1000);

  // Pause: the frame of that moment, still; Play goes on from it.
  const still = page.waitForResponse((res) => res.url().includes('/snapshot.jpg?at='), { timeout: 10_000 });
  await page.locator('#pause').click();
  const paused = await still;
  expect(paused.status()).toBe(200);
  expect(paused.headers()['content-type']).toBe('image/jpeg');
  const pausedAt = Date.parse(new URL(paused.url()).searchParams.get('at')!);
  expect(pausedAt).toBeGreaterThanOrEqual(min * 1000);
  expect(await page.locator('#position').textContent()).toMatch(/^paused at /);
  expect(await page.locator('#pause').textContent()).toBe('Play');
  const resumed = page.waitForResponse((res) => res.url().includes('/stream?at='), { timeout: 10_000 });
  await page.locator('#pause').click();
  expect(Date.parse(new URL((await resumed).url()).searchParams.get('at')!)).toBe(pausedAt);

  // Back to live.
  await page.locator('#live').click();
  await waitFor(
    async () => (await page.evaluate<string>("document.getElementById('stream').src")).endsWith('/stream'),
    {
      message: 'the live stream URL',
    },
  );
  expect(await page.locator('#position').textContent()).toBe('live');
  expect(await page.locator('#live').isDisabled()).toBe(true);
});
