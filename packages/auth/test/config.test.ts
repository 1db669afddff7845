import { describe, expect, test } from 'vitest';
import { parseAuthConfig } from '../src/index.js';

const HASH = 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
const alice = { name: 'alice', password: HASH, role: 'admin' };

function error(config: unknown): { code?: string; setting?: string; message: string } {
  try {
    parseAuthConfig(config);
  } catch (caught) {
    return caught as { code?: string; setting?: string; message: string };
  }
  throw new Error('parseAuthConfig accepted the config');
}

describe('parseAuthConfig', () => {
  test('defaults: no users, 10 failed logins a minute, 12 h sessions, same-origin resources, no CORS', () => {
    const config = parseAuthConfig(undefined);
    expect(config.users.size).toBe(0);
    expect(config.loginLimit).toEqual({ attempts: 10, window: 60 });
    expect(config.sessionTtl).toBe(43_200);
    expect(config.crossOriginResourcePolicy).toBe('same-origin');
    expect(config.corsOrigins).toEqual([]);
    expect(config.frameAncestors).toEqual(["'self'"]);
    expect(config.loginPath).toBe('/login');
  });

  test('users with roles and camera lists', () => {
    const config = parseAuthConfig({
      users: [alice, { name: 'bob', password: HASH, role: 'viewer', cameras: ['door'] }],
    });
    expect(config.users.get('alice')).toMatchObject({ role: 'admin', cameras: undefined });
    expect([...(config.users.get('bob')?.cameras ?? [])]).toEqual(['door']);
  });

  test.each([
    [
      { users: [alice, { name: 'bob', password: 'hunter2', role: 'viewer' }] },
      'auth.users[1].password',
      'must be a scrypt hash',
    ],
    [{ users: [alice, { ...alice }] }, 'auth.users[1].name', 'listed twice'],
    [{ users: [{ ...alice, name: 'a:b' }] }, 'auth.users[0].name', '":"'],
    [
      { users: [{ ...alice, role: 'root' }] },
      'auth.users[0].role',
      'must be one of viewer, admin, got "root"',
    ],
    [{ users: [{ ...alice, cameras: ['a'] }] }, 'auth.users[0].cameras', 'viewers only'],
    [{ users: [{ ...alice, pasword: HASH }] }, 'auth.users[0].pasword', 'is not a setting'],
    [{ users: {} }, 'auth.users', 'must be a list'],
    [{ key: 'short' }, 'auth.key', 'at least 32 characters'],
    [{ trustProxy: ['proxy.local'] }, 'auth.trustProxy[0]', 'IP address or a CIDR'],
    [{ trustProxy: ['10.0.0.0/33'] }, 'auth.trustProxy[0]', 'IP address or a CIDR'],
    [{ cors: { origins: ['https://a.example/path'] } }, 'auth.cors.origins[0]', 'must be an origin'],
    [{ loginLimit: { attempts: 0 } }, 'auth.loginLimit.attempts', 'at least 1, got 0'],
    [{ crossOriginResourcePolicy: 'anyone' }, 'auth.crossOriginResourcePolicy', 'must be one of'],
    [{ loginPath: 'login' }, 'auth.loginPath', 'must be a path'],
    [{ frameAncestors: ["'self'; script-src *"] }, 'auth.frameAncestors[0]', 'one CSP source'],
  ])('%j → names %s', (config, setting, message) => {
    const caught = error(config);
    expect(caught.code).toBe('AUTH_CONFIG');
    expect(caught.setting).toBe(setting);
    expect(caught.message).toContain(`${setting}: `);
    expect(caught.message).toContain(message);
  });

  test('a password written in clear is never repeated in the message', () => {
    const caught = error({ users: [{ name: 'bob', password: 'my secret words', role: 'viewer' }] });
    expect(caught.message).not.toContain('my secret words');
  });
});
