/** A source of uniform random numbers in [0, 1). Inject a seeded one for reproducible jitter. */
export type Random = () => number;

/** `Math.random`. */
export const defaultRandom: Random = Math.random;

/**
 * A small, fast, seeded PRNG (mulberry32). The same seed always yields the same sequence, which is
 * what the simulator's determinism rests on.
 *
 * @param seed Taken as a 32-bit unsigned integer (`seed >>> 0`): give a whole number from 0 to
 *   2^32 - 1, as `phasegate simulate --seed` checks. Others fold onto one of those (1.5 and 2^32 + 1
 *   give the sequence of 1, -1 that of 2^32 - 1, NaN that of 0).
 * @returns Numbers in [0, 1).
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * random(); // always the same first value for seed 42
 * ```
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
