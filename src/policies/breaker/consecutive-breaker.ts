import { ConfigError } from '../../errors/config-error.js';
import { requireInteger } from '../validate.js';
import type { BreakerStrategy, FailureCounter, FailureCounterState } from './breaker-strategy.js';

/** Saved state of a {@link consecutiveBreaker}. */
export interface ConsecutiveCounterState extends FailureCounterState {
  /** Which strategy saved it. */
  readonly kind: 'consecutive';
  /** Failures in a row so far. */
  readonly failures: number;
}

class ConsecutiveCounter implements FailureCounter {
  constructor(
    private readonly threshold: number,
    private failures: number,
  ) {}

  success(): void {
    this.failures = 0;
  }

  failure(): boolean {
    return ++this.failures >= this.threshold;
  }

  reset(): void {
    this.failures = 0;
  }

  toJSON(): ConsecutiveCounterState {
    return { kind: 'consecutive', failures: this.failures };
  }
}

/**
 * Open after `threshold` counted failures in a row; any success starts the count again.
 *
 * @param threshold Failures in a row that open the breaker (integer >= 1). @default 5
 *
 * @example
 * ```ts
 * circuitBreaker({ breaker: consecutiveBreaker(3), halfOpenAfterMs: 5000 });
 * ```
 */
export function consecutiveBreaker(threshold = 5): BreakerStrategy {
  requireInteger('consecutiveBreaker(threshold)', threshold, 1);
  return {
    kind: 'consecutive',
    create(_clock, saved) {
      if (saved === undefined) return new ConsecutiveCounter(threshold, 0);
      const failures = (saved as Partial<ConsecutiveCounterState>).failures;
      if (saved.kind !== 'consecutive' || typeof failures !== 'number' || !(failures >= 0)) {
        throw new ConfigError(
          'circuitBreaker.initialState.counter',
          `is not a consecutive breaker's state (kind ${String(saved.kind)})`,
          'restore state saved by a breaker with the same strategy',
        );
      }
      return new ConsecutiveCounter(threshold, Math.min(failures, threshold - 1));
    },
  };
}
