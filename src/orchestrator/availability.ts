/**
 * How much of the service works.
 *
 * - `FULL`: everything is up.
 * - `DEGRADED`: a degradable component is down; the service works with less.
 * - `MINIMAL`: the service answers, but most features are off.
 * - `UNAVAILABLE`: it cannot serve.
 */
export type Availability = 'FULL' | 'DEGRADED' | 'MINIMAL' | 'UNAVAILABLE';

/** All levels, best first. */
export const AVAILABILITY_LEVELS: readonly Availability[] = ['FULL', 'DEGRADED', 'MINIMAL', 'UNAVAILABLE'];
