// Failed logins are limited per client address; the address comes from X-Forwarded-For only when the
// socket's peer is a proxy named in trustProxy.
import { describe, expect } from 'vitest';
import { basic, test, users } from './support.js';

const ALICE = () => users([{ name: 'alice', password: 'alice-pw', role: 'admin' }]);

describe('failed login limit', () => {
  test('30 wrong passwords from one address → 429 with Retry-After; another address is not affected', async ({
    start,
  }) => {
    const server = await start({ users: await ALICE(), trustProxy: ['127.0.0.1'] });
    const get = (password: string, from: string) =>
      fetch(`${server.url}/api/cameras`, {
        headers: { authorization: basic('alice', password), 'x-forwarded-for': from },
      });

    const statuses: number[] = [];
    let lastRetryAfter: string | null = null;
    for (let i = 0; i < 30; i++) {
      const response = await get(`wrong-${i}`, '203.0.113.7');
      statuses.push(response.status);
      lastRetryAfter = response.headers.get('retry-after');
      await response.arrayBuffer();
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(20).fill(429));
    const seconds = Number(lastRetryAfter);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);

    // Blocked means blocked: even the right password waits, so guessing cannot go on.
    const right = await get('alice-pw', '203.0.113.7');
    expect(right.status).toBe(429);
    expect(await right.json()).toMatchObject({ error: { code: 'TOO_MANY_ATTEMPTS' } });
    // Another client address (the proxy says so, and the proxy is trusted) is not affected.
    expect((await get('alice-pw', '198.51.100.9')).status).toBe(200);
    expect((await get('wrong', '198.51.100.9')).status).toBe(401);
  });

  test('after the window, the address may try again', async ({ start }) => {
    let now = Date.now();
    const server = await start(
      { users: await ALICE(), loginLimit: { attempts: 2, window: 60 } },
      { now: () => now },
    );
    const status = (password: string) =>
      fetch(`${server.url}/api/cameras`, { headers: { authorization: basic('alice', password) } }).then(
        (response) => [response.status, response.headers.get('retry-after')],
      );
    expect(await status('wrong')).toEqual([401, null]);
    now += 30_000;
    expect(await status('wrong')).toEqual([401, null]);
    expect(await status('alice-pw')).toEqual([429, '30']); // the window began with the first failure
    now += 30_000;
    expect(await status('wrong')).toEqual([401, null]);
    expect(await status('alice-pw')).toEqual([200, null]); // a success forgets the failures
    expect(await status('wrong')).toEqual([401, null]);
    expect(await status('wrong')).toEqual([401, null]);
    expect(await status('wrong')).toEqual([429, '60']);
  });

  test('the login form counts too, and answers 429 with Retry-After on its page', async ({ start }) => {
    const server = await start({ users: await ALICE(), loginLimit: { attempts: 3, window: 600 } });
    const post = (password: string) =>
      fetch(`${server.url}/login`, {
        method: 'POST',
        body: new URLSearchParams({ username: 'alice', password }),
        redirect: 'manual',
      });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post('wrong')).status);
    expect(statuses).toEqual([403, 403, 403, 429]);
    const limited = await post('alice-pw');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(500);
    expect(await limited.text()).toContain('Too many failed logins');
  });

  test('X-Forwarded-For from an untrusted peer is ignored: a client cannot dodge the limit with it', async ({
    start,
  }) => {
    const server = await start({ users: await ALICE(), loginLimit: { attempts: 2, window: 60 } });
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${server.url}/api/cameras`, {
        headers: { authorization: basic('alice', 'wrong'), 'x-forwarded-for': `192.0.2.${i}` },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 429, 429]);
  });

  test('a client bound to another loopback address (127.0.0.2) is not affected', async ({ start }) => {
    const server = await start({ users: await ALICE(), loginLimit: { attempts: 2, window: 60 } });
    const { request } = await import('node:http');
    const get = (password: string, localAddress: string) =>
      new Promise<number>((resolve, reject) => {
        request(
          `${server.url}/api/cameras`,
          { localAddress, headers: { authorization: basic('alice', password) } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
          .on('error', reject)
          .end();
      });
    for (let i = 0; i < 3; i++) await get('wrong', '127.0.0.1');
    expect(await get('alice-pw', '127.0.0.1')).toBe(429);
    expect(await get('alice-pw', '127.0.0.2')).toBe(200);
  });
});
