import { systemClock, type Clock } from '../common/clock.js';
import { ERROR_CLASSES, type ErrorClass } from '../errors/classification.js';
import { classify as defaultClassify, type Classifier } from '../errors/classify.js';
import { ConfigError } from '../errors/config-error.js';
import type { BreakerStrategy, FailureCounterState } from './breaker/breaker-strategy.js';
import { consecutiveBreaker } from './breaker/consecutive-breaker.js';
import { requireClock, requireFunction, requireInteger, requireNonNegative } from './validate.js';

/** The states of a circuit breaker. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** A circuit breaker's state as JSON, from {@link CircuitBreakerPolicy.toJSON}. */
export interface CircuitBreakerSnapshot {
  /** The state at save time. */
  readonly state: CircuitState;
  /** When open: ms left (at save time) before a probe is admitted; 0 otherwise. */
  readonly halfOpenInMs: number;
  /** The strategy's counts. */
  readonly counter: FailureCounterState;
}

/** Options of {@link circuitBreaker}. */
export interface CircuitBreakerOptionsInput {
  /** When to open. @default consecutiveBreaker(5) */
  readonly breaker?: BreakerStrategy;
  /** How long it stays open before admitting probes, in ms. @default 10000 */
  readonly halfOpenAfterMs?: number;
  /** Probes allowed at once while half-open (integer >= 1). @default 1 */
  readonly halfOpenMaxProbes?: number;
  /** Clock of the open period and of sampling windows. @default systemClock */
  readonly clock?: Clock;
  /** State to start from, as saved by `toJSON()`. @default closed, no failures */
  readonly initialState?: CircuitBreakerSnapshot;
  /** Classifies failures. @default classify */
  readonly classify?: Classifier;
  /**
   * Classes of failure that count towards opening. The default counts what says the far side is
   * unhealthy or full (`transient`, `capacity`; timeouts and open inner breakers are among them) and
   * ignores what waiting cannot fix or what is ours (`permanent`, `config`, `internal`): a wrong
   * password should not trip a breaker for everyone. Ignored failures neither count nor reset the
   * count; calls the caller aborted are ignored too.
   * @default ['transient', 'capacity']
   */
  readonly failureClasses?: readonly ErrorClass[];
}

/** {@link CircuitBreakerOptionsInput}, resolved. */
export interface CircuitBreakerOptions {
  /** {@link CircuitBreakerOptionsInput.breaker}; `consecutiveBreaker(5)` if not given. */
  readonly breaker: BreakerStrategy;
  /** {@link CircuitBreakerOptionsInput.halfOpenAfterMs}, in ms; 10 000 if not given. */
  readonly halfOpenAfterMs: number;
  /** {@link CircuitBreakerOptionsInput.halfOpenMaxProbes}; 1 if not given. */
  readonly halfOpenMaxProbes: number;
  /** {@link CircuitBreakerOptionsInput.clock}; `systemClock` if not given. */
  readonly clock: Clock;
  /** {@link CircuitBreakerOptionsInput.initialState}; `undefined` (closed, no failures) if not given. */
  readonly initialState: CircuitBreakerSnapshot | undefined;
  /** {@link CircuitBreakerOptionsInput.classify}; the built-in `classify` if not given. */
  readonly classify: Classifier;
  /** {@link CircuitBreakerOptionsInput.failureClasses}; `['transient', 'capacity']` if not given. */
  readonly failureClasses: readonly ErrorClass[];
}

/** Emitted on every state change. */
export interface CircuitStateChange {
  /** State before the change. */
  readonly from: CircuitState;
  /** State after the change. */
  readonly to: CircuitState;
}

/** Emitted when the breaker opens (from closed, or again from half-open). */
export interface CircuitBreakEvent {
  /** The failure that opened it. */
  readonly error: unknown;
  /** The failure's class, from {@link CircuitBreakerOptions.classify}. */
  readonly errorClass: ErrorClass;
}

/** Resolve and validate {@link CircuitBreakerOptionsInput} (errors name the option). */
export function resolveCircuitBreakerOptions(input: CircuitBreakerOptionsInput): CircuitBreakerOptions {
  const options: CircuitBreakerOptions = {
    breaker: input.breaker ?? consecutiveBreaker(5),
    halfOpenAfterMs: input.halfOpenAfterMs ?? 10_000,
    halfOpenMaxProbes: input.halfOpenMaxProbes ?? 1,
    clock: input.clock ?? systemClock,
    initialState: input.initialState,
    classify: input.classify ?? defaultClassify,
    failureClasses: input.failureClasses ?? ['transient', 'capacity'],
  };
  if (typeof options.breaker?.create !== 'function') {
    throw new ConfigError(
      'circuitBreaker.breaker',
      'must be a BreakerStrategy',
      'use consecutiveBreaker(n) or samplingBreaker({...})',
    );
  }
  requireNonNegative('circuitBreaker.halfOpenAfterMs', options.halfOpenAfterMs);
  requireInteger('circuitBreaker.halfOpenMaxProbes', options.halfOpenMaxProbes, 1);
  requireFunction('circuitBreaker.classify', options.classify);
  requireClock('circuitBreaker.clock', options.clock);
  if (!Array.isArray(options.failureClasses)) {
    throw new ConfigError(
      'circuitBreaker.failureClasses',
      `must be an array of error classes, got ${String(options.failureClasses)}`,
      "e.g. ['transient', 'capacity'], or leave it unset",
    );
  }
  for (const [i, errorClass] of options.failureClasses.entries()) {
    if (!ERROR_CLASSES.includes(errorClass)) {
      throw new ConfigError(
        `circuitBreaker.failureClasses[${i}]`,
        `unknown class "${String(errorClass)}"`,
        `use one of ${ERROR_CLASSES.join(', ')}`,
      );
    }
  }
  const saved = options.initialState;
  if (saved !== undefined) {
    const states: readonly unknown[] = ['closed', 'open', 'half-open'];
    if (typeof saved !== 'object' || saved === null || !states.includes(saved.state)) {
      throw new ConfigError(
        'circuitBreaker.initialState.state',
        `must be closed, open or half-open, got ${String(saved?.state)}`,
        'pass what toJSON() returned',
      );
    }
    requireNonNegative('circuitBreaker.initialState.halfOpenInMs', saved.halfOpenInMs);
    if (typeof saved.counter !== 'object' || saved.counter === null) {
      throw new ConfigError(
        'circuitBreaker.initialState.counter',
        'is missing',
        'pass what toJSON() returned',
      );
    }
  }
  return options;
}
