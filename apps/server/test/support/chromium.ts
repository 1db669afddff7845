// Headless Chromium for the server's browser tests: Debian's Chromium through playwright-core.
import { type Browser, chromium } from 'playwright-core';
import { onCleanup } from './cleanup.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_INSTALL = 'apt-get install chromium';

/**
 * Debian's Chromium, headless, through playwright-core (never a browser download), closed after the
 * test. The flags keep it from reaching for the network this machine does not have.
 */
export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  onCleanup(() => browser.close());
  return browser;
}
