// A real node:http server on 127.0.0.1 wired the way a server uses @cam/auth: auth.handle() for
// login/logout, auth.check() before every route, auth.refuse() for refusals, auth.track() for streams.
// Two emulated cameras ("a" and "b") behind @cam/http-mjpeg's real stream and snapshot handlers.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatedCamera } from '@cam/driver-emulated';
import { createSnapshotHandler, createStreamHandler } from '@cam/http-mjpeg';
import { test as base } from 'vitest';
import {
  type Auth,
  type AuthConfig,
  type CreateAuthOptions,
  createAuth,
  hashPassword,
  redactUrl,
} from '../src/index.js';

/** Cheap scrypt for tests that log in often; the timing test uses its own, dearer cost. */
export const TEST_COST = { N: 2 ** 10, r: 8, p: 1 };

export const PAGE_STYLE = 'body { background: #000; }';

export interface TestServer {
  url: string;
  port: number;
  auth: Auth;
  /** Every request line the server logged, redacted the way a server must log it. */
  log: string[];
  /** Responses currently open on the server (streams). */
  openResponses: Set<ServerResponse>;
}

export async function users(
  list: { name: string; password: string; role: 'viewer' | 'admin'; cameras?: string[] }[],
  cost = TEST_COST,
): Promise<AuthConfig['users']> {
  return Promise.all(
    list.map(async (user) => ({ ...user, password: await hashPassword(user.password, cost) })),
  );
}

export interface ServerOptions {
  /** Serve HTTPS with this PEM key and certificate. */
  tls?: { key: string; cert: string };
}

async function startTestServer(
  config: AuthConfig,
  options: CreateAuthOptions,
  serverOptions: ServerOptions,
  closers: (() => unknown)[],
) {
  const auth = await createAuth(config, options);
  closers.push(() => auth.close());
  const cameras = new Map(
    ['a', 'b'].map((id) => [id, new EmulatedCamera({ fps: 10 }, { name: id, idleTimeout: 60_000 })]),
  );
  for (const camera of cameras.values()) closers.push(() => camera.close());
  const handlers = new Map(
    [...cameras].map(([id, camera]) => [
      id,
      { stream: createStreamHandler(camera), snapshot: createSnapshotHandler(camera) },
    ]),
  );
  const log: string[] = [];
  const openResponses = new Set<ServerResponse>();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    log.push(`${req.method} ${redactUrl(req.url ?? '/')}`);
    openResponses.add(res);
    res.on('close', () => openResponses.delete(res));
    if (await auth.handle(req, res)) return;
    const path = (req.url ?? '/').split('?')[0]!;
    const camera = /^\/cameras\/([^/]+)\/(stream|snapshot)$/.exec(path);
    if (camera) {
      const [, id, kind] = camera as unknown as [string, string, 'stream' | 'snapshot'];
      if (kind === 'snapshot' && auth.applyCors(req, res)) return;
      const decision = await auth.check(req, { route: kind, camera: id });
      if (!decision.allowed) return auth.refuse(req, res, decision);
      const handler = handlers.get(id);
      if (!handler) return void res.writeHead(404).end();
      for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
      if (kind === 'stream') auth.track(res, decision);
      return handler[kind](req, res);
    }
    if (path === '/api/cameras' || path === '/api/admin') {
      if (auth.applyCors(req, res)) return;
      const decision = await auth.check(req, { route: path === '/api/admin' ? 'admin' : 'api' });
      if (!decision.allowed) return auth.refuse(req, res, decision);
      const visible = [...cameras.keys()].filter((id) => auth.mayView(decision.principal, id));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return void res.end(JSON.stringify({ cameras: visible, principal: decision.principal }));
    }
    if (path === '/') {
      const decision = await auth.check(req, { route: 'page' });
      if (!decision.allowed) return auth.refuse(req, res, decision);
      const html = `<!doctype html><html><head><style>${PAGE_STYLE}</style></head><body>
<img id="stream" src="/cameras/a/stream" alt="camera a">
<form method="post" action="${auth.config.logoutPath}"><button id="logout">Log out</button></form>
</body></html>`;
      res.writeHead(200, {
        ...auth.htmlHeaders({ inlineStyles: [PAGE_STYLE] }),
        'Content-Type': 'text/html',
      });
      return void res.end(html);
    }
    res.writeHead(404).end();
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error) => {
      // A bug here must fail the test, not hang it: answer 500 and remember it.
      log.push(`ERROR ${(error as Error).stack}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const server = serverOptions.tls
    ? https.createServer(serverOptions.tls, listener)
    : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `${serverOptions.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    auth,
    log,
    openResponses,
  } satisfies TestServer;
}

/** `start(config)` serves a test server until the test ends; `tempDir` is a fresh directory removed after. */
export const test = base.extend<{
  start: (config: AuthConfig, options?: CreateAuthOptions, server?: ServerOptions) => Promise<TestServer>;
  tempDir: string;
}>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest fixtures take their dependencies as a pattern
  start: async ({}, use) => {
    const closers: (() => unknown)[] = [];
    await use((config, options = {}, server = {}) => startTestServer(config, options, server, closers));
    for (const close of closers.reverse()) await close();
  },
  // biome-ignore lint/correctness/noEmptyPattern: as above
  tempDir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'cam-auth-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
});

export function basic(name: string, password: string): string {
  return `Basic ${Buffer.from(`${name}:${password}`).toString('base64')}`;
}

/**
 * Whether an external tool this test needs exists. Missing: the test is skipped with how to install it,
 * unless CAM_TEST_STRICT=1 (CI), where that is a failure.
 */
export function requireTool(path: string, install: string): string | undefined {
  if (existsSync(path)) return undefined;
  const note = `${path} is not installed: \`${install}\` enables this test`;
  if (process.env.CAM_TEST_STRICT === '1')
    throw new Error(`${note} (CAM_TEST_STRICT=1 turns this skip into a failure)`);
  return note;
}
