// A real headless Chromium (Debian's /usr/bin/chromium through playwright-core): the login form sets
// the cookie, the page's <img> stream plays with it, logging out in another tab ends that stream.
import { chromium } from 'playwright-core';
import { expect, onTestFinished, vi } from 'vitest';
import { SESSION_COOKIE } from '../src/index.js';
import { requireTool, test, users } from './support.js';

const CHROMIUM = '/usr/bin/chromium';

// Runs in the page: a checksum of the <img> as displayed now (changes when a new frame is shown).
const FRAME_CHECKSUM = `(() => {
  const img = document.getElementById('stream');
  if (!img.naturalWidth) return 0;
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let sum = 0;
  for (let i = 0; i < data.length; i += 7) sum = (sum * 31 + data[i]) % 1000000007;
  return sum;
})()`;

test('login form → cookie → live <img> stream → logout ends it', { timeout: 90_000 }, async ({
  start,
  skip,
}) => {
  const missing = requireTool(CHROMIUM, 'apt-get install chromium');
  if (missing) skip(missing);
  const server = await start({
    users: await users([{ name: 'alice', password: 'alice-pw', role: 'viewer' }]),
  });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
  onTestFinished(() => browser.close());
  const context = await browser.newContext();
  const page = await context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });

  // Not logged in: the page sends the browser to the login form.
  await page.goto(`${server.url}/`);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.fill('input[name=username]', 'alice');
  await page.fill('input[name=password]', 'alice-pw');
  await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type=submit]')]);

  const [cookie] = await context.cookies();
  expect(cookie).toMatchObject({ name: SESSION_COOKIE, httpOnly: true, sameSite: 'Lax', secure: false });
  expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000);
  // HttpOnly: the page's scripts cannot read it.
  expect(await page.evaluate('document.cookie')).toBe('');

  // The <img> stream authenticates with the cookie and is live: what it shows keeps changing.
  // (not page.waitForFunction: its polling evaluates strings in the page, which the page's CSP forbids)
  await vi.waitFor(
    async () => expect(await page.evaluate("document.getElementById('stream').naturalWidth > 0")).toBe(true),
    { timeout: 15_000, interval: 100 },
  );
  const seen = new Set<number>();
  await vi.waitFor(
    async () => {
      seen.add(await page.evaluate<number>(FRAME_CHECKSUM));
      expect(seen.size).toBeGreaterThanOrEqual(3);
    },
    { timeout: 15_000, interval: 50 },
  );

  // Log out from a second tab: the server closes the first tab's stream.
  const other = await context.newPage();
  await other.goto(`${server.url}/`);
  await Promise.all([other.waitForURL(/\/login$/), other.click('#logout')]);
  expect(await context.cookies()).toEqual([]);
  await vi.waitFor(() => expect(server.openResponses.size).toBe(0), { timeout: 10_000 });
  const frozen = await page.evaluate<number>(FRAME_CHECKSUM);
  await new Promise((resolve) => setTimeout(resolve, 500)); // several frame intervals at 10 fps
  expect(await page.evaluate<number>(FRAME_CHECKSUM)).toBe(frozen);

  // And the page is no longer served.
  await page.reload();
  expect(new URL(page.url()).pathname).toBe('/login');
  expect(cspViolations).toEqual([]);
});
