import type { Random } from '../../common/random.js';

/**
 * One point of a backoff schedule: how long to wait before the next attempt, and the schedule from
 * there on. A step is an immutable value: calling `next()` twice gives two independent futures, and
 * the step itself never changes.
 *
 * @example
 * ```ts
 * let step = exponentialBackoff({ initialMs: 100, maxMs: 1000 }).start();
 * const delays = [];
 * for (let i = 0; i < 5; i++, step = step.next()) delays.push(step.duration);
 * // [100, 200, 400, 800, 1000]
 * ```
 */
export interface BackoffStep {
  /** Milliseconds to wait before the next attempt (>= 0). */
  readonly duration: number;
  /** The step after this one. */
  next(): BackoffStep;
}

/** A backoff strategy: a recipe for schedules of delays. */
export interface Backoff {
  /**
   * Begin a schedule. `random` is the source of jitter (uniform in [0, 1)); inject a seeded one for
   * reproducible schedules.
   *
   * @default random Math.random
   */
  start(random?: Random): BackoffStep;
}
