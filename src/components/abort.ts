import { abortReason } from '../common/abort-reason.js';
import { raceAbort } from '../common/race-abort.js';

/**
 * Settle like `promise`, but reject with the abort reason as soon as `signal` aborts. The listener
 * is removed when either happens. The work behind `promise` goes on: the caller must cancel it
 * (end the connection) itself. A thin use of {@link raceAbort} that ignores a late result.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return signal ? raceAbort(promise, signal, ignoreLate) : promise;
}

const ignoreLate = (): void => undefined;

/** A signal that aborts when any of `signals` does (with its reason); `dispose` detaches it. */
export function linkSignals(...signals: Array<AbortSignal | undefined>): {
  readonly signal: AbortSignal;
  abort(reason: unknown): void;
  dispose(): void;
} {
  const controller = new AbortController();
  const detach: Array<() => void> = [];
  for (const signal of signals) {
    if (!signal) continue;
    if (signal.aborted) {
      controller.abort(abortReason(signal));
      break;
    }
    const onAbort = (): void => controller.abort(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    detach.push(() => signal.removeEventListener('abort', onAbort));
  }
  const dispose = (): void => {
    for (const fn of detach.splice(0)) fn();
  };
  return {
    signal: controller.signal,
    abort: (reason) => {
      dispose();
      if (!controller.signal.aborted) controller.abort(reason);
    },
    dispose,
  };
}
