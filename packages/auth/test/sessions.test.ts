// Browser sessions over real HTTP: the login form sets a signed HttpOnly cookie; the cookie opens
// streams; logout revokes it and closes what it opened; tampering, expiry and a new password end it.
import { describe, expect, vi } from 'vitest';
import { SESSION_COOKIE } from '../src/index.js';
import { type TestServer, test, users } from './support.js';

const ALICE = () => users([{ name: 'alice', password: 'alice-pw', role: 'admin' }]);

async function login(server: TestServer, password = 'alice-pw', next = '/') {
  return fetch(`${server.url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ username: 'alice', password, next }),
    redirect: 'manual',
  });
}

function cookieOf(response: Response): string {
  const header = response.headers.get('set-cookie') ?? '';
  return header.split(';')[0]!;
}

describe('login and sessions', () => {
  test('GET /login: a form page with its security headers and no external assets', async ({ start }) => {
    const server = await start({ users: await ALICE(), frameAncestors: ["'none'"] });
    const response = await fetch(`${server.url}/login?next=/cameras`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("img-src 'self' blob: data:");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    const html = await response.text();
    expect(html).toContain('<form method="post" action="/login">');
    expect(html).toContain('name="next" value="/cameras"');
    expect(html).not.toMatch(/<script|https?:\/\/|style="/);
  });

  test('login sets an HttpOnly, SameSite=Lax, expiring cookie and redirects to next; it opens every route', async ({
    start,
  }) => {
    const server = await start({ users: await ALICE(), sessionTtl: 3600 });
    const response = await login(server, 'alice-pw', '/cameras/a/snapshot');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/cameras/a/snapshot');
    const header = response.headers.get('set-cookie')!;
    expect(header).toMatch(
      new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600$`),
    );
    const cookie = cookieOf(response);
    const api = await fetch(`${server.url}/api/admin`, { headers: { cookie } });
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({ principal: { kind: 'user', name: 'alice', via: 'session' } });
    const snapshot = await fetch(`${server.url}/cameras/a/snapshot`, { headers: { cookie } });
    expect(snapshot.status).toBe(200);
    expect(snapshot.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });

  test('Secure when the client came over TLS through a trusted proxy', async ({ start }) => {
    const server = await start({ users: await ALICE(), trustProxy: ['127.0.0.0/8'] });
    const response = await fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { 'x-forwarded-proto': 'https' },
      body: new URLSearchParams({ username: 'alice', password: 'alice-pw' }),
      redirect: 'manual',
    });
    expect(response.headers.get('set-cookie')).toMatch(/; Secure$/);
  });

  test('wrong password: 403 with the form again, no cookie', async ({ start }) => {
    const server = await start({ users: await ALICE() });
    const response = await login(server, 'nope');
    expect(response.status).toBe(403);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toContain('Wrong name or password.');
  });

  test('next cannot send the user to another site', async ({ start }) => {
    const server = await start({ users: await ALICE() });
    for (const next of ['https://evil.example/', '//evil.example/', '/\\evil.example', '/login', 'x']) {
      expect((await login(server, 'alice-pw', next)).headers.get('location'), next).toBe('/');
    }
  });

  test('a form posted from another site is refused (login CSRF)', async ({ start }) => {
    const server = await start({ users: await ALICE() });
    const response = await fetch(`${server.url}/login`, {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
      body: new URLSearchParams({ username: 'alice', password: 'alice-pw' }),
      redirect: 'manual',
    });
    expect(response.status).toBe(403);
  });

  test('bad forms: wrong content type 415, too large 413; the server carries on', async ({ start }) => {
    const server = await start({ users: await ALICE() });
    const json = await fetch(`${server.url}/login`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(415);
    const huge = await fetch(`${server.url}/login`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'alice', password: 'x'.repeat(10_000) }),
    });
    expect(huge.status).toBe(413);
    expect((await login(server)).status).toBe(303);
  });

  test('with no users configured, a login post fails cleanly', async ({ start }) => {
    const server = await start({});
    expect((await login(server)).status).toBe(403);
    expect(server.log.filter((line) => line.startsWith('ERROR'))).toEqual([]);
  });

  test('a tampered cookie is no session', async ({ start }) => {
    const server = await start({ users: await ALICE() });
    const cookie = cookieOf(await login(server));
    const [name, value] = cookie.split('=') as [string, string];
    const parts = value.split('.');
    parts[2] = String(Number(parts[2]) + 86_400); // a later expiry
    const forged = `${name}=${parts.join('.')}`;
    expect((await fetch(`${server.url}/api/cameras`, { headers: { cookie: forged } })).status).toBe(401);
    const otherUser = `${name}=${[Buffer.from('bob').toString('base64url'), ...value.split('.').slice(1)].join('.')}`;
    expect((await fetch(`${server.url}/api/cameras`, { headers: { cookie: otherUser } })).status).toBe(401);
  });

  test('the session ends at its expiry', async ({ start }) => {
    let now = Date.now();
    const server = await start({ users: await ALICE(), sessionTtl: 60 }, { now: () => now });
    const cookie = cookieOf(await login(server));
    expect((await fetch(`${server.url}/api/cameras`, { headers: { cookie } })).status).toBe(200);
    now += 61_000;
    expect((await fetch(`${server.url}/api/cameras`, { headers: { cookie } })).status).toBe(401);
  });

  test('a new password (or a removed user) ends the sessions: they are bound to the password hash', async ({
    start,
    tempDir,
  }) => {
    const keyFile = `${tempDir}/auth.key`;
    const alice = await ALICE();
    const before = await start({ users: alice, keyFile });
    const cookie = cookieOf(await login(before));
    const same = await start({ users: alice, keyFile }); // a restart with the same config and key
    expect((await fetch(`${same.url}/api/cameras`, { headers: { cookie } })).status).toBe(200);
    const changed = await start({ users: await ALICE(), keyFile }); // a fresh hash: a new password
    expect((await fetch(`${changed.url}/api/cameras`, { headers: { cookie } })).status).toBe(401);
    const removed = await start({
      users: await users([{ name: 'bob', password: 'b', role: 'admin' }]),
      keyFile,
    });
    expect((await fetch(`${removed.url}/api/cameras`, { headers: { cookie } })).status).toBe(401);
  });

  test('logout revokes the cookie, clears it, and closes the streams it opened', async ({ start }) => {
    const server = await start({ users: await ALICE() });
    const cookie = cookieOf(await login(server));
    const stream = await fetch(`${server.url}/cameras/a/stream`, { headers: { cookie } });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    expect((await reader.read()).done).toBe(false);

    const logout = await fetch(`${server.url}/logout`, {
      method: 'POST',
      headers: { cookie },
      redirect: 'manual',
    });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('location')).toBe('/login');
    expect(logout.headers.get('set-cookie')).toMatch(
      new RegExp(`^${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`),
    );
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return 'ended';
    })().catch(() => 'ended');
    expect(await ended).toBe('ended');
    // The old cookie, replayed, is no session any more.
    expect((await fetch(`${server.url}/api/cameras`, { headers: { cookie } })).status).toBe(401);
    await vi.waitFor(() => expect(server.openResponses.size).toBe(0));
    expect((await fetch(`${server.url}/logout`)).status).toBe(405);
  });
});
