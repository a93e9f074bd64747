// Order statistics for latency and lag samples. Percentiles interpolate linearly between the two
// nearest ranks (the usual "R-7" definition), so p50 of [1, 2] is 1.5 and p100 is the maximum.

export interface Distribution {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** The p-th percentile (0–100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (p < 0 || p > 100 || Number.isNaN(p)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** Count, mean, p50, p99 and max of `values`; undefined when there are none. */
export function distribution(values: readonly number[]): Distribution | undefined {
  if (values.length === 0) return undefined;
  return {
    count: values.length,
    mean: values.reduce((sum, v) => sum + v, 0) / values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    // reduce, not Math.max(...values): a long transaction log would overflow the call stack.
    max: values.reduce((m, v) => (v > m ? v : m), -Infinity),
  };
}
