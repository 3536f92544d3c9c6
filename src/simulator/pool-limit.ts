/**
 * The largest pool a scenario (and a whole-pool strategy) may give one instance. Its own module,
 * importing nothing, because strategy modules read it while they load: importing it from
 * scenario.ts, which loads the public entry, would make it depend on module order.
 */

/**
 * Most connections one instance's pool may have, `poolSize` and `maxOverflow` each: more than a
 * database holds at all, and a larger figure (a typo, `10000000`) made a run allocate every attempt
 * of it and never finish.
 */
export const MAX_POOL = 10_000;

/** The problem a pool figure above {@link MAX_POOL} is refused with. */
export const POOL_TOO_LARGE = `must be at most ${MAX_POOL}: a database's max_connections is in the thousands at most`;
