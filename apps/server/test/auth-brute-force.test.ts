// Issue 13: guessing passwords is limited per client address; behind a trusted proxy, the address is the
// one the proxy names in X-Forwarded-For (here the test is the proxy, on 127.0.0.1).
import { describe, expect, test } from 'vitest';
import { ADMIN, basic, startWithUsers } from './support/auth-server.js';

describe('failed logins', () => {
  test('30 wrong passwords from one address get 429 with Retry-After; another address is not affected', async () => {
    const { url, proc } = await startWithUsers({ trustProxy: ['127.0.0.1'] }, { LOG_LEVEL: 'debug' });
    const from = (address: string, password: string) =>
      fetch(`${url}/cameras/front/snapshot.jpg`, {
        headers: { ...basic({ name: ADMIN.name, password }), 'X-Forwarded-For': address },
      });

    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let attempt = 0; attempt < 30; attempt++) {
      const res = await from('203.0.113.7', `guess ${attempt}`);
      await res.arrayBuffer();
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    // The default limit: 10 failures a minute, then every try is refused before its password is checked.
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(20).fill(429));
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    // Even the right password waits: the address is blocked, not the guess.
    expect((await from('203.0.113.7', ADMIN.password)).status).toBe(429);

    // Another client is served as usual, and so is the login form for it.
    const other = await from('198.51.100.9', ADMIN.password);
    expect(other.status).toBe(200);
    expect(other.headers.get('content-type')).toBe('image/jpeg');
    const wrongElsewhere = await from('198.51.100.9', 'wrong');
    expect(wrongElsewhere.status).toBe(401);
    // The request log names the client the proxy vouches for, and who it was.
    await proc.waitForLog({ address: '198.51.100.9', user: ADMIN.name, status: 200 });
  });

  test('without trustProxy, X-Forwarded-For is ignored: a client cannot dodge the limit with it', async () => {
    const { url } = await startWithUsers();
    let last = 0;
    for (let attempt = 0; attempt < 11; attempt++) {
      const res = await fetch(`${url}/api/cameras`, {
        headers: {
          ...basic({ name: ADMIN.name, password: 'nope' }),
          'X-Forwarded-For': `192.0.2.${attempt}`,
        },
      });
      await res.arrayBuffer();
      last = res.status;
    }
    expect(last).toBe(429);
  });
});
