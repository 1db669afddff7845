import { describe, expect, test } from 'vitest';
import { DEFAULT_SCRYPT_COST, hashPassword, parsePasswordHash, verifyPassword } from '../src/index.js';
import { TEST_COST } from './support.js';

describe('hashPassword / verifyPassword', () => {
  test('a self-describing scrypt string with the default cost and a fresh salt', async () => {
    const hash = await hashPassword('correct horse');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(parsePasswordHash(hash)).toMatchObject(DEFAULT_SCRYPT_COST);
    expect(await hashPassword('correct horse')).not.toBe(hash);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct horsE', hash)).toBe(false);
  });

  test('the cost written in the hash is the cost used to verify it', async () => {
    const hash = await hashPassword('pw', TEST_COST);
    expect(hash.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('pw', hash)).toBe(true);
    // The same salt and hash under another N is another function: it no longer matches.
    expect(await verifyPassword('pw', hash.replace('scrypt$1024$', 'scrypt$2048$'))).toBe(false);
  });

  test('unicode passwords are normalized (a composed é matches a decomposed one)', async () => {
    const hash = await hashPassword('caf\u00e9', TEST_COST);
    expect(await verifyPassword('cafe\u0301', hash)).toBe(true);
  });

  test('refuses an empty password', async () => {
    await expect(hashPassword('')).rejects.toThrow('password must be a non-empty string');
  });

  test.each([
    ['a plain password', 'hunter2', 'must be a scrypt hash'],
    ['another algorithm', '$2b$10$abcdefghijklmnopqrstuv', 'must be a scrypt hash'],
    ['N not a power of two', 'scrypt$1000$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', 'power of two'],
    ['an absurd N', 'scrypt$4194304$8$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', 'power of two'],
    ['a bad r', 'scrypt$1024$0$1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA', 'r must be'],
    ['a short salt', 'scrypt$1024$8$1$c2Fs$aGFzaGhhc2hoYXNoaGFzaA', 'salt'],
    ['a hash that is not base64url', 'scrypt$1024$8$1$c2FsdHNhbHQ$not/base64+', 'hash'],
  ])('parsePasswordHash refuses %s, without echoing it', (_, value, message) => {
    expect(() => parsePasswordHash(value)).toThrow(message);
    try {
      parsePasswordHash(value);
    } catch (error) {
      expect((error as Error).message).not.toContain(value);
    }
  });
});
