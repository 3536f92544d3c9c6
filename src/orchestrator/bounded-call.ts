import { abortReason } from '../common/abort-reason.js';
import type { Clock } from '../common/clock.js';
import { AttemptTimeoutError } from '../errors/attempt-timeout-error.js';

/** How a {@link boundedCall} ended. Never rejects: the outcome says what happened. */
export type BoundedOutcome<T> =
  | { readonly outcome: 'ok'; readonly value: T }
  | { readonly outcome: 'error'; readonly error: unknown }
  | { readonly outcome: 'timeout'; readonly error: AttemptTimeoutError }
  | { readonly outcome: 'aborted'; readonly error: unknown };

/**
 * Run `fn` for at most `ms` on `clock`. On timeout (or when `parent` aborts) the signal given to
 * `fn` aborts and the call resolves at once, whether or not `fn` honours the signal. The timer is
 * cancelled when the call ends, so nothing stays pending.
 */
export function boundedCall<T>(
  clock: Clock,
  ms: number,
  fn: (signal: AbortSignal) => PromiseLike<T> | T,
  parent?: AbortSignal,
): Promise<BoundedOutcome<T>> {
  const controller = new AbortController();
  return new Promise<BoundedOutcome<T>>((resolve) => {
    let settled = false;
    const finish = (result: BoundedOutcome<T>): void => {
      if (settled) return;
      settled = true;
      cancelTimer();
      parent?.removeEventListener('abort', onParentAbort);
      resolve(result);
    };
    const onParentAbort = (): void => {
      const error = abortReason(parent!);
      controller.abort(error);
      finish({ outcome: 'aborted', error });
    };
    const cancelTimer = clock.timer(ms, () => {
      const error = new AttemptTimeoutError(ms);
      controller.abort(error);
      finish({ outcome: 'timeout', error });
    });
    if (parent?.aborted) {
      onParentAbort();
      return;
    }
    parent?.addEventListener('abort', onParentAbort, { once: true });
    Promise.resolve()
      .then(() => fn(controller.signal))
      .then(
        (value) => finish({ outcome: 'ok', value }),
        (error: unknown) => finish({ outcome: 'error', error }),
      );
  });
}

export { raceAbort } from '../common/race-abort.js';
