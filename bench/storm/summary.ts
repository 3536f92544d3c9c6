/**
 * A figure over several draws (simulated seeds, real runs): its median and its range.
 */

/** The median over draws and the range; `null` where it lands on a draw that never got there. */
export interface Summary {
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

/**
 * Median (the lower middle for an even count) and range of `values`, rounded to integers; `null`
 * (never) sorts last.
 *
 * @example
 * ```ts
 * summarise([3, null, 1]); // { median: 3, min: 1, max: null }
 * ```
 */
export function summarise(values: ReadonlyArray<number | null>): Summary {
  const sorted = values.map((v) => v ?? Infinity).sort((a, b) => a - b);
  const finite = (v: number | undefined): number | null =>
    v === undefined || !Number.isFinite(v) ? null : Math.round(v);
  return {
    median: finite(sorted[(sorted.length - 1) >> 1]),
    min: finite(sorted[0]),
    max: finite(sorted[sorted.length - 1]),
  };
}
