/**
 * Durations in scenarios: a fixed number of ms, or a uniform range.
 */

import type { Random } from '../index.js';

/** A duration in ms: fixed, or drawn uniformly from `[min, max]`. */
export type Range =
  | number
  | {
      /** Smallest value, in ms. */
      readonly min: number;
      /** Largest value, in ms. */
      readonly max: number;
    };

/** Draw one value of `range` (a fixed number draws nothing from `random`). */
export function sample(range: Range, random: Random): number {
  if (typeof range === 'number') return range;
  return range.min + (range.max - range.min) * random();
}

/** The smallest value `range` can take (used by the lower bound). */
export function rangeMin(range: Range): number {
  return typeof range === 'number' ? range : range.min;
}

/** The mean of `range`. */
export function rangeMean(range: Range): number {
  return typeof range === 'number' ? range : (range.min + range.max) / 2;
}

/**
 * Derive an independent seed from a base seed and a few integers (FNV-1a over 32-bit words, then a
 * final avalanche), so every instance and model gets its own reproducible random stream.
 */
export function deriveSeed(base: number, ...parts: number[]): number {
  let h = 0x811c9dc5 ^ (base >>> 0);
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x01000193);
    h ^= h >>> 13;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
