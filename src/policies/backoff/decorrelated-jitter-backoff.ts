import { defaultRandom, type Random } from '../../common/random.js';
import { requireOrdered, requirePositive } from '../validate.js';
import type { Backoff, BackoffStep } from './backoff.js';

/** Options of {@link decorrelatedJitterBackoff}. */
export interface DecorrelatedJitterBackoffOptionsInput {
  /** Base (and smallest) delay, in ms. @default 100 */
  readonly initialMs?: number;
  /** Cap on every delay, in ms. @default 10000 */
  readonly maxMs?: number;
}

/** {@link DecorrelatedJitterBackoffOptionsInput}, resolved. */
export type DecorrelatedJitterBackoffOptions = Required<DecorrelatedJitterBackoffOptionsInput>;

class DecorrelatedStep implements BackoffStep {
  readonly duration: number;

  constructor(
    private readonly options: DecorrelatedJitterBackoffOptions,
    previous: number,
    private readonly random: Random,
  ) {
    const { initialMs, maxMs } = options;
    this.duration = Math.min(maxMs, initialMs + random() * (previous * 3 - initialMs));
    Object.freeze(this);
  }

  next(): BackoffStep {
    return new DecorrelatedStep(this.options, this.duration, this.random);
  }
}

/**
 * "Decorrelated jitter" (AWS Architecture Blog, *Exponential Backoff and Jitter*): each sleep is
 * `min(maxMs, random(initialMs, previous × 3))`, starting from `previous = initialMs`. Every delay
 * lies in [initialMs, maxMs]; the schedule grows roughly exponentially but instances drift apart.
 * This is the retry policy's default backoff.
 *
 * @example
 * ```ts
 * retry({ backoff: decorrelatedJitterBackoff({ initialMs: 100, maxMs: 10_000 }) });
 * ```
 */
export function decorrelatedJitterBackoff(input: DecorrelatedJitterBackoffOptionsInput = {}): Backoff {
  const options: DecorrelatedJitterBackoffOptions = {
    initialMs: input.initialMs ?? 100,
    maxMs: input.maxMs ?? 10_000,
  };
  requirePositive('decorrelatedJitterBackoff.initialMs', options.initialMs);
  requirePositive('decorrelatedJitterBackoff.maxMs', options.maxMs);
  requireOrdered(
    'decorrelatedJitterBackoff.initialMs',
    options.initialMs,
    'decorrelatedJitterBackoff.maxMs',
    options.maxMs,
  );
  return { start: (random = defaultRandom) => new DecorrelatedStep(options, options.initialMs, random) };
}
