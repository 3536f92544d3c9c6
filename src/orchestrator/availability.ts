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

/**
 * The worse of two levels.
 *
 * @example
 * ```ts
 * worseAvailability('DEGRADED', 'MINIMAL'); // 'MINIMAL'
 * ```
 */
export function worseAvailability(a: Availability, b: Availability): Availability {
  return AVAILABILITY_LEVELS.indexOf(a) >= AVAILABILITY_LEVELS.indexOf(b) ? a : b;
}

/**
 * The worst of `levels`, `FULL` when there are none. The orchestrator's rule: availability is the
 * worst level over the components that are down.
 */
export function worstAvailability(levels: Iterable<Availability>): Availability {
  let worst: Availability = 'FULL';
  for (const level of levels) worst = worseAvailability(worst, level);
  return worst;
}

/** True for one of {@link AVAILABILITY_LEVELS} (for validating input). */
export function isAvailability(value: unknown): value is Availability {
  return typeof value === 'string' && (AVAILABILITY_LEVELS as readonly string[]).includes(value);
}
