import { abortReason } from '../common/abort-reason.js';
import { unwatchAbort, watchAbort, type AbortWatcher } from '../common/abort-watch.js';
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
 * cancelled when the call ends, so nothing stays pending. Calls on one `parent` (a round of health
 * checks) share a single `abort` listener on it ({@link watchAbort}), so a dozen of them do not trip
 * Node's MaxListenersExceededWarning.
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
      unwatchAbort(watcher);
      resolve(result);
    };
    const watcher: AbortWatcher = {
      watchPrev: undefined,
      watchNext: undefined,
      onAbort: (error) => {
        controller.abort(error);
        finish({ outcome: 'aborted', error });
      },
    };
    const cancelTimer = clock.timer(ms, () => {
      const error = new AttemptTimeoutError(ms);
      controller.abort(error);
      finish({ outcome: 'timeout', error });
    });
    if (parent?.aborted) {
      watcher.onAbort(abortReason(parent));
      return;
    }
    if (parent !== undefined) watchAbort(parent, watcher);
    Promise.resolve()
      .then(() => fn(controller.signal))
      .then(
        (value) => finish({ outcome: 'ok', value }),
        (error: unknown) => finish({ outcome: 'error', error }),
      );
  });
}

export { raceAbort } from '../common/race-abort.js';
