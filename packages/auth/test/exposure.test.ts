import { describe, expect, test } from 'vitest';
import { exposureWarning, isLoopbackHost, principalName } from '../src/index.js';

const HINT = 'Add a user: cam-server hash-password, then auth.users in the config.';

describe('exposureWarning', () => {
  test.each(['0.0.0.0', '::', '', '192.168.1.20', 'cam.local'])('warns without users on %j', (host) => {
    const line = exposureWarning(host, false, HINT)!;
    expect(line).toContain('anyone who can reach it can watch every camera');
    expect(line).toContain(HINT);
  });

  test.each(['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost'])('stays quiet on loopback %j', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
    expect(exposureWarning(host, false, HINT)).toBeUndefined();
  });

  test('stays quiet with users', () => {
    expect(exposureWarning('0.0.0.0', true, HINT)).toBeUndefined();
  });
});

test('principalName', () => {
  expect(principalName({ kind: 'user', name: 'alice', role: 'admin', via: 'basic' })).toBe('alice');
  expect(principalName({ kind: 'link', camera: 'door', route: 'stream', expires: 1 })).toBe(
    'link:door/stream',
  );
  expect(principalName({ kind: 'anonymous' })).toBe('anonymous');
});
