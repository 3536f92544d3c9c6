import { abortReason } from './abort-reason.js';

/**
 * Settle like `promise`, but reject with the abort reason as soon as `signal` aborts. A value that
 * arrives after the abort is handed to `onLate` (to release a handle nobody will use); a failure of
 * `onLate` (thrown, or a promise it returns) is ignored, as is a late rejection.
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
    const onAbort = (): void => {
      late();
      reject(abortReason(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
