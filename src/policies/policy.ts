/**
 * The contract every policy (retry, timeout, circuit breaker, and their `wrap` composition) meets:
 * one `execute(fn, options)`.
 */

/** What an executed function is told about the attempt it runs in. */
export interface PolicyContext {
  /** Aborts when the caller aborts, the deadline passes, or a timeout policy gives up on the attempt. */
  readonly signal: AbortSignal;
  /**
   * Absolute deadline on the policy's clock (`Infinity` when unbounded): the caller's, or, inside a
   * timeout policy, when that timeout ends the attempt (never later than the caller's), so what
   * runs inside sees the time it really has.
   */
  readonly deadline: number;
  /** 1-based attempt number (set by the retry policy; 1 without one). */
  readonly attempt: number;
}

/** Cancellation and deadline for one `execute` call. A {@link Scope} fits this shape. */
export interface ExecuteOptions {
  /** Cancels the call. @default none */
  readonly signal?: AbortSignal | undefined;
  /** Absolute deadline on the policy's clock. @default Infinity */
  readonly deadline?: number | undefined;
}

/**
 * A resilience policy.
 *
 * @example
 * ```ts
 * const policy = wrap(retry({ maxAttempts: 5 }), circuitBreaker(), timeout({ ms: 2000 }));
 * const client = await policy.execute(({ signal }) => connect({ signal }), scope);
 * ```
 */
export interface Policy {
  /** Run `fn` under this policy. `options` may be an `AbortSignal`, or a signal plus a deadline. */
  execute<T>(
    fn: (context: PolicyContext) => PromiseLike<T> | T,
    options?: ExecuteOptions | AbortSignal,
  ): Promise<T>;
}
