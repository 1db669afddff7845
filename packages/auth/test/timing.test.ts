// An unknown user costs the same time as a wrong password: the server checks the password against a
// dummy hash of the same cost, so response times do not tell which user names exist. Checked by the work
// done, not by the clock: both run scrypt once, with the same cost and key length, on the password given.
// (A claim about time would fail on a loaded machine; the work is what makes the time equal.)
import * as crypto from 'node:crypto';
import { expect, vi } from 'vitest';
import { basic, TEST_COST, test, users } from './support.js';

// scrypt, watched: every call goes on to node's own.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, scrypt: vi.fn(actual.scrypt) };
});
const scrypt = vi.mocked(crypto.scrypt);

/** The scrypt calls `request` causes: the password, salt length, key length and cost of each. */
async function scryptCalls(request: () => Promise<unknown>) {
  scrypt.mockClear();
  await request();
  return scrypt.mock.calls.map(([password, salt, keylen, options]) => ({
    password: String(password),
    saltBytes: (salt as Buffer).length,
    keylen,
    cost: { N: (options as crypto.ScryptOptions).N, r: (options as crypto.ScryptOptions).r },
  }));
}

test('wrong password and unknown user: the same scrypt work, once each, at the user’s cost', async ({
  start,
}) => {
  const cost = { ...TEST_COST, N: 2 * TEST_COST.N }; // not the default: the dummy must follow the users'
  const server = await start({
    users: await users([{ name: 'alice', password: 'alice-pw', role: 'admin' }], cost),
    loginLimit: { attempts: 100_000 },
  });
  const refused = (authorization: string) => async () => {
    const response = await fetch(`${server.url}/api/cameras`, { headers: { authorization } });
    await response.arrayBuffer();
    expect(response.status).toBe(401);
  };

  const wrongPassword = await scryptCalls(refused(basic('alice', 'wrong-1')));
  const unknownUser = await scryptCalls(refused(basic('nobody', 'wrong-2')));
  expect(wrongPassword).toEqual([
    { password: 'wrong-1', saltBytes: 16, keylen: 32, cost: { N: cost.N, r: 8 } },
  ]);
  expect(unknownUser).toEqual([{ ...wrongPassword[0], password: 'wrong-2' }]);
  // And again for the same unknown user: no shortcut (cache) for a name already refused.
  expect(await scryptCalls(refused(basic('nobody', 'wrong-2')))).toEqual(unknownUser);
  // The right password goes through the same scrypt call (a control: the watch sees the real check).
  const ok = await scryptCalls(async () => {
    const response = await fetch(`${server.url}/api/cameras`, {
      headers: { authorization: basic('alice', 'alice-pw') },
    });
    await response.arrayBuffer();
    expect(response.status).toBe(200);
  });
  expect(ok).toEqual([{ ...wrongPassword[0], password: 'alice-pw' }]);
});
