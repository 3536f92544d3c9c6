import { systemClock, type Clock } from '../common/clock.js';
import { defaultRandom, type Random } from '../common/random.js';
import type { ErrorClass } from '../errors/classification.js';
import { classify as defaultClassify, type Classifier } from '../errors/classify.js';
import { ConfigError } from '../errors/config-error.js';
import type { Backoff } from './backoff/backoff.js';
import { decorrelatedJitterBackoff } from './backoff/decorrelated-jitter-backoff.js';
import type { GiveUpReason } from './retry-exhausted-error.js';
import {
  requireClock,
  requireFunction,
  requireInteger,
  requireNonNegative,
  requirePositiveOrInfinity,
} from './validate.js';

/** Options of {@link retry}. */
export interface RetryOptionsInput {
  /** Attempts in total, the first included (`Infinity`: limited by time only). @default 5 */
  readonly maxAttempts?: number;
  /** Time budget for all attempts and sleeps, from the first attempt's start, in ms. @default Infinity */
  readonly maxElapsedMs?: number;
  /** Delays between attempts. @default decorrelatedJitterBackoff({ initialMs: 100, maxMs: 10_000 }) */
  readonly backoff?: Backoff;
  /**
   * Delays after a `capacity` failure (the far side is full or starting: Postgres 53300 and 57P03,
   * Redis `LOADING`, an open circuit breaker), which only passes when someone else lets go. It keeps
   * its own progression, apart from `backoff`'s; when it is `backoff` itself (the default), both
   * classes share one progression.
   * @default the `backoff` option
   * @example
   * ```ts
   * // Back off harder when the database is full than when the network blinked.
   * retry({
   *   backoff: decorrelatedJitterBackoff({ initialMs: 250, maxMs: 10_000 }),
   *   capacityBackoff: decorrelatedJitterBackoff({ initialMs: 1_000, maxMs: 30_000 }),
   * });
   * ```
   */
  readonly capacityBackoff?: Backoff;
  /** Jitter source handed to `backoff.start()`. @default Math.random */
  readonly random?: Random;
  /** Clock of the sleeps and of the deadline checks. @default systemClock */
  readonly clock?: Clock;
  /** Decides what is retried: only `transient` and `capacity`. @default classify */
  readonly classify?: Classifier;
  /**
   * The least time an attempt needs, in ms (or a function that says it). An attempt is never
   * started, and no sleep is begun, when less than this would be left before the deadline (or
   * `maxElapsedMs`). `'auto'` asks the first adaptive timeout inside the same {@link wrap}
   * (`expectedAttemptMs()`), and is 0 without one.
   * @default 'auto'
   */
  readonly minAttemptMs?: number | (() => number) | 'auto';
}

/** {@link RetryOptionsInput}, resolved. */
export type RetryOptions = Required<RetryOptionsInput>;

/** Emitted before sleeping ahead of another attempt. */
export interface RetryEvent {
  /** The attempt that just failed (1-based). */
  readonly attempt: number;
  /** How long the policy sleeps before the next attempt, in ms. */
  readonly delayMs: number;
  /** The error of the failed attempt. */
  readonly error: unknown;
  /** Its class. */
  readonly errorClass: ErrorClass;
}

/** Emitted when the policy stops trying. */
export interface GiveUpEvent {
  /** Attempts made. */
  readonly attempts: number;
  /** The last error (the abort reason for `aborted`). */
  readonly error: unknown;
  /** Why it stopped. */
  readonly reason: GiveUpReason;
  /** Time since the first attempt started, in ms. */
  readonly elapsedMs: number;
}

/** Emitted when an attempt succeeds. */
export interface RetrySuccessEvent {
  /** Attempts made, the successful one included. */
  readonly attempts: number;
  /** Time since the first attempt started, in ms. */
  readonly elapsedMs: number;
}

/** Resolve and validate {@link RetryOptionsInput} (errors name the option). */
export function resolveRetryOptions(input: RetryOptionsInput): RetryOptions {
  const backoff = input.backoff ?? decorrelatedJitterBackoff({ initialMs: 100, maxMs: 10_000 });
  const options: RetryOptions = {
    maxAttempts: input.maxAttempts ?? 5,
    maxElapsedMs: input.maxElapsedMs ?? Infinity,
    backoff,
    capacityBackoff: input.capacityBackoff ?? backoff,
    random: input.random ?? defaultRandom,
    clock: input.clock ?? systemClock,
    classify: input.classify ?? defaultClassify,
    minAttemptMs: input.minAttemptMs ?? 'auto',
  };
  requireInteger('retry.maxAttempts', options.maxAttempts, 1, true);
  requirePositiveOrInfinity('retry.maxElapsedMs', options.maxElapsedMs);
  if (typeof options.backoff?.start !== 'function') {
    throw new ConfigError(
      'retry.backoff',
      'must be a Backoff (an object with start())',
      'use e.g. fullJitterBackoff()',
    );
  }
  if (typeof options.capacityBackoff?.start !== 'function') {
    throw new ConfigError(
      'retry.capacityBackoff',
      'must be a Backoff (an object with start())',
      'use e.g. decorrelatedJitterBackoff({ initialMs: 1_000, maxMs: 30_000 }), or leave it out to use backoff',
    );
  }
  requireFunction('retry.random', options.random);
  requireClock('retry.clock', options.clock);
  requireFunction('retry.classify', options.classify);
  if (typeof options.minAttemptMs === 'number')
    requireNonNegative('retry.minAttemptMs', options.minAttemptMs);
  else if (options.minAttemptMs !== 'auto') requireFunction('retry.minAttemptMs', options.minAttemptMs);
  return options;
}
