import type { Clock } from '../../common/clock.js';

/** A failure counter's state as plain JSON (see {@link FailureCounter.toJSON}). */
export interface FailureCounterState {
  /** Which strategy wrote it; restoring into another strategy is a `ConfigError`. */
  readonly kind: string;
  readonly [field: string]: unknown;
}

/**
 * Counts the outcomes of calls while a circuit breaker is closed and says when to open. The breaker
 * reports only outcomes that count: successes, and failures of the classes it counts.
 */
export interface FailureCounter {
  /** A call succeeded. */
  success(): void;
  /** A call failed. Returns `true` when the breaker should open. */
  failure(): boolean;
  /** Forget everything (the breaker has just closed). */
  reset(): void;
  /** The counts as JSON, to restore later through {@link BreakerStrategy.create}. */
  toJSON(): FailureCounterState;
}

/**
 * When a circuit breaker opens: {@link consecutiveBreaker} or {@link samplingBreaker}. A strategy is
 * a recipe; each circuit breaker creates its own counter from it, so one strategy value can be
 * shared safely.
 */
export interface BreakerStrategy {
  /** Name written into saved state. */
  readonly kind: string;
  /**
   * A fresh counter reading time from `clock`, or one restored from `saved` (which a strategy may
   * reject with a `ConfigError` when it is not its own).
   */
  create(clock: Clock, saved?: FailureCounterState): FailureCounter;
}
