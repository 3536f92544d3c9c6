import {
  ChainedPolicy,
  callNext,
  reportFailure,
  runInChain,
  toChainLink,
  type ChainLink,
  type OutcomeObserver,
  type PolicyFn,
} from './chain.js';
import { ConfigError } from '../errors/config-error.js';
import { toCallContext } from './context.js';
import type { ExecuteOptions, Policy, PolicyContext } from './policy.js';

/**
 * Several policies run as one. See {@link wrap}.
 */
export class WrappedPolicy extends ChainedPolicy {
  /** The policies, outermost first (nested wraps flattened). */
  readonly policies: readonly Policy[];
  private readonly links: readonly ChainLink[];

  /**
   * Use {@link wrap}, which checks that each argument is a policy.
   * @param policies Outermost first; a `WrappedPolicy` among them is flattened into its policies.
   */
  constructor(policies: readonly Policy[]) {
    super();
    const flat: Policy[] = [];
    for (const policy of policies) {
      if (policy instanceof WrappedPolicy) flat.push(...policy.policies);
      else flat.push(policy);
    }
    this.policies = flat;
    this.links = flat.map(toChainLink);
  }

  /**
   * Run `fn` through every policy, outermost first.
   *
   * @param options A signal, or `{ signal, deadline }` (deadline on the policies' clock); the
   *   deadline bounds every layer. Without it, only the policies' own limits apply.
   * @returns `fn`'s result. Rejects with what the outermost policy gives up with (e.g. a
   *   `RetryExhaustedError`), the abort reason, or a `ConfigError` for a deadline that is not a number.
   */
  override execute<T>(fn: PolicyFn<T>, options?: ExecuteOptions | AbortSignal): Promise<T> {
    const first = this.links[0];
    try {
      const context = toCallContext(options);
      if (first === undefined) return Promise.resolve(fn(context));
      return first[runInChain](fn, context, this.links, 1, undefined);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Only reached when a wrapped policy is chained without `wrap` flattening it (a foreign policy
   * calling it, say): run its links, then the rest of the outer chain.
   *
   * @internal
   */
  [runInChain]<T>(
    fn: PolicyFn<T>,
    context: PolicyContext,
    chain: readonly ChainLink[],
    next: number,
    observer: OutcomeObserver | undefined,
  ): Promise<T> {
    const rest: PolicyFn<T> = (inner) => callNext(fn, inner, chain, next, undefined);
    try {
      return Promise.resolve(callNext(rest, context, this.links, 0, observer));
    } catch (error) {
      return reportFailure(error, observer);
    }
  }
}

/**
 * Compose policies into one, outermost first: `wrap(retry, breaker, timeout)` retries calls that
 * pass through the breaker, each attempt under the timeout. The composition is itself a
 * {@link Policy} with one `execute(fn, options)`; the function sees the innermost context (its
 * `signal` aborts on the timeout, the caller's abort, or the deadline; `attempt` is the retry's
 * count). Built-in policies call one another directly, without a closure per layer.
 *
 * @example
 * ```ts
 * const policy = wrap(
 *   retry({ maxAttempts: Infinity, clock }),
 *   circuitBreaker({ breaker: consecutiveBreaker(3), halfOpenAfterMs: 5000, clock }),
 *   adaptiveTimeout({ initialMs: 5000, floorMs: 250, clock }),
 * );
 * await policy.execute(({ signal, attempt }) => connect({ signal }), scope); // scope: signal + deadline
 * ```
 *
 * @throws ConfigError (`PG_ERR_CONFIG`) when an argument is not a policy.
 */
export function wrap(...policies: Policy[]): WrappedPolicy {
  for (const [i, policy] of policies.entries()) {
    if (typeof policy?.execute !== 'function') {
      throw new ConfigError(
        `wrap() policies[${i}]`,
        `argument ${i} is not a policy (it has no execute method)`,
        'pass policies such as retry(), circuitBreaker(), timeout() or another wrap()',
      );
    }
  }
  return new WrappedPolicy(policies);
}
