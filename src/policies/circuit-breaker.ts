import { Emitter, type Event } from '../common/events.js';
import type { ErrorClass } from '../errors/classification.js';
import { BreakerOpenError } from '../errors/breaker-open-error.js';
import type { FailureCounter } from './breaker/breaker-strategy.js';
import {
  ChainedPolicy,
  callNext,
  reportFailure,
  runInChain,
  type ChainLink,
  type OutcomeObserver,
  type PolicyFn,
} from './chain.js';
import { abortableSignal } from './context.js';
import {
  resolveCircuitBreakerOptions,
  type CircuitBreakEvent,
  type CircuitBreakerOptions,
  type CircuitBreakerOptionsInput,
  type CircuitBreakerSnapshot,
  type CircuitState,
  type CircuitStateChange,
} from './circuit-breaker-options.js';
import type { PolicyContext } from './policy.js';

/**
 * A circuit breaker. See {@link circuitBreaker}.
 */
export class CircuitBreakerPolicy extends ChainedPolicy {
  private readonly stateEmitter = new Emitter<CircuitStateChange>();
  private readonly breakEmitter = new Emitter<CircuitBreakEvent>();
  private readonly resetEmitter = new Emitter<void>();
  private readonly halfOpenEmitter = new Emitter<void>();
  /** Every state change. */
  readonly onStateChange: Event<CircuitStateChange> = this.stateEmitter.event;
  /** The breaker opened. */
  readonly onBreak: Event<CircuitBreakEvent> = this.breakEmitter.event;
  /** The breaker closed again after a successful probe. */
  readonly onReset: Event<void> = this.resetEmitter.event;
  /** The breaker started admitting probes. */
  readonly onHalfOpen: Event<void> = this.halfOpenEmitter.event;

  private readonly counter: FailureCounter;
  private readonly counted: ReadonlySet<ErrorClass>;
  private current: CircuitState = 'closed';
  private openedAt = 0;
  /** Bumped on every state change; outcomes of calls admitted under an older state are ignored. */
  private generation = 0;
  private probes = 0;
  private lastFailure: unknown;

  /**
   * Takes resolved options: {@link circuitBreaker} resolves and validates them. Starts closed, or in
   * `options.initialState` when one is given.
   */
  constructor(
    /** The resolved options. */
    readonly options: CircuitBreakerOptions,
  ) {
    super();
    this.counted = new Set(options.failureClasses);
    const saved = options.initialState;
    this.counter = options.breaker.create(options.clock, saved?.counter);
    if (saved !== undefined) {
      this.current = saved.state;
      if (saved.state === 'open') {
        this.openedAt = options.clock.now() - Math.max(0, options.halfOpenAfterMs - saved.halfOpenInMs);
      }
    }
  }

  /**
   * The current state. It changes only when a call arrives or ends: an open breaker whose wait has
   * passed still reads `open` until the next call makes it half-open.
   */
  get state(): CircuitState {
    return this.current;
  }

  /** Probes running now (half-open). */
  get probesInFlight(): number {
    return this.probes;
  }

  /** The state as JSON, to pass back as `initialState` (e.g. across a restart). */
  toJSON(): CircuitBreakerSnapshot {
    const halfOpenInMs =
      this.current === 'open'
        ? Math.max(0, this.openedAt + this.options.halfOpenAfterMs - this.options.clock.now())
        : 0;
    return { state: this.current, halfOpenInMs, counter: this.counter.toJSON() };
  }

  /** @internal */
  [runInChain]<T>(
    fn: PolicyFn<T>,
    context: PolicyContext,
    chain: readonly ChainLink[],
    next: number,
    observer: OutcomeObserver | undefined,
  ): Promise<T> {
    let probe = false;
    if (this.current !== 'closed') {
      const rejection = this.admitProbe();
      if (rejection !== undefined) return reportFailure(rejection, observer);
      probe = true;
    }
    const call = new BreakerCall(this, this.generation, probe, context, observer);
    return Promise.resolve(callNext(fn, context, chain, next, call));
  }

  /** A call admitted under `generation` succeeded. @internal */
  recordSuccess(generation: number, probe: boolean): void {
    if (probe) this.probeSucceeded(generation);
    else if (generation === this.generation) this.counter.success();
  }

  /** A call admitted under `generation` failed. @internal */
  recordFailure(error: unknown, context: PolicyContext, generation: number, probe: boolean): void {
    if (probe) this.probes--;
    if (generation !== this.generation) return;
    if (abortableSignal(context)?.aborted) return;
    const errorClass = this.options.classify(error);
    if (!this.counted.has(errorClass)) return;
    if (probe || this.counter.failure()) this.open(error, errorClass);
  }

  /** Not closed: admit the call as a probe, or return the {@link BreakerOpenError} to reject it with. */
  private admitProbe(): BreakerOpenError | undefined {
    if (this.current === 'open') {
      const wait = this.openedAt + this.options.halfOpenAfterMs - this.options.clock.now();
      if (wait > 0) return new BreakerOpenError(wait, this.lastFailure);
      this.transition('half-open');
      if (this.halfOpenEmitter.hasListeners) this.halfOpenEmitter.emit();
    }
    if (this.probes >= this.options.halfOpenMaxProbes) return new BreakerOpenError(0, this.lastFailure);
    this.probes++;
    return undefined;
  }

  /**
   * The state changes before the counter resets, so a user's {@link FailureCounter} whose `reset()`
   * throws cannot hold the breaker half-open (or closed) for ever: the events are still emitted, and
   * the call then fails with what was thrown, as when `success()` or `failure()` throws.
   */
  private probeSucceeded(generation: number): void {
    this.probes--;
    if (generation !== this.generation) return;
    try {
      this.transition('closed', true);
    } finally {
      if (this.resetEmitter.hasListeners) this.resetEmitter.emit();
    }
  }

  /** Opens, resetting the counter (see {@link probeSucceeded} for when `reset()` throws). */
  private open(error: unknown, errorClass: ErrorClass): void {
    this.lastFailure = error;
    this.openedAt = this.options.clock.now();
    try {
      this.transition('open', true);
    } finally {
      if (this.breakEmitter.hasListeners) this.breakEmitter.emit({ error, errorClass });
    }
  }

  /**
   * Changes the state, then resets the counter when `resetCounter`, then tells the listeners (who
   * thus see the new state and the reset counter in {@link toJSON}), even when `reset()` threw.
   */
  private transition(to: CircuitState, resetCounter = false): void {
    const from = this.current;
    this.current = to;
    this.generation++;
    try {
      if (resetCounter) this.counter.reset();
    } finally {
      if (this.stateEmitter.hasListeners) this.stateEmitter.emit({ from, to });
    }
  }
}

/** One call through a breaker: reports its outcome to the breaker, then to the outer layers. */
class BreakerCall implements OutcomeObserver {
  constructor(
    private readonly breaker: CircuitBreakerPolicy,
    private readonly generation: number,
    private readonly probe: boolean,
    private readonly context: PolicyContext,
    private readonly outer: OutcomeObserver | undefined,
  ) {}

  /**
   * The outer layers hear the success even when the breaker's own bookkeeping throws (a user's
   * {@link FailureCounter}): an outer breaker's probe slot must be released. The call then rejects
   * with what was thrown.
   */
  succeeded(value: unknown): void {
    try {
      this.breaker.recordSuccess(this.generation, this.probe);
    } finally {
      this.outer?.succeeded(value);
    }
  }

  /**
   * When the breaker's bookkeeping throws, the call through it fails with what was thrown: the
   * outer layers hear that error (and may recover from it, as from any failure), and the call
   * rejects with it when they do not.
   */
  failed(error: unknown): PromiseLike<unknown> | undefined {
    try {
      this.breaker.recordFailure(error, this.context, this.generation, this.probe);
    } catch (thrown) {
      const recovery = this.outer?.failed(thrown);
      if (recovery === undefined) throw thrown;
      return recovery;
    }
    return this.outer?.failed(error);
  }
}

/**
 * A circuit breaker: after enough failures (per `breaker`) it opens and rejects calls at once with a
 * {@link BreakerOpenError} (`retryAfterMs` = time left), sparing a struggling dependency and the
 * caller's budget. After `halfOpenAfterMs` it is half-open: it admits up to `halfOpenMaxProbes`
 * probes at once (other calls get `BreakerOpenError` with `retryAfterMs` 0); a successful probe
 * closes it, a failed one opens it again.
 *
 * It schedules no timer: the state changes only when a call arrives or ends, which keeps it cheap
 * and lets tests drive it by advancing a clock. Save and restore it with `toJSON()` /
 * `initialState`.
 *
 * @example
 * ```ts
 * const breaker = circuitBreaker({ breaker: consecutiveBreaker(3), halfOpenAfterMs: 5000 });
 * breaker.onStateChange(({ from, to }) => log.warn({ from, to }, 'database breaker'));
 * const policy = wrap(retry({ maxAttempts: 5 }), breaker, timeout({ ms: 2000 }));
 * ```
 */
export function circuitBreaker(input: CircuitBreakerOptionsInput = {}): CircuitBreakerPolicy {
  return new CircuitBreakerPolicy(resolveCircuitBreakerOptions(input));
}
