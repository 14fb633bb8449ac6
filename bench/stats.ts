/**
 * Median, min and max of a series of measurements, and how the report prints them.
 *
 * @example
 * ```ts
 * summary([3, 1, 2]); // { median: 2, min: 1, max: 3, runs: 3 }
 * ```
 * @module
 */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summary(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted.at(-1) as number, runs: sorted.length };
}

/** `12.3 (11.9–13.0)`: the median, then min and max, with `digits` decimals. */
export function show(s: Summary, digits = 1): string {
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}
