import { expect, test } from 'vitest';
import { concatSamples, distribution, percentile, Samples, slope } from '../src/stats.js';

test('percentile is nearest-rank', () => {
  const values = [5, 1, 4, 2, 3];
  expect(percentile(values, 0)).toBe(1);
  expect(percentile(values, 50)).toBe(3);
  expect(percentile(values, 80)).toBe(4);
  expect(percentile(values, 81)).toBe(5);
  expect(percentile(values, 100)).toBe(5);
  expect(percentile([], 50)).toBeNaN();
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
  expect(percentile(hundred, 99)).toBe(99);
});

test('distribution summarises without changing its input', () => {
  const values = [3, 1, 2];
  expect(distribution(values)).toEqual({ count: 3, min: 1, p50: 2, p90: 3, p99: 3, max: 3 });
  expect(values).toEqual([3, 1, 2]);
  expect(distribution([]).count).toBe(0);
  expect(distribution([]).p50).toBeNaN();
});

test('Samples grows, clears and concatenates', () => {
  const a = new Samples();
  for (let i = 0; i < 1000; i++) a.push(i);
  expect(a.length).toBe(1000);
  expect(a.values()[999]).toBe(999);
  const b = new Samples();
  b.push(-1);
  expect([...concatSamples([a, b])].slice(-2)).toEqual([999, -1]);
  a.clear();
  expect(a.values()).toHaveLength(0);
});

test('slope is the least-squares slope', () => {
  expect(slope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2);
  expect(slope([0, 2000, 4000], [5000, 5000, 5000])).toBe(0); // a bounded lag
  expect(slope([1], [1])).toBeNaN();
  expect(slope([1, 1], [1, 2])).toBeNaN();
});
