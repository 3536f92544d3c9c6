import { defaultRandom, type Random } from '../../common/random.js';
import type { Backoff, BackoffStep } from './backoff.js';
import {
  cappedExponential,
  resolveExponentialOptions,
  type ExponentialBackoffOptions,
} from './exponential-backoff.js';

/** Options of {@link fullJitterBackoff}. */
export interface FullJitterBackoffOptionsInput {
  /** Base delay, in ms. @default 100 */
  readonly initialMs?: number;
  /** Growth of the upper bound per attempt (>= 1). @default 2 */
  readonly factor?: number;
  /** Cap on the upper bound, in ms. @default 10000 */
  readonly maxMs?: number;
}

class FullJitterStep implements BackoffStep {
  readonly duration: number;

  constructor(
    private readonly options: ExponentialBackoffOptions,
    private readonly n: number,
    private readonly random: Random,
  ) {
    this.duration = random() * cappedExponential(options, n);
    Object.freeze(this);
  }

  next(): BackoffStep {
    return new FullJitterStep(this.options, this.n + 1, this.random);
  }
}

/**
 * "Full jitter" (AWS Architecture Blog, *Exponential Backoff and Jitter*): retry `n` (0-based)
 * sleeps `random(0, min(maxMs, initialMs × factor^n))`. Spreads a fleet's retries evenly over the
 * whole window, at the cost of sometimes retrying almost at once.
 *
 * @example
 * ```ts
 * retry({ backoff: fullJitterBackoff({ initialMs: 200, maxMs: 30_000 }) });
 * ```
 */
export function fullJitterBackoff(input: FullJitterBackoffOptionsInput = {}): Backoff {
  const options = resolveExponentialOptions('fullJitterBackoff', input);
  return { start: (random = defaultRandom) => new FullJitterStep(options, 0, random) };
}
