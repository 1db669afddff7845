import { expect, test } from 'vitest';
import { parseOptions, UsageError } from '../src/options.js';

test('the defaults are the issue figures; --quick shortens them', () => {
  const full = parseOptions([]);
  expect(full).toMatchObject({ quick: false, idleSeconds: 30, idleTimeoutSeconds: 10, cycles: 10_000 });
  expect(full.json).toMatch(/results\/latest\.json$/);
  // pnpm passes a literal "--" through: it is ignored.
  expect(parseOptions(['--', '--quick'])).toMatchObject({ quick: true, idleSeconds: 6, cycles: 1000 });
});

test('flags override', () => {
  expect(parseOptions(['--only', 'slow-link,idle', '--idle-seconds', '12', '--cycles=500'])).toMatchObject({
    only: ['slow-link', 'idle'],
    idleSeconds: 12,
    cycles: 500,
  });
});

test('mistakes are usage errors', () => {
  expect(() => parseOptions(['--cycles'])).toThrow(UsageError);
  expect(() => parseOptions(['--cycles', '-3'])).toThrow(UsageError);
  expect(() => parseOptions(['--frobnicate'])).toThrow(UsageError);
});
