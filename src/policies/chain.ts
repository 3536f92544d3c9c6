import { type CallContext, toCallContext } from './context.js';
import type { ExecuteOptions, Policy, PolicyContext } from './policy.js';

/** The function a policy runs. */
export type PolicyFn<T> = (context: PolicyContext) => PromiseLike<T> | T;

/**
 * Key of the method through which composed policies call one another without allocating a closure
 * per layer (see {@link wrap}).
 *
 * @internal
 */
export const runInChain: unique symbol = Symbol('phasegate.runInChain');

/**
 * One link of a policy chain: run `fn` under this policy, where "`fn`" means the rest of `chain`
 * from index `next` and then `fn` itself.
 *
 * @internal
 */
export interface ChainLink {
  [runInChain]<T>(
    fn: PolicyFn<T>,
    context: PolicyContext,
    chain: readonly ChainLink[],
    next: number,
  ): Promise<T>;
}

/** An empty chain: a policy executed on its own runs `fn` directly. */
export const NO_CHAIN: readonly ChainLink[] = [];

/**
 * Call the rest of the chain (or `fn` at its end). May throw synchronously when `fn` does.
 *
 * @internal
 */
export function callNext<T>(
  fn: PolicyFn<T>,
  context: PolicyContext,
  chain: readonly ChainLink[],
  next: number,
): PromiseLike<T> | T {
  const link = chain[next];
  return link === undefined ? fn(context) : link[runInChain](fn, context, chain, next + 1);
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
    [runInChain]<T>(fn: PolicyFn<T>, context: PolicyContext, chain: readonly ChainLink[], next: number) {
      return policy.execute<T>((inner) => callNext(fn, inner, chain, next), context);
    },
  };
}

/**
 * Base class of the built-in policies: `execute` runs the policy as a chain of one.
 *
 * @internal
 */
export abstract class ChainedPolicy implements Policy, ChainLink {
  execute<T>(fn: PolicyFn<T>, options?: ExecuteOptions | AbortSignal): Promise<T> {
    let context: CallContext;
    try {
      context = toCallContext(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this[runInChain](fn, context, NO_CHAIN, 0);
  }

  abstract [runInChain]<T>(
    fn: PolicyFn<T>,
    context: PolicyContext,
    chain: readonly ChainLink[],
    next: number,
  ): Promise<T>;
}
