/**
 * Small statistics and formatting helpers of the benchmark.
 */

/**
 * Percentiles and mean of a sample of durations (ms).
 */
export interface ISummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/**
 * The value at quantile `q` (0..1) of sorted `values` (nearest rank).
 */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) {
    return NaN;
  }
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/**
 * Summarize a sample of durations.
 */
export function summarize(values: number[]): ISummary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    n: sorted.length,
    p50: round(quantile(sorted, 0.5)),
    p90: round(quantile(sorted, 0.9)),
    p99: round(quantile(sorted, 0.99)),
    mean: round(sum / Math.max(1, sorted.length)),
    min: round(sorted[0] ?? NaN),
    max: round(sorted[sorted.length - 1] ?? NaN)
  };
}

/**
 * Round to 3 significant decimals (enough for ms figures).
 */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) {
    return value;
  }
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * Milliseconds since `start` (a `performance.now()` value).
 */
export function since(start: number): number {
  return performance.now() - start;
}

/**
 * Time one call, in ms.
 */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return since(start);
}

/**
 * Format a number of ms for a table.
 */
export function ms(value: number): string {
  if (!Number.isFinite(value)) {
    return '–';
  }
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

/**
 * Time `fn` `count` times, one after another, and summarize the times.
 */
export async function sampled(
  count: number,
  fn: () => Promise<unknown>
): Promise<ISummary> {
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    values.push(await time(fn));
  }
  return summarize(values);
}
