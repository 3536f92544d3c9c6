import type { Clock } from '../common/clock.js';
import { AttemptTimeoutError } from '../errors/attempt-timeout-error.js';
import { unwatchAbort, watchAbort, type AbortWatcher, type WatchLink } from '../common/abort-watch.js';
import { callNext, type ChainLink, type OutcomeObserver, type PolicyFn } from './chain.js';
import type { DeadlineEntry, DeadlineQueue } from './deadline-queue.js';
import type { PolicyContext } from './policy.js';

/** What a timeout policy learns from each attempt it bounds. @internal */
export interface AttemptObserver {
  /** Whether {@link AttemptObserver.succeeded} wants the latency (it costs two clock reads). */
  readonly tracksLatency: boolean;
  /** The attempt settled with a value after `latencyMs`. */
  succeeded(latencyMs: number): void;
  /** The attempt ran out of time; `cappedByDeadline` when the deadline, not the timeout, bound it. */
  timedOut(timeoutMs: number, cappedByDeadline: boolean, attempt: number): void;
}

/**
 * One attempt under a timeout, and the {@link PolicyContext} its function sees.
 *
 * It settles with the function's outcome, or rejects with an {@link AttemptTimeoutError} as soon as
 * its due time passes (the shared {@link DeadlineQueue} of the clock calls `expire`), or with the caller's abort reason as soon as the caller aborts, whichever comes
 * first; a late outcome is ignored. The outer layers' {@link OutcomeObserver} hears the outcome
 * first, and may replace a failure (a retry's further attempts). Its `signal` is created only when the function reads it (the
 * success path of a function that never looks allocates no `AbortController`), and is already
 * aborted if the attempt ended before that.
 *
 * @internal
 */
export class TimedAttempt<T> implements PolicyContext, DeadlineEntry, AbortWatcher {
  /** @internal */
  heapIndex = -1;
  /** @internal */
  watchPrev: WatchLink | undefined = undefined;
  /** @internal */
  watchNext: WatchLink | undefined = undefined;
  /** When the attempt times out, on the clock. */
  readonly due: number;
  /**
   * The deadline the function and the policies inside this one see: the attempt's due time (the
   * timeout, already capped by the caller's deadline), so a retry inside a timeout plans its sleeps
   * and its last attempt against the time the timeout leaves, not the caller's later deadline.
   */
  readonly deadline: number;
  readonly promise: Promise<T>;
  private resolve!: (value: T | PromiseLike<T>) => void;
  private reject!: (error: unknown) => void;
  private controller: AbortController | undefined;
  private reason: unknown;
  private aborted = false;
  private settled = false;

  constructor(
    private readonly observer: AttemptObserver,
    private readonly outcome: OutcomeObserver | undefined,
    private readonly clock: Clock,
    private readonly queue: DeadlineQueue,
    private readonly outer: AbortSignal | undefined,
    readonly attempt: number,
    private readonly timeoutMs: number,
    private readonly cappedByDeadline: boolean,
    private readonly startedAt: number,
  ) {
    this.due = startedAt + timeoutMs;
    this.deadline = this.due;
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    if (timeoutMs !== Infinity) queue.add(this);
    if (outer !== undefined) watchAbort(outer, this);
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Whether the attempt was cut short (what `signal.aborted` would say, without creating it). */
  get isAborted(): boolean {
    return this.aborted;
  }

  /** Start the function (through the rest of the chain) and return the settled outcome. */
  run(fn: PolicyFn<T>, chain: readonly ChainLink[], next: number): Promise<T> {
    let result: PromiseLike<T> | T;
    try {
      result = callNext(fn, this, chain, next, undefined);
    } catch (error) {
      this.fail(error);
      return this.promise;
    }
    if (isThenable(result)) {
      result.then(
        (value) => this.succeed(value),
        (error: unknown) => this.fail(error),
      );
    } else {
      this.succeed(result);
    }
    return this.promise;
  }

  /** The timeout passed (called by the deadline queue). @internal */
  expire(): void {
    if (this.settled) return;
    this.finish();
    const error = new AttemptTimeoutError(this.timeoutMs);
    this.abort(error);
    this.observer.timedOut(this.timeoutMs, this.cappedByDeadline, this.attempt);
    this.settleFailure(error);
  }

  /** The caller aborted. @internal */
  onAbort(reason: unknown): void {
    if (this.settled) return;
    this.finish();
    this.abort(reason);
    this.settleFailure(reason);
  }

  private succeed(value: T): void {
    if (this.settled) return;
    this.finish();
    try {
      if (this.observer.tracksLatency) this.observer.succeeded(this.clock.now() - this.startedAt);
      this.outcome?.succeeded(value);
    } catch (thrown) {
      // An outer layer's bookkeeping threw (a user's breaker strategy, say): the attempt is already
      // settled, so reject with that error rather than leave the call pending for ever.
      this.reject(thrown);
      return;
    }
    this.resolve(value);
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.finish();
    this.settleFailure(error);
  }

  /** Reject with `error`, unless the outer layers recover from it (a retry). */
  private settleFailure(error: unknown): void {
    if (this.outcome === undefined) {
      this.reject(error);
      return;
    }
    try {
      const recovery = this.outcome.failed(error);
      if (recovery === undefined) this.reject(error);
      else this.resolve(recovery as T | PromiseLike<T>);
    } catch (thrown) {
      this.reject(thrown);
    }
  }

  private abort(reason: unknown): void {
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }

  private finish(): void {
    this.settled = true;
    this.queue.remove(this);
    if (this.outer !== undefined) unwatchAbort(this);
  }
}

function isThenable<T>(value: PromiseLike<T> | T): value is PromiseLike<T> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
