// Issue 13: signed, expiring links to one camera's stream or snapshot, minted by an admin through the API
// or the CLI; the server's key revokes them all when rotated; their signatures never reach the log.
import { describe, expect, test } from 'vitest';
import { MAIN, run } from './helpers.js';
import { ADMIN, basic, openStreamWith, startWithUsers, VIEWER } from './support/auth-server.js';

interface Minted {
  camera: string;
  route: string;
  expires: string;
  path: string;
  url: string;
}

async function mint(url: string, camera: string, body: Record<string, unknown>): Promise<Minted> {
  const res = await fetch(`${url}/api/cameras/${camera}/links`, {
    method: 'POST',
    headers: { ...basic(ADMIN), 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as Minted;
}

async function errorOf(url: string): Promise<{ status: number; code: string | undefined }> {
  const res = await fetch(url);
  const body = (await res.json().catch(() => ({}))) as { error?: { code: string } };
  return { status: res.status, code: body.error?.code };
}

describe('signed links', () => {
  test('a link streams until it expires, then is refused; it opens nothing else', async () => {
    // The debug level logs every request's URL: the signatures must not be in it.
    const { url, port, proc } = await startWithUsers({}, { LOG_LEVEL: 'debug' });
    const link = await mint(url, 'front', { route: 'stream', expiresIn: 3 });
    expect(link.path).toMatch(/^\/cameras\/front\/stream\?expires=\d+&sig=[\w-]+$/);
    expect(link.url).toBe(`${url}${link.path}`);
    const query = link.path.split('?')[1]!;
    const signature = new URLSearchParams(query).get('sig')!;

    const stream = await openStreamWith(port, link.path); // no credentials but the link
    expect(stream.response.statusCode).toBe(200);
    expect(stream.response.headers['cross-origin-resource-policy']).toBe('cross-origin');
    await stream.waitForParts(3);
    // Another camera, another route, another method, the API: all refused with the same signature.
    expect(await errorOf(`${url}/cameras/back/stream?${query}`)).toEqual({
      status: 403,
      code: 'LINK_INVALID',
    });
    expect(await errorOf(`${url}/cameras/front/snapshot.jpg?${query}`)).toEqual({
      status: 403,
      code: 'LINK_INVALID',
    });
    expect((await fetch(`${url}/api/cameras?${query}`)).status).toBe(403);
    expect((await fetch(`${url}${link.path}`, { method: 'HEAD' })).status).toBe(403);

    // At its expiry the server ends the open stream, and the link is refused from then on.
    await stream.waitForEnd(10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(new Date(link.expires).getTime());
    expect(await errorOf(`${url}${link.path}`)).toEqual({ status: 403, code: 'LINK_EXPIRED' });

    await proc.waitForLog((line) => typeof line.url === 'string' && line.url.includes('sig=REDACTED'));
    expect(proc.stdout).not.toContain(signature);
  });

  test('only admins mint links, and only for a lifetime they may', async () => {
    const { url } = await startWithUsers({ auth: { maxLinkLifetime: 600 } });
    const asViewer = await fetch(`${url}/api/cameras/front/links`, {
      method: 'POST',
      headers: { ...basic(VIEWER), 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(asViewer.status).toBe(403);
    const tooLong = await fetch(`${url}/api/cameras/front/links`, {
      method: 'POST',
      headers: { ...basic(ADMIN), 'Content-Type': 'application/json' },
      body: JSON.stringify({ expiresIn: 601 }),
    });
    expect(tooLong.status).toBe(400);
    expect(((await tooLong.json()) as { error: { message: string } }).error.message).toMatch(
      /expiresIn: .*1 to 600/,
    );
    const crossSite = await fetch(`${url}/api/cameras/front/links`, {
      method: 'POST',
      headers: { ...basic(ADMIN), 'Content-Type': 'application/json', Origin: 'https://evil.example' },
      body: '{}',
    });
    expect(crossSite.status).toBe(403);
    const unknown = await fetch(`${url}/api/cameras/nope/links`, { method: 'POST', headers: basic(ADMIN) });
    expect(unknown.status).toBe(404);
  });

  test('rotating the key ends the streams that links opened and refuses the links; a CLI link uses the same key', async () => {
    const { url, port, configPath } = await startWithUsers();
    // The CLI signs with the key file next to the config file, which the running server uses.
    const cli = await run(process.execPath, [
      MAIN,
      'link',
      'back',
      '--route',
      'snapshot',
      '--for',
      '10m',
      '--config',
      configPath,
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const cliPath = cli.stdout.toString().trim();
    expect(cliPath).toMatch(/^\/cameras\/back\/snapshot\.jpg\?expires=\d+&sig=/);
    const snapshot = await fetch(`${url}${cliPath}`);
    expect(snapshot.status).toBe(200);
    expect(snapshot.headers.get('content-type')).toBe('image/jpeg');

    const link = await mint(url, 'front', { expiresIn: 3600 });
    const stream = await openStreamWith(port, link.path);
    await stream.waitForParts(2);
    const byPassword = await openStreamWith(port, '/cameras/front/stream', basic(ADMIN));
    await byPassword.waitForParts(1);

    const rotate = await fetch(`${url}/api/auth/rotate-key`, { method: 'POST', headers: basic(ADMIN) });
    expect(rotate.status).toBe(204);
    await stream.waitForEnd(5000);
    expect(await errorOf(`${url}${link.path}`)).toEqual({ status: 403, code: 'LINK_INVALID' });
    expect((await fetch(`${url}${cliPath}`)).status).toBe(403);
    // A password is not signed with the key: its stream goes on.
    const before = byPassword.parts.length;
    await byPassword.waitForParts(before + 2);
    expect(byPassword.end).toBeUndefined();
  });
});
