// HTTP Basic on every route, with real clients (fetch, curl, a raw socket), and what each role may see.
import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { describe, expect } from 'vitest';
import { basic, requireTool, test, users } from './support.js';

const run = promisify(execFile);

const USERS = () =>
  users([
    { name: 'alice', password: 'alice-pw', role: 'admin' },
    { name: 'bob', password: 'bob-pw', role: 'viewer', cameras: ['a'] },
    { name: 'carol', password: 'carol-pw', role: 'viewer' },
  ]);

describe('HTTP Basic', () => {
  test('no credentials: 401 with a Basic challenge and a JSON error', async ({ start }) => {
    const server = await start({ users: await USERS() });
    for (const path of ['/cameras/a/snapshot', '/api/cameras', '/api/admin', '/']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="cam", charset="UTF-8"');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toEqual({
        error: { code: 'AUTH_REQUIRED', message: expect.any(String) },
      });
    }
  });

  test('a browser asking for the page is sent to the login page, with where it wanted to go', async ({
    start,
  }) => {
    const server = await start({ users: await USERS() });
    const response = await fetch(`${server.url}/?x=1`, {
      headers: { accept: 'text/html,application/xhtml+xml' },
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/?x=1')}`);
  });

  test('right credentials pass; wrong password, unknown user and malformed headers get 401', async ({
    start,
  }) => {
    const server = await start({ users: await USERS() });
    const get = (authorization: string) =>
      fetch(`${server.url}/api/cameras`, { headers: { authorization } }).then((r) => r.status);
    expect(await get(basic('alice', 'alice-pw'))).toBe(200);
    expect(await get(basic('alice', 'wrong'))).toBe(401);
    expect(await get(basic('mallory', 'alice-pw'))).toBe(401);
    expect(await get('Basic !!!')).toBe(401);
    expect(await get(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBe(401);
    expect(await get('Bearer abc')).toBe(401);
  });

  test('curl with -u and with user:pass in the URL gets a real JPEG snapshot', async ({
    start,
    tempDir,
    skip,
  }) => {
    const missing = requireTool('/usr/bin/curl', 'apt-get install curl');
    if (missing) skip(missing);
    const server = await start({ users: await USERS() });
    const file = `${tempDir}/snap.jpg`;
    const { stdout } = await run('/usr/bin/curl', [
      '-s',
      '-o',
      file,
      '-w',
      '%{http_code}',
      '-u',
      'carol:carol-pw',
      `${server.url}/cameras/b/snapshot`,
    ]);
    expect(stdout).toBe('200');
    const { readFile } = await import('node:fs/promises');
    const jpeg = await readFile(file);
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const inUrl = await run('/usr/bin/curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      `http://carol:carol-pw@127.0.0.1:${server.port}/cameras/b/snapshot`,
    ]);
    expect(inUrl.stdout).toBe('200');
    const wrong = await run('/usr/bin/curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-u',
      'carol:nope',
      `${server.url}/cameras/b/snapshot`,
    ]);
    expect(wrong.stdout).toBe('401');
  });

  test('a raw socket with a garbage Authorization header is refused and the server carries on', async ({
    start,
  }) => {
    const server = await start({ users: await USERS() });
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write(
        `GET /api/cameras HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${'\u00ff'.repeat(3000)}\r\nConnection: close\r\n\r\n`,
        'latin1',
      );
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    expect(
      (await fetch(`${server.url}/api/cameras`, { headers: { authorization: basic('alice', 'alice-pw') } }))
        .status,
    ).toBe(200);
    expect(server.log.filter((line) => line.startsWith('ERROR'))).toEqual([]);
  });
});

describe('roles', () => {
  test('a viewer gets 403 for a camera not in its list and for admin routes; an admin sees everything', async ({
    start,
  }) => {
    const server = await start({ users: await USERS() });
    const status = (user: string, path: string) =>
      fetch(`${server.url}${path}`, { headers: { authorization: basic(user, `${user}-pw`) } }).then(
        async (r) => {
          await r.arrayBuffer();
          return r.status;
        },
      );
    expect(await status('bob', '/cameras/a/snapshot')).toBe(200);
    expect(await status('bob', '/cameras/b/snapshot')).toBe(403);
    expect(await status('bob', '/api/admin')).toBe(403);
    expect(await status('carol', '/cameras/b/snapshot')).toBe(200);
    expect(await status('carol', '/api/admin')).toBe(403);
    expect(await status('alice', '/cameras/b/snapshot')).toBe(200);
    expect(await status('alice', '/api/admin')).toBe(200);

    const refused = await fetch(`${server.url}/cameras/b/snapshot`, {
      headers: { authorization: basic('bob', 'bob-pw') },
    });
    expect(await refused.json()).toEqual({
      error: { code: 'FORBIDDEN', message: 'user bob may not view camera b' },
    });
    // mayView filters lists: bob's camera list has only "a".
    const list = await fetch(`${server.url}/api/cameras`, {
      headers: { authorization: basic('bob', 'bob-pw') },
    });
    expect(await list.json()).toMatchObject({
      cameras: ['a'],
      principal: { kind: 'user', name: 'bob', role: 'viewer', via: 'basic' },
    });
  });

  test('without users, auth is off: everything is allowed as anonymous', async ({ start }) => {
    const server = await start({});
    expect(server.auth.enabled).toBe(false);
    const response = await fetch(`${server.url}/api/admin`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ principal: { kind: 'anonymous' } });
  });
});
