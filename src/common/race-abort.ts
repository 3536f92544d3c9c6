import { abortReason } from './abort-reason.js';
import { unwatchAbort, watchAbort, type AbortWatcher, type WatchLink } from './abort-watch.js';

/** One race: rejects the raced promise's stand-in when the signal aborts first. */
class AbortRace implements AbortWatcher {
  watchPrev: WatchLink | undefined = undefined;
  watchNext: WatchLink | undefined = undefined;

  constructor(private readonly lost: (reason: unknown) => void) {}

  onAbort(reason: unknown): void {
    this.lost(reason);
  }
}

/**
 * Settle like `promise`, but reject with the abort reason as soon as `signal` aborts. A value that
 * arrives after the abort is handed to `onLate` (to release a handle nobody will use); a failure of
 * `onLate` (thrown, or a promise it returns) is ignored, as is a late rejection.
 *
 * However many races wait on one signal (every component of a phase races the phase's signal), the
 * signal gets a single `abort` listener ({@link watchAbort}): a listener each would trip Node's
 * MaxListenersExceededWarning ("Possible EventTarget memory leak detected") at 11.
 */
export function raceAbort<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  onLate: (value: T) => unknown,
): Promise<T> {
  const late = (): void => {
    promise.then(onLate).catch(() => undefined);
  };
  if (signal.aborted) {
    late();
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const race = new AbortRace((reason) => {
      late();
      reject(reason);
    });
    watchAbort(signal, race);
    promise.then(
      (value) => {
        unwatchAbort(race);
        resolve(value);
      },
      (error: unknown) => {
        unwatchAbort(race);
        reject(error);
      },
    );
  });
}
