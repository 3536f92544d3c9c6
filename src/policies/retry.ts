import { abortReason } from '../common/abort-reason.js';
import { Emitter, type Event } from '../common/events.js';
import { isRetryableClass, type ErrorClass } from '../errors/classification.js';
import { DeadlineExceededError } from '../errors/deadline-exceeded-error.js';
import type { Backoff, BackoffStep } from './backoff/backoff.js';
import {
  ChainedPolicy,
  callNext,
  observe,
  reportFailure,
  runInChain,
  type ChainLink,
  type OutcomeObserver,
  type PolicyFn,
} from './chain.js';
import { CallContext, abortableSignal } from './context.js';
import type { PolicyContext } from './policy.js';
import { RetryExhaustedError, type GiveUpReason } from './retry-exhausted-error.js';
import { requireNonNegative } from './validate.js';
import {
  resolveRetryOptions,
  type GiveUpEvent,
  type RetryEvent,
  type RetryOptions,
  type RetryOptionsInput,
  type RetrySuccessEvent,
} from './retry-options.js';

/** Something inside a chain that knows how long an attempt needs (an adaptive timeout). */
interface AttemptDurationHint {
  expectedAttemptMs(): number;
}

/**
 * Retries failures that may pass. See {@link retry}.
 */
export class RetryPolicy extends ChainedPolicy {
  private readonly retryEmitter = new Emitter<RetryEvent>();
  private readonly giveUpEmitter = new Emitter<GiveUpEvent>();
  private readonly successEmitter = new Emitter<RetrySuccessEvent>();
  /** Before each sleep. */
  readonly onRetry: Event<RetryEvent> = this.retryEmitter.event;
  /** When the policy stops trying (it then throws). */
  readonly onGiveUp: Event<GiveUpEvent> = this.giveUpEmitter.event;
  /** When an attempt succeeds. */
  readonly onSuccess: Event<RetrySuccessEvent> = this.successEmitter.event;

  /** Takes resolved options: {@link retry} resolves and validates them. */
  constructor(
    /** The resolved options. */
    readonly options: RetryOptions,
  ) {
    super();
  }

  /** @internal */
  [runInChain]<T>(
    fn: PolicyFn<T>,
    context: PolicyContext,
    chain: readonly ChainLink[],
    next: number,
    observer: OutcomeObserver | undefined,
  ): Promise<T> {
    const { clock } = this.options;
    const signal = abortableSignal(context);
    const startedAt = clock.now();
    const limit = Math.min(context.deadline, startedAt + this.options.maxElapsedMs);
    if (signal?.aborted) return reportFailure(this.abandon(signal, 0, startedAt), observer);
    if (limit !== Infinity) {
      let needMs: number;
      try {
        needMs = requireNonNegative('retry.minAttemptMs', this.minAttemptMs(chain, next));
      } catch (error) {
        // A link never throws synchronously (see ChainLink): a breaker outside this retry must hear
        // of the failure, or a half-open probe slot it admitted this call under stays taken.
        return reportFailure(error, observer);
      }
      const room = limit - startedAt;
      if (room <= 0 || room < needMs) {
        const why = new DeadlineExceededError('attempt', Math.max(0, room));
        const error = this.exhausted(limitReason(limit, context), 0, startedAt, why, 'transient');
        return reportFailure(error, observer);
      }
    }
    const call = new RetryCall(this, fn, context, chain, next, signal, startedAt, limit, observer);
    const attemptContext =
      context instanceof CallContext && context.attempt === 1 && limit === context.deadline
        ? context
        : new CallContext(signal, limit, 1);
    // The first attempt reports to `call`: on success nothing else runs; a failure starts the slow
    // path, whose outcome the call then settles with.
    return Promise.resolve(callNext(fn, attemptContext, chain, next, call));
  }

  /** The slow path: the first attempt failed; decide, sleep, and try again until done. @internal */
  async retryAfter<T>(call: RetryCall<T>, firstError: unknown): Promise<T> {
    const { clock } = this.options;
    const { signal, startedAt, limit } = call;
    let error = firstError;
    let attempt = 1;
    let lastChanceTaken = false;
    const { backoff, capacityBackoff } = this.options;
    // One progression per backoff, so a capacityBackoff that is `backoff` itself shares its steps.
    const steps = new Map<Backoff, BackoffStep>();
    for (;;) {
      if (signal?.aborted) throw this.abandon(signal, attempt, startedAt);
      const errorClass = this.options.classify(error);
      if (!isRetryableClass(errorClass))
        throw this.exhausted('not-retryable', attempt, startedAt, error, errorClass);
      if (attempt >= this.options.maxAttempts)
        throw this.exhausted('attempts', attempt, startedAt, error, errorClass);
      const chosen = errorClass === 'capacity' ? capacityBackoff : backoff;
      const previous = steps.get(chosen);
      const step = previous === undefined ? chosen.start(this.options.random) : previous.next();
      steps.set(chosen, step);
      const serverDelayMs = retryAfterOf(error);
      // A user's Backoff step without a `duration`, say, must not become a timer of NaN ms.
      const drawnMs = requireNonNegative(
        chosen === backoff ? 'retry.backoff' : 'retry.capacityBackoff',
        step.duration,
      );
      let delayMs = Math.max(drawnMs, serverDelayMs);
      let needMs = 0;
      if (limit !== Infinity) {
        needMs = requireNonNegative('retry.minAttemptMs', this.minAttemptMs(call.chain, call.next));
        const room = limit - (clock.now() + delayMs);
        if (room <= 0 || room < needMs) {
          // The drawn delay leaves no room for another attempt. Rather than give the rest of the
          // budget away, sleep only as long as still fits and make one last attempt: at a random
          // point in the later half of what fits (a fleet that started together does not retry in
          // step), never sooner than the server asked. Once per call: a second delay that does not
          // fit gives up (a delay drawn after the shortened sleep that does fit still runs).
          const fitsMs = limit - clock.now() - needMs;
          if (lastChanceTaken || needMs <= 0 || fitsMs <= serverDelayMs) {
            throw this.exhausted(limitReason(limit, call.context), attempt, startedAt, error, errorClass);
          }
          lastChanceTaken = true;
          const from = Math.max(serverDelayMs, fitsMs / 2);
          delayMs = from + (fitsMs - from) * this.options.random();
        }
      }
      if (this.retryEmitter.hasListeners) this.retryEmitter.emit({ attempt, delayMs, error, errorClass });
      try {
        await clock.sleep(delayMs, signal);
      } catch (sleepError) {
        if (signal?.aborted) throw this.abandon(signal, attempt, startedAt);
        throw sleepError;
      }
      // The sleep was planned to leave `needMs`; a timer that fired late (a busy event loop) may
      // have eaten into it. Check again rather than start an attempt that cannot finish.
      if (limit !== Infinity) {
        const left = limit - clock.now();
        if (left <= 0 || left < needMs) {
          throw this.exhausted(limitReason(limit, call.context), attempt, startedAt, error, errorClass);
        }
      }
      attempt++;
      try {
        const value = await attemptOnce(call, new CallContext(signal, limit, attempt));
        this.succeeded(call.startedAt, attempt);
        return value;
      } catch (attemptError) {
        error = attemptError;
      }
    }
  }

  /** An attempt succeeded. @internal */
  succeeded(startedAt: number, attempts: number): void {
    if (this.successEmitter.hasListeners) {
      this.successEmitter.emit({ attempts, elapsedMs: this.options.clock.now() - startedAt });
    }
  }

  /** The least time the next attempt needs (see {@link RetryOptionsInput.minAttemptMs}). */
  private minAttemptMs(chain: readonly ChainLink[], next: number): number {
    const { minAttemptMs } = this.options;
    if (typeof minAttemptMs === 'number') return minAttemptMs;
    if (typeof minAttemptMs === 'function') return minAttemptMs();
    for (let i = next; i < chain.length; i++) {
      const link = chain[i] as Partial<AttemptDurationHint>;
      if (typeof link.expectedAttemptMs === 'function') return link.expectedAttemptMs();
    }
    return 0;
  }

  private exhausted(
    reason: Exclude<GiveUpReason, 'aborted'>,
    attempts: number,
    startedAt: number,
    error: unknown,
    errorClass: ErrorClass,
  ): RetryExhaustedError {
    const elapsedMs = this.options.clock.now() - startedAt;
    if (this.giveUpEmitter.hasListeners) this.giveUpEmitter.emit({ attempts, error, reason, elapsedMs });
    return new RetryExhaustedError(reason, attempts, elapsedMs, error, errorClass);
  }

  /** The caller aborted: report it and hand back the abort reason to throw. */
  private abandon(signal: AbortSignal, attempts: number, startedAt: number): unknown {
    const error = abortReason(signal);
    if (this.giveUpEmitter.hasListeners) {
      const elapsedMs = this.options.clock.now() - startedAt;
      this.giveUpEmitter.emit({ attempts, error, reason: 'aborted', elapsedMs });
    }
    return error;
  }
}

/**
 * One `execute` call. It observes the first attempt: a success is reported on at once; a failure
 * is answered with the slow path's promise, which the call then settles with.
 */
class RetryCall<T> implements OutcomeObserver {
  /** Made by {@link RetryPolicy} once the first attempt has room before the deadline. */
  constructor(
    private readonly policy: RetryPolicy,
    /** The function the policy runs, at the end of `chain`. */
    readonly fn: PolicyFn<T>,
    /** The caller's context; its deadline tells a `deadline` give-up from an `elapsed` one. */
    readonly context: PolicyContext,
    /** The chain the retry is a link of; each attempt runs its links from `next` on, then `fn`. */
    readonly chain: readonly ChainLink[],
    /** Index in `chain` of the link after the retry. */
    readonly next: number,
    /** The caller's signal, or `undefined` when nothing can abort the call. */
    readonly signal: AbortSignal | undefined,
    /** When the call started, in ms on the policy's clock. */
    readonly startedAt: number,
    /** Deadline of the whole call: the caller's, or `maxElapsedMs` after the start if nearer. */
    readonly limit: number,
    private readonly outer: OutcomeObserver | undefined,
  ) {}

  /** The first attempt succeeded: report it to `onSuccess`, then to the outer observer. */
  succeeded(value: unknown): void {
    this.policy.succeeded(this.startedAt, 1);
    this.outer?.succeeded(value);
  }

  /**
   * The first attempt failed: returns the slow path's promise (the further attempts), which the
   * outer observer, when there is one, is told the outcome of.
   */
  failed(error: unknown): PromiseLike<unknown> {
    const rest = this.policy.retryAfter(this, error);
    return this.outer === undefined ? rest : observe(rest, this.outer);
  }
}

/** Run one attempt through the rest of the chain, as a promise (a synchronous throw rejects it). */
function attemptOnce<T>(call: RetryCall<T>, context: PolicyContext): Promise<T> {
  try {
    return Promise.resolve(callNext(call.fn, context, call.chain, call.next, undefined));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Which limit ran out: `maxElapsedMs` when it was nearer than the caller's deadline. */
function limitReason(limit: number, context: PolicyContext): 'elapsed' | 'deadline' {
  return limit < context.deadline ? 'elapsed' : 'deadline';
}

/** A wait the error asks for (`retryAfterMs`, as on a `BreakerOpenError`), or 0. */
function retryAfterOf(error: unknown): number {
  if (typeof error !== 'object' || error === null) return 0;
  const value = (error as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Retry what may pass: errors that `classify` marks `transient` or `capacity`. Anything else (a
 * bad password, our own misconfiguration, a bug) fails at once.
 *
 * - Sleeps between attempts follow `backoff` (by default decorrelated jitter from 100 ms to 10 s,
 *   so a fleet that failed together does not retry together), and after a `capacity` failure
 *   `capacityBackoff` when one is given (a full database deserves a longer wait than a network
 *   blink); an error carrying `retryAfterMs` (an open circuit breaker's `BreakerOpenError`) makes
 *   it sleep at least that long.
 * - It never starts an attempt, and never begins a sleep, when the attempt could not finish before
 *   the deadline (`ExecuteOptions.deadline` and `maxElapsedMs`, whichever is nearer). When the
 *   drawn delay would leave too little time (less than `minAttemptMs`) but a shorter one would not,
 *   it shortens that sleep, once per call, to a random point in the later half of what still
 *   fits, never shorter than `retryAfterMs` (so the budget is used, and a fleet that started
 *   together does not make its last attempts in step). When even that does not fit, or the sleep
 *   was already shortened once, or `minAttemptMs` is 0 (nothing says how long an attempt takes),
 *   it gives up at once instead of sleeping through the rest of the budget. Delays drawn after
 *   the shortened sleep that do fit (a short `transient` back-off after a long `capacity` one)
 *   still run. A sleep that ends late (a busy event loop fires timers late) is checked again: when
 *   it left less than `minAttemptMs`, it gives up instead of starting the attempt.
 * - When it gives up it throws a {@link RetryExhaustedError} whose `cause` is the last error and whose
 *   `classification` is that error's class. When the caller aborts it throws the abort reason at
 *   once (a sleep is cancelled; nothing is left pending). It does not interrupt a running attempt;
 *   put a {@link timeout} inside it for that.
 * - A `Backoff` step whose `duration`, or a `minAttemptMs` function whose result, is not a finite
 *   number >= 0 rejects the call with a `ConfigError` naming the option (never a NaN ms sleep). A
 *   `minAttemptMs` function that throws rejects the call with what it threw; `execute` never
 *   throws synchronously.
 *
 * @example
 * ```ts
 * const policy = retry({ maxAttempts: 5, backoff: fullJitterBackoff({ initialMs: 200, maxMs: 5000 }) });
 * policy.onRetry(({ attempt, delayMs, errorClass }) => log.info({ attempt, delayMs, errorClass }, 'retrying'));
 * const client = await policy.execute(({ signal }) => connect({ signal }), scope);
 * ```
 */
export function retry(input: RetryOptionsInput = {}): RetryPolicy {
  return new RetryPolicy(resolveRetryOptions(input));
}
