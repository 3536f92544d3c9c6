import { ConfigError } from '../errors/config-error.js';
import type { ExecuteOptions, PolicyContext } from './policy.js';
import { TimedAttempt } from './timed-attempt.js';

/**
 * The {@link PolicyContext} a policy passes inward when it keeps the caller's signal.
 *
 * Its `signal` is the caller's. When the caller gave none, a fresh signal that never aborts is made
 * the first time someone reads it: the success path allocates no `AbortController`, and no two calls
 * share one signal on which forgotten listeners could pile up.
 *
 * @internal
 */
export class CallContext implements PolicyContext {
  private own: AbortSignal | undefined;

  constructor(
    /** The signal that can abort this call; `undefined` when nothing can. */
    readonly callerSignal: AbortSignal | undefined,
    readonly deadline: number,
    readonly attempt: number,
  ) {}

  get signal(): AbortSignal {
    return this.callerSignal ?? (this.own ??= new AbortController().signal);
  }
}

/**
 * The signal that can abort `context`, or `undefined` when nothing can. Does not allocate for a
 * {@link CallContext}.
 *
 * @internal
 */
export function abortableSignal(context: PolicyContext): AbortSignal | undefined {
  return context instanceof CallContext ? context.callerSignal : context.signal;
}

/**
 * Whether `context` was aborted, without creating its signal when it has not made one yet (a
 * {@link CallContext} or a timed attempt): what `context.signal.aborted` says.
 *
 * @internal
 */
export function isContextAborted(context: PolicyContext): boolean {
  if (context instanceof TimedAttempt) return context.isAborted;
  return abortableSignal(context)?.aborted === true;
}

/**
 * Normalise the `options` argument of `execute` (nothing, a signal, or a signal plus a deadline).
 * A deadline that is not a number is the caller's mistake: a {@link ConfigError} (`PG_ERR_CONFIG`,
 * never retried, exit 78), which `execute` returns as a rejected promise.
 *
 * @internal
 */
export function toCallContext(options: ExecuteOptions | AbortSignal | undefined): CallContext {
  if (options === undefined) return new CallContext(undefined, Infinity, 1);
  if (options instanceof AbortSignal) return new CallContext(options, Infinity, 1);
  const deadline = options.deadline ?? Infinity;
  if (typeof deadline !== 'number' || Number.isNaN(deadline)) {
    throw new ConfigError(
      'execute() options.deadline',
      `must be a number (a time on the policy's clock), got ${String(deadline)}`,
      'pass clock.now() + ms, a scope with a deadline, or leave it out for no deadline',
    );
  }
  const signal = options instanceof CallContext ? options.callerSignal : (options.signal ?? undefined);
  return new CallContext(signal, deadline, 1);
}
