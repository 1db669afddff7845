// Three browser engines behind one small interface, each the system's own from Debian packages (none is
// ever downloaded): Chromium through playwright-core, Firefox ESR through puppeteer-core over WebDriver
// BiDi, WebKitGTK's MiniBrowser through webdriverio against WebKitWebDriver, under Xvfb.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One tab, driven the same way in every engine. */
export interface EnginePage {
  goto(url: string): Promise<void>;
  /** Evaluates a JavaScript expression in the page (a string: this package's types have no DOM). */
  evaluate<T>(expression: string): Promise<T>;
  setSize(width: number, height: number): Promise<void>;
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

export interface Engine {
  readonly name: 'chromium' | 'firefox' | 'webkit';
  /** Why this engine cannot run here (with the install step), or undefined when it can. */
  readonly missing: string | undefined;
  /** Opens a page of the given size (the browser is started on first use). */
  open(width: number, height: number): Promise<EnginePage>;
  /** Ends the browser and whatever it needed. */
  close(): Promise<void>;
}

const CHROMIUM = '/usr/bin/chromium';
const FIREFOX = '/usr/bin/firefox-esr';
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** What CI installs for these tests: `apt-get install chromium firefox-esr webkit2gtk-driver xvfb`. */
export const ENGINE_PACKAGES = 'chromium firefox-esr webkit2gtk-driver xvfb';

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

function missingNote(what: string, packages: string): string {
  return `${what} is not installed: \`apt-get install ${packages}\` enables this test`;
}

export function chromiumEngine(): Engine {
  let browser: import('playwright-core').Browser | undefined;
  return {
    name: 'chromium',
    missing: existsSync(CHROMIUM) ? undefined : missingNote(CHROMIUM, 'chromium'),
    async open(width, height) {
      if (!browser) {
        const { chromium } = await import('playwright-core');
        browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      }
      const page = await browser.newPage({ viewport: { width, height } });
      return {
        goto: async (url) => void (await page.goto(url, { timeout: 15_000 })),
        evaluate: (expression) => page.evaluate(expression),
        setSize: (w, h) => page.setViewportSize({ width: w, height: h }),
        screenshot: async (path) => void (await page.screenshot({ path })),
        close: () => page.close(),
      };
    },
    async close() {
      await browser?.close();
    },
  };
}

export function firefoxEngine(): Engine {
  let browser: import('puppeteer-core').Browser | undefined;
  return {
    name: 'firefox',
    missing: existsSync(FIREFOX) ? undefined : missingNote(FIREFOX, 'firefox-esr'),
    async open(width, height) {
      if (!browser) {
        const { default: puppeteer } = await import('puppeteer-core');
        browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
      }
      const page = await browser.newPage();
      await page.setViewport({ width, height });
      return {
        goto: async (url) => void (await page.goto(url, { timeout: 15_000 })),
        evaluate: (expression) => page.evaluate(expression) as never,
        setSize: (w, h) => page.setViewport({ width: w, height: h }),
        screenshot: async (path) => void (await page.screenshot({ path: path as `${string}.png` })),
        close: () => page.close(),
      };
    },
    async close() {
      await browser?.close();
    },
  };
}

export function webkitEngine(): Engine {
  const missing = !onPath('WebKitWebDriver')
    ? missingNote('WebKitWebDriver', 'webkit2gtk-driver')
    : !existsSync(MINIBROWSER)
      ? missingNote(MINIBROWSER, 'webkit2gtk-driver')
      : !onPath('Xvfb')
        ? missingNote('Xvfb', 'xvfb')
        : undefined;
  const children: ChildProcess[] = [];
  let browser: WebdriverIO.Browser | undefined;
  let profile: string | undefined;
  return {
    name: 'webkit',
    missing,
    async open(width, height) {
      if (!browser) {
        const display = await startXvfb(children);
        const port = await freePort();
        profile = mkdtempSync(join(tmpdir(), 'cam-webkit-'));
        // In a process group of its own, so that ending the group also ends the MiniBrowser it starts.
        const driver = spawn('WebKitWebDriver', [`--port=${port}`], {
          env: { ...process.env, DISPLAY: display, HOME: profile },
          stdio: 'ignore',
          detached: true,
        });
        children.push(driver);
        const { remote } = await import('webdriverio');
        browser = await remote({
          hostname: '127.0.0.1',
          port,
          path: '/',
          logLevel: 'error',
          connectionRetryCount: 1,
          connectionRetryTimeout: 60_000,
          capabilities: {
            browserName: 'MiniBrowser',
            'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
            'wdio:enforceWebDriverClassic': true,
          } as WebdriverIO.Capabilities,
        });
      }
      const session = browser;
      // A window per page, closed after: navigating away from a page that showed a live MJPEG stream
      // sometimes never completes in WebKitGTK under WebDriver.
      const first = (await session.getWindowHandles())[0]!;
      const { handle } = await session.createWindow('window');
      await session.switchToWindow(handle);
      await session.setWindowSize(width, height);
      return {
        // Through the page, not WebDriver's navigation command, which waits for the load event and, on a
        // loaded machine, is sometimes not answered in time; the client's retry of it then blocks the
        // driver for good. Ready when the new document is parsed.
        async goto(url) {
          await session.execute(`location.href = ${JSON.stringify(url)}`);
          await session.waitUntil(
            async () => {
              const state = (await session
                .execute('return [location.href, document.readyState]')
                .catch(() => ['', 'loading'])) as string[];
              return state[0] === url && state[1] !== 'loading';
            },
            { timeout: 15_000, interval: 50 },
          );
        },
        evaluate: (expression) => session.execute(`return (${expression});`) as never,
        setSize: (w, h) => session.setWindowSize(w, h),
        screenshot: async (path) => void (await session.saveScreenshot(path)),
        async close() {
          await session.closeWindow();
          await session.switchToWindow(first);
        },
      };
    },
    async close() {
      const ended = browser?.deleteSession().catch(() => undefined);
      await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 5000))]);
      for (const child of children.reverse()) {
        try {
          if (child.pid !== undefined) process.kill(-child.pid); // the group: the driver and its browser
        } catch {
          child.kill(); // not a group leader (Xvfb)
        }
      }
      if (profile) rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Starts Xvfb on a free display; resolves with `:N` once it is ready. */
function startXvfb(children: ChildProcess[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const xvfb = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1920x1600x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(xvfb);
    xvfb.once('error', reject);
    xvfb.stdout!.once('data', (chunk: Buffer) => resolve(`:${chunk.toString().trim()}`));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
