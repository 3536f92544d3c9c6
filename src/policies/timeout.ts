import { abortReason } from '../common/abort-reason.js';
import { systemClock, type Clock } from '../common/clock.js';
import { Emitter, type Event } from '../common/events.js';
import { DeadlineExceededError } from '../errors/deadline-exceeded-error.js';
import {
  ChainedPolicy,
  reportFailure,
  runInChain,
  type ChainLink,
  type OutcomeObserver,
  type PolicyFn,
} from './chain.js';
import { abortableSignal } from './context.js';
import { deadlineQueueFor, type DeadlineQueue } from './deadline-queue.js';
import type { PolicyContext } from './policy.js';
import { TimedAttempt, type AttemptObserver } from './timed-attempt.js';
import { requireClock, requirePositiveOrInfinity } from './validate.js';

/** Options of {@link timeout}. */
export interface TimeoutOptionsInput {
  /** Time one attempt may take, in ms. `Infinity` bounds attempts by the deadline only. */
  readonly ms: number;
  /** Clock of the timer. @default systemClock */
  readonly clock?: Clock;
}

/** {@link TimeoutOptionsInput}, resolved. */
export type TimeoutOptions = Required<TimeoutOptionsInput>;

/** Emitted when an attempt runs out of time. */
export interface TimeoutEvent {
  /** The timeout the attempt had, in ms. */
  readonly timeoutMs: number;
  /** Whether the deadline, not the timeout itself, set that limit. */
  readonly cappedByDeadline: boolean;
  /** The attempt number from the context (set by an outer retry). */
  readonly attempt: number;
}

/**
 * Bounds each call: the function's {@link PolicyContext.signal} aborts, and the call rejects at
 * once with an `AttemptTimeoutError` (class `transient`), when the timeout passes or the deadline
 * comes first; it also rejects at once with the caller's reason when the caller aborts. The
 * function's late outcome is ignored. A call whose deadline has already passed is not started: it
 * rejects with a `DeadlineExceededError`.
 *
 * Timers run on the injected clock. All timeouts on one clock share a single timer armed for the
 * earliest due time, and a caller's signal gets one abort listener however many calls watch it;
 * the context's signal is created only if the function reads it. So a call that succeeds without
 * looking at its signal costs a heap insertion and removal: no timer, listener or
 * `AbortController` of its own.
 */
export class TimeoutPolicy extends ChainedPolicy implements AttemptObserver {
  /** Whether attempts report their latency (the adaptive timeout needs it). @internal */
  readonly tracksLatency: boolean = false;
  protected readonly clock: Clock;
  private readonly queue: DeadlineQueue;
  private readonly timeoutEmitter = new Emitter<TimeoutEvent>();
  /** Fires when an attempt runs out of time. */
  readonly onTimeout: Event<TimeoutEvent> = this.timeoutEmitter.event;

  /**
   * Use {@link timeout}, which validates `ms`.
   * @param clock Clock of the timers.
   * @param ms The timeout of each attempt, in ms (> 0, or `Infinity` for none).
   */
  constructor(
    clock: Clock,
    private readonly ms: number,
  ) {
    super();
    this.clock = clock;
    this.queue = deadlineQueueFor(clock);
  }

  /**
   * The timeout the next attempt gets: the configured one, capped by the time left before
   * `deadline` (never negative).
   *
   * @param deadline Absolute deadline on the clock. @default Infinity
   */
  currentTimeoutMs(deadline = Infinity): number {
    const base = this.baseTimeoutMs();
    if (deadline === Infinity) return base;
    return Math.max(0, Math.min(base, deadline - this.clock.now()));
  }

  /** The timeout before the deadline cap. */
  protected baseTimeoutMs(): number {
    return this.ms;
  }

  /** @internal */
  succeeded(_latencyMs: number): void {}

  /** @internal */
  timedOut(timeoutMs: number, cappedByDeadline: boolean, attempt: number): void {
    if (this.timeoutEmitter.hasListeners) this.timeoutEmitter.emit({ timeoutMs, cappedByDeadline, attempt });
  }

  /** @internal */
  [runInChain]<T>(
    fn: PolicyFn<T>,
    context: PolicyContext,
    chain: readonly ChainLink[],
    next: number,
    observer: OutcomeObserver | undefined,
  ): Promise<T> {
    const outer = abortableSignal(context);
    if (outer?.aborted) return reportFailure(abortReason(outer), observer);
    const deadline = context.deadline;
    let ms = this.baseTimeoutMs();
    let capped = false;
    const now = this.clock.now();
    if (deadline !== Infinity) {
      const remaining = deadline - now;
      if (remaining <= 0) return reportFailure(new DeadlineExceededError('attempt', 0), observer);
      if (remaining < ms) {
        ms = remaining;
        capped = true;
      }
    }
    const attempt = new TimedAttempt<T>(
      this,
      observer,
      this.clock,
      this.queue,
      outer,
      context.attempt,
      ms,
      capped,
      now,
    );
    return attempt.run(fn, chain, next);
  }
}

/**
 * A static timeout: every attempt gets `ms`, or less when the deadline is nearer.
 *
 * @example
 * ```ts
 * const policy = timeout({ ms: 2000 });
 * await policy.execute(({ signal }) => fetch(url, { signal }), scope);
 * ```
 */
export function timeout(input: TimeoutOptionsInput): TimeoutPolicy {
  const options: TimeoutOptions = { ms: input.ms, clock: input.clock ?? systemClock };
  requirePositiveOrInfinity('timeout.ms', options.ms);
  requireClock('timeout.clock', options.clock);
  return new TimeoutPolicy(options.clock, options.ms);
}
