// Three browser engines behind one small interface, each the system's own from Debian packages (none is
// ever downloaded): Chromium through playwright-core, Firefox ESR through puppeteer-core over WebDriver
// BiDi, WebKitGTK's MiniBrowser through webdriverio against WebKitWebDriver, under Xvfb.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { vi } from 'vitest';

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
/** How long a WebDriver command may take before WebKit is restarted (a page load takes well under 1 s). */
const COMMAND_DEADLINE_MS = 20_000;

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
        close: async () => {
          if (!page.isClosed()) await page.close();
        },
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
  let children: ChildProcess[] = [];
  let browser: WebdriverIO.Browser | undefined;
  let profile: string | undefined;

  /** Ends the driver, its browser and Xvfb; the next open() starts them again. */
  async function end(): Promise<void> {
    const session = browser;
    browser = undefined;
    const ended = session?.deleteSession().catch(() => undefined);
    await Promise.race([ended, sleep(5000)]);
    for (const child of children.reverse()) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid); // the group: the driver and its browser
      } catch {
        child.kill(); // not a group leader (Xvfb)
      }
    }
    children = [];
    if (profile) rmSync(profile, { recursive: true, force: true });
    profile = undefined;
  }

  /**
   * Every WebDriver command with a deadline. On a loaded machine WebKitWebDriver sometimes never answers a
   * command (seen for window and navigation commands); the client would wait out the test's whole timeout,
   * and the driver stays blocked for every later command. So a command that is not answered in time ends
   * the whole browser, which the next page starts afresh, and fails with what it was doing.
   */
  async function command<T>(what: string, run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UnansweredCommand(what)), COMMAND_DEADLINE_MS);
    });
    try {
      return await Promise.race([run(), deadline]);
    } catch (error) {
      // A session that is gone (MiniBrowser crashed, seen on loaded machines) fails every later command
      // with "invalid session id": end it too, so that the next page (and the test's retry) starts afresh.
      if (error instanceof UnansweredCommand || isLostSession(error)) await end();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async function start(): Promise<WebdriverIO.Browser> {
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
    // A driver just started takes a moment to listen; webdriverio would give up at once.
    await vi.waitFor(() => connectOnce(port), { timeout: 10_000, interval: 50 });
    const { remote } = await import('webdriverio');
    return remote({
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

  return {
    name: 'webkit',
    missing,
    async open(width, height) {
      browser ??= await command('the new session', start);
      const session = browser;
      // A window per page, closed after: navigating away from a page that showed a live MJPEG stream
      // sometimes never completes in WebKitGTK under WebDriver.
      const first = (await command('getWindowHandles', () => session.getWindowHandles()))[0]!;
      const { handle } = await command('createWindow', () => session.createWindow('window'));
      await command('switchToWindow', () => session.switchToWindow(handle));
      await command('setWindowSize', () => session.setWindowSize(width, height));
      let closed = false;
      return {
        // Through the page, not WebDriver's navigation command, which waits for the load event and, on a
        // loaded machine, is sometimes not answered in time; the client's retry of it then blocks the
        // driver for good. Ready when the new document is parsed.
        async goto(url) {
          await command('a navigation', () => session.execute(`location.href = ${JSON.stringify(url)}`));
          await session.waitUntil(
            async () => {
              const state = (await command('a script', () =>
                session.execute('return [location.href, document.readyState]'),
              ).catch(() => ['', 'loading'])) as string[];
              return state[0] === url && state[1] !== 'loading';
            },
            { timeout: 15_000, interval: 50 },
          );
        },
        evaluate: (expression) =>
          command('a script', () => session.execute(`return (${expression});`)) as never,
        setSize: (w, h) => command('setWindowSize', () => session.setWindowSize(w, h)),
        screenshot: async (path) => void (await command('a screenshot', () => session.saveScreenshot(path))),
        async close() {
          if (closed || browser !== session) return; // closed already, or its browser was restarted
          closed = true;
          await command('closeWindow', () => session.closeWindow());
          await command('switchToWindow', () => session.switchToWindow(first));
        },
      };
    },
    close: end,
  };
}

/** A WebDriver command WebKitWebDriver did not answer in time (the browser is restarted). */
/** WebDriver's answer once the session's browser is gone: https://w3c.github.io/webdriver/#errors */
function isLostSession(error: unknown): boolean {
  return error instanceof Error && /invalid session id|no such window/.test(`${error.name} ${error.message}`);
}

class UnansweredCommand extends Error {
  constructor(what: string) {
    super(
      `WebKitWebDriver did not answer ${what} within ${COMMAND_DEADLINE_MS / 1000} s; the browser was restarted`,
    );
  }
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

/** Connects to 127.0.0.1:`port` once: rejects while nothing listens there. */
function connectOnce(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject).once('connect', () => {
      socket.destroy();
      resolve();
    });
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
