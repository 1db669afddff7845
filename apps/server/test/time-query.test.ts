// The time parameters of the recording routes (`at`, `from`, `to`, `speed`): what they accept and how
// they refuse the rest.
import { describe, expect, test } from 'vitest';
import { BadParameter, parseRange, parseSpeed, parseTime } from '../src/time-query.js';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');

describe('parseTime', () => {
  test.each([
    ['-30s', NOW - 30_000],
    ['-1500ms', NOW - 1500],
    ['-5m', NOW - 300_000],
    ['-2h', NOW - 7_200_000],
    ['-0.5s', NOW - 500],
    ['2026-11-30T04:00:00Z', Date.parse('2026-11-30T04:00:00Z')],
    ['2026-11-30T05:00:00.250+01:00', Date.parse('2026-11-30T04:00:00.250Z')],
    ['2026-11-30', Date.parse('2026-11-30T00:00:00Z')],
  ])('reads %s', (value, expected) => {
    expect(parseTime('at', value, NOW)).toBe(expected);
  });

  test.each(['', '1', '1796030000000', 'yesterday', 'May 5', '-5x', '30s', '2026-13-45T99:00:00Z', '--1s'])(
    'refuses %j, naming the parameter and what it accepts',
    (value) => {
      const error = (() => {
        try {
          parseTime('from', value, NOW);
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(BadParameter);
      expect((error as BadParameter).parameter).toBe('from');
      expect((error as Error).message).toBe(
        `parameter "from" must be an ISO 8601 time such as 2026-11-30T04:00:00Z, or a time ago such as -30s, -5m, -2h or -1500ms, got ${JSON.stringify(value)}`,
      );
    },
  );
});

describe('parseSpeed', () => {
  test('1 by default; from 0.1 to 100', () => {
    expect(parseSpeed(undefined)).toBe(1);
    expect(parseSpeed('0.1')).toBe(0.1);
    expect(parseSpeed('4')).toBe(4);
    expect(parseSpeed('100')).toBe(100);
    for (const bad of ['0', '0.05', '101', '-1', 'fast', '1e2', '', 'Infinity']) {
      expect(() => parseSpeed(bad), bad).toThrow(/parameter "speed" must be a number from 0\.1 to 100/);
    }
  });
});

describe('parseRange', () => {
  const query = (entries: Record<string, string>) => new Map(Object.entries(entries));
  test('to defaults to now, from to the span before to', () => {
    expect(parseRange(query({}), NOW, 3600_000)).toEqual({ from: NOW - 3600_000, to: NOW });
    expect(parseRange(query({ to: '-1h' }), NOW, 60_000)).toEqual({
      from: NOW - 3660_000,
      to: NOW - 3600_000,
    });
    expect(parseRange(query({ from: '-10m', to: '-5m' }), NOW, 0)).toEqual({
      from: NOW - 600_000,
      to: NOW - 300_000,
    });
  });
  test('from after to is refused, naming both', () => {
    expect(() => parseRange(query({ from: '-1m', to: '-2m' }), NOW, 0)).toThrow(
      'parameter "from" (2026-11-30T11:59:00.000Z) must not be later than "to" (2026-11-30T11:58:00.000Z)',
    );
  });
});
