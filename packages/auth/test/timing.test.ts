// An unknown user costs the same time as a wrong password: the server checks the password against a
// dummy hash of the same cost, so response times do not tell which user names exist.
import { expect } from 'vitest';
import { hashPassword, verifyPassword } from '../src/index.js';
import { basic, test, users } from './support.js';

// A cost high enough that skipping the hash would stand out (over 10 ms, twice the tolerance), low
// enough for 400 tries: start cheap and double N until one hash takes that long on this machine.
async function calibratedCost() {
  for (let N = 2 ** 12; ; N *= 2) {
    const cost = { N, r: 8, p: 1 };
    const hash = await hashPassword('calibrate', cost);
    const begin = performance.now();
    await verifyPassword('calibrate', hash);
    if (performance.now() - begin >= 10 || N >= 2 ** 16) return cost;
  }
}
const TRIES = 200;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return (sorted[Math.floor(middle - 0.5)]! + sorted[Math.ceil(middle - 0.5)]!) / 2;
}

test('wrong password and unknown user: medians of 200 tries each within 5 ms', { timeout: 120_000 }, async ({
  start,
}) => {
  const server = await start({
    users: await users([{ name: 'alice', password: 'alice-pw', role: 'admin' }], await calibratedCost()),
    loginLimit: { attempts: 100_000 },
  });
  const timed = async (authorization: string) => {
    const begin = process.hrtime.bigint();
    const response = await fetch(`${server.url}/api/cameras`, { headers: { authorization } });
    await response.arrayBuffer();
    expect(response.status).toBe(401);
    return Number(process.hrtime.bigint() - begin) / 1e6;
  };
  // Warm up connections and the JIT, then interleave so that load from other processes hits both alike.
  for (let i = 0; i < 5; i++) await timed(basic('alice', 'warm-up'));
  const wrongPassword: number[] = [];
  const unknownUser: number[] = [];
  // Pairs in alternating order (ABBA), so that neither kind always runs right after the other.
  for (let i = 0; i < TRIES; i++) {
    const wrong = () => timed(basic('alice', `wrong-${i}`)).then((ms) => wrongPassword.push(ms));
    const unknown = () => timed(basic(`nobody-${i}`, `wrong-${i}`)).then((ms) => unknownUser.push(ms));
    if (i % 2 === 0) await wrong().then(unknown);
    else await unknown().then(wrong);
  }
  const difference = Math.abs(median(wrongPassword) - median(unknownUser));
  // The hash dominates both (so the test would catch an unknown user answered without hashing).
  expect(median(wrongPassword)).toBeGreaterThan(difference);
  expect(difference, `medians ${median(wrongPassword)} ms and ${median(unknownUser)} ms`).toBeLessThan(5);
});
