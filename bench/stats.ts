/** Order statistics shared by the benchmarks. */

/**
 * The nearest-rank percentile of values sorted ascending: the smallest value with at least `p` %
 * of the values at or below it (index ⌈p/100 · n⌉ − 1, at least 0).
 * @param sorted - values in ascending order (any unit; the result has the same).
 * @param p - the percentile, 0–100.
 * @returns NaN for no values.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
