import type { Clock } from './clock.js';

/**
 * Wait for `promise` to settle, but at most `ms` on `clock`: true when it settled in time (its value
 * or error is not looked at), false when the time ran out first. Never rejects, and leaves no timer
 * behind. The wait is a `clock.sleep`, so on the system clock it keeps the process alive until it
 * ends: a bounded cleanup step (a release, a `QUIT`) is not cut short by the process exiting.
 *
 * @example
 * ```ts
 * if (!(await settlesWithin(clock, 10_000, lease.release()))) connection.destroy();
 * ```
 */
export async function settlesWithin(
  clock: Clock,
  ms: number,
  promise: PromiseLike<unknown>,
): Promise<boolean> {
  const bound = new AbortController();
  const settled = Promise.resolve(promise).then(
    () => true,
    () => true,
  );
  const late = clock.sleep(ms, bound.signal).then(
    () => false,
    () => false,
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    bound.abort();
  }
}
