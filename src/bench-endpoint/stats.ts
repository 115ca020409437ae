/** Median and spread of repeated measurements. */

/** A measured quantity over several samples. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Number of samples. */
  n: number;
}

/** The median (mean of the middle two for an even count), min and max; null when there is no sample. */
export function spread(values: number[]): Spread | null {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[n - 1]!, n };
}
