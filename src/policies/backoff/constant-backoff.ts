import { requireNonNegative } from '../validate.js';
import type { Backoff, BackoffStep } from './backoff.js';

/**
 * The same delay every time. Mostly for tests and for polling something that is known to be local.
 * Prefer a jittered strategy when many instances may retry together.
 *
 * @param ms Delay between attempts, in ms (>= 0).
 *
 * @example
 * ```ts
 * retry({ backoff: constantBackoff(250), maxAttempts: 4 });
 * ```
 */
export function constantBackoff(ms: number): Backoff {
  requireNonNegative('constantBackoff(ms)', ms);
  const step: BackoffStep = Object.freeze({ duration: ms, next: () => step });
  return { start: () => step };
}
