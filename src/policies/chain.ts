import { toCallContext } from './context.js';
import type { ExecuteOptions, Policy, PolicyContext } from './policy.js';

/** The function a policy runs. */
export type PolicyFn<T> = (context: PolicyContext) => PromiseLike<T> | T;

/**
 * Key of the method through which composed policies call one another (see {@link wrap}).
 *
 * @internal
 */
export const runInChain: unique symbol = Symbol('phasegate.runInChain');

/**
 * Told the outcome of the rest of a chain before that outcome is handed back.
 *
 * This is how composed policies avoid a promise and a microtask hop per layer: a circuit breaker
 * that only needs to learn outcomes, and a retry that needs to replace failures, hand an observer
 * inward instead of each chaining a `then` onto the promise they get back. The link that settles
 * the call (a timeout's attempt, or {@link observe} at the end of the chain) reports to it.
 *
 * @internal
 */
export interface OutcomeObserver {
  /** The call succeeded with `value`. */
  succeeded(value: unknown): void;
  /**
   * The call failed with `error`. Returns what the call should settle with instead (a retry's
   * further attempts), or `undefined` to let the error through.
   */
  failed(error: unknown): PromiseLike<unknown> | undefined;
}

/**
 * One link of a policy chain: run `fn` under this policy, where "`fn`" means the rest of `chain`
 * from index `next` and then `fn` itself.
 *
 * A link never throws synchronously. When given an `observer` it reports to it exactly once, with
 * the outcome it is about to return, and returns what `observer.failed` gives back instead of the
 * error when that is not `undefined`.
 *
 * @internal
 */
export interface ChainLink {
  /** Run `fn` under this link, through the links of `chain` from `next` on. */
  [runInChain]<T>(
    fn: PolicyFn<T>,
    context: PolicyContext,
    chain: readonly ChainLink[],
    next: number,
    observer: OutcomeObserver | undefined,
  ): Promise<T>;
}

/** An empty chain: a policy executed on its own runs `fn` directly. */
export const NO_CHAIN: readonly ChainLink[] = [];

/**
 * Call the rest of the chain (or `fn` at its end). With an `observer`, the outcome is reported to
 * it and a promise is returned. Without one, `fn`'s own result is returned as it is, and a
 * synchronous throw from `fn` propagates.
 *
 * @internal
 */
export function callNext<T>(
  fn: PolicyFn<T>,
  context: PolicyContext,
  chain: readonly ChainLink[],
  next: number,
  observer: OutcomeObserver | undefined,
): PromiseLike<T> | T {
  const link = chain[next];
  if (link !== undefined) return link[runInChain](fn, context, chain, next + 1, observer);
  if (observer === undefined) return fn(context);
  let result: PromiseLike<T> | T;
  try {
    result = fn(context);
  } catch (error) {
    return reportFailure<T>(error, observer);
  }
  return observe(result, observer);
}

/** Settle with `result`, reporting its outcome to `observer` first. @internal */
export function observe<T>(result: PromiseLike<T> | T, observer: OutcomeObserver): Promise<T> {
  return Promise.resolve(result).then(
    (value) => {
      observer.succeeded(value);
      return value;
    },
    (error: unknown) => {
      const recovery = observer.failed(error);
      if (recovery === undefined) throw error;
      return recovery as PromiseLike<T>;
    },
  );
}

/** A call that fails with `error` before anything ran: report it and return the outcome. @internal */
export function reportFailure<T>(error: unknown, observer: OutcomeObserver | undefined): Promise<T> {
  if (observer === undefined) return Promise.reject(error);
  try {
    const recovery = observer.failed(error);
    return recovery === undefined ? Promise.reject(error) : Promise.resolve(recovery as PromiseLike<T>);
  } catch (thrown) {
    return Promise.reject(thrown);
  }
}

/** Whether `policy` is one of ours (it can take part in a chain directly). */
export function isChainLink(policy: unknown): policy is ChainLink {
  return (
    typeof policy === 'object' &&
    policy !== null &&
    typeof (policy as Partial<ChainLink>)[runInChain] === 'function'
  );
}

/**
 * A link for any {@link Policy}: ours are used as they are; a foreign one (only `execute`) is called
 * through its `execute`.
 *
 * @internal
 */
export function toChainLink(policy: Policy): ChainLink {
  if (isChainLink(policy)) return policy;
  return {
    [runInChain]<T>(
      fn: PolicyFn<T>,
      context: PolicyContext,
      chain: readonly ChainLink[],
      next: number,
      observer: OutcomeObserver | undefined,
    ) {
      let result: Promise<T>;
      try {
        result = policy.execute<T>((inner) => callNext(fn, inner, chain, next, undefined), context);
      } catch (error) {
        return reportFailure<T>(error, observer);
      }
      return observer === undefined ? result : observe(result, observer);
    },
  };
}

/**
 * Base class of the built-in policies: `execute` runs the policy as a chain of one.
 *
 * @internal
 */
export abstract class ChainedPolicy implements Policy, ChainLink {
  /**
   * Run `fn` under this policy. `options` may be an `AbortSignal`, or a signal plus a deadline; a
   * deadline that is not a number rejects with a `ConfigError`. Never throws synchronously: what
   * fails (a user's `Clock`, say) rejects the returned promise.
   */
  execute<T>(fn: PolicyFn<T>, options?: ExecuteOptions | AbortSignal): Promise<T> {
    try {
      return this[runInChain](fn, toCallContext(options), NO_CHAIN, 0, undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** See {@link ChainLink}. @internal */
  abstract [runInChain]<T>(
    fn: PolicyFn<T>,
    context: PolicyContext,
    chain: readonly ChainLink[],
    next: number,
    observer: OutcomeObserver | undefined,
  ): Promise<T>;
}
