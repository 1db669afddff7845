// Issue 13 in a real headless Chromium (/usr/bin/chromium through playwright-core): the login form, the
// session cookie, the live <img> stream it opens, logout ending it; and the web app under its CSP.
import type { Page } from 'playwright-core';
import { describe, expect, test, vi } from 'vitest';
import { CHROMIUM, CHROMIUM_INSTALL, launchChromium, missingToolNote, requireTool } from './helpers.js';
import { ADMIN, basic, startWithUsers, VIEWER } from './support/auth-server.js';
import { expectLiveImage } from './support/page-frames.js';

/**
 * Waits until `expression` is true in the page. Not page.waitForFunction: its polling evaluates the
 * string inside the page, which the page's CSP (no 'unsafe-eval') rightly forbids.
 */
function waitInPage(page: Page, expression: string, timeout: number): Promise<void> {
  return vi.waitFor(
    async () => {
      if (!(await page.evaluate<boolean>(expression))) throw new Error(`not yet true: ${expression}`);
    },
    { timeout, interval: 100 },
  );
}

/** The stream viewers of `camera`, as an admin reads them. */
async function viewersOf(url: string, camera: string): Promise<number> {
  const res = await fetch(`${url}/api/cameras/${camera}`, { headers: basic(ADMIN) });
  return ((await res.json()) as { viewers: unknown[] }).viewers.length;
}

/** Every Content-Security-Policy complaint the page makes in its console. */
function cspViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

async function logIn(page: Page, user: { name: string; password: string }): Promise<void> {
  await page.fill('input[name="username"]', user.name);
  await page.fill('input[name="password"]', user.password);
  await Promise.all([
    page.waitForURL((target) => !target.pathname.startsWith('/login')),
    page.click('button[type="submit"], input[type="submit"]'),
  ]);
}

describe('headless Chromium with users', () => {
  test('login form → session cookie → live <img> stream; logout in another tab ends it', {
    timeout: 90_000,
  }, async (ctx) => {
    if (!requireTool(CHROMIUM, CHROMIUM_INSTALL)) ctx.skip(missingToolNote(CHROMIUM, CHROMIUM_INSTALL));
    const { url } = await startWithUsers();
    const browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 800, height: 700 } });
    const page = await context.newPage();
    const violations = cspViolations(page);

    // Not logged in: the camera's page sends the browser to the login form, and back after it.
    await page.goto(`${url}/cameras/front`, { timeout: 10_000 });
    expect(new URL(page.url()).pathname).toBe('/login');
    await logIn(page, VIEWER);
    expect(new URL(page.url()).pathname).toBe('/cameras/front');

    const [cookie] = (await context.cookies()).filter((c) => c.name === 'cam_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
    expect(cookie!.expires).toBeGreaterThan(Date.now() / 1000); // a lifetime, not a browser-session cookie

    // The <img> streams with the cookie alone, and it is live: the displayed frame changes.
    await waitInPage(page, "document.getElementById('stream')?.naturalWidth === 640", 10_000);
    await expectLiveImage(page);
    await vi.waitFor(async () => expect(await viewersOf(url, 'front')).toBe(1), { timeout: 5000 });
    expect(await page.textContent('.account .user')).toBe(VIEWER.name);
    // The other camera is not the viewer's: refused even with the session.
    const other = await page.evaluate(`fetch('/cameras/back/snapshot.jpg').then((r) => r.status)`);
    expect(other).toBe(403);

    // Log out in a second tab: the first tab's stream ends at once, and the cookie is gone.
    const second = await context.newPage();
    await second.goto(`${url}/`, { timeout: 10_000 });
    await Promise.all([second.waitForURL(/\/login$/), second.click('#logout')]);
    await vi.waitFor(async () => expect(await viewersOf(url, 'front')).toBe(0), { timeout: 5000 });
    expect((await context.cookies()).filter((c) => c.name === 'cam_session')).toEqual([]);
    // The session is revoked, not only forgotten by the browser: its cookie, replayed, is refused.
    const replayed = await fetch(`${url}/api/cameras`, {
      headers: { Cookie: `cam_session=${cookie!.value}` },
    });
    expect(replayed.status).toBe(401);
    expect(violations).toEqual([]);
  });

  test('the web app’s grid paints every camera under the page’s Content-Security-Policy', {
    timeout: 90_000,
  }, async (ctx) => {
    if (!requireTool(CHROMIUM, CHROMIUM_INSTALL)) ctx.skip(missingToolNote(CHROMIUM, CHROMIUM_INSTALL));
    const { url } = await startWithUsers();
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const violations = cspViolations(page);
    await page.goto(`${url}/`, { timeout: 10_000 });
    await logIn(page, ADMIN);
    const response = await page.reload();
    expect(response?.headers()['content-security-policy']).toMatch(/default-src 'self'/);
    // The tiles get their frames over the WebSocket (the session cookie authenticates the upgrade).
    await waitInPage(
      page,
      "[...document.querySelectorAll('.tile canvas')].every((canvas) => canvas.dataset.painted)",
      15_000,
    );
    expect(await page.locator('.tile').count()).toBe(2);
    expect(violations).toEqual([]);
  });
});
