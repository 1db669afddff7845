/** The `p`-th percentile (0..100) of `values` by the nearest-rank method; NaN when there are none. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sortedPercentile(sorted, p);
}

function sortedPercentile(sorted: Float64Array, p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Distribution {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Count, min, median, 90th and 99th percentiles and max of `values` (NaN for an empty list). */
export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) {
    return { count: 0, min: Number.NaN, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };
  }
  return {
    count: sorted.length,
    min: sorted[0]!,
    p50: sortedPercentile(sorted, 50),
    p90: sortedPercentile(sorted, 90),
    p99: sortedPercentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
  };
}

/** A growable list of numbers in a typed array: cheap to append hundreds of thousands of samples. */
export class Samples {
  #data = new Float64Array(256);
  length = 0;

  push(value: number): void {
    if (this.length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.length++] = value;
  }

  clear(): void {
    this.length = 0;
  }

  values(): Float64Array {
    return this.#data.subarray(0, this.length);
  }
}

/** Concatenates sample lists. */
export function concatSamples(lists: Iterable<Samples>): Float64Array {
  let total = 0;
  for (const list of lists) total += list.length;
  const all = new Float64Array(total);
  let at = 0;
  for (const list of lists) {
    all.set(list.values(), at);
    at += list.length;
  }
  return all;
}

/** The least-squares slope of `y` against `x`; NaN with fewer than two points or no spread in `x`. */
export function slope(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = Math.min(x.length, y.length);
  if (n < 2) return Number.NaN;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i]!;
    meanY += y[i]!;
  }
  meanX /= n;
  meanY /= n;
  let covariance = 0;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    covariance += (x[i]! - meanX) * (y[i]! - meanY);
    variance += (x[i]! - meanX) ** 2;
  }
  return variance === 0 ? Number.NaN : covariance / variance;
}
