import type { FakeClock } from './fake-clock.js';

/** How a promise driven by {@link runUntilSettled} settled. */
export type Settled<T> =
  | {
      /** The promise resolved. */
      readonly ok: true;
      /** What it resolved with. */
      readonly value: T;
    }
  | {
      /** The promise rejected. */
      readonly ok: false;
      /** What it rejected with. */
      readonly error: unknown;
    };

/**
 * Advance `clock` timer by timer until `promise` settles, and say how it settled (a rejection of
 * `promise` resolves as `{ ok: false, error }`). Rejects itself when the promise is still pending but
 * no timer that can fire is left on the clock (it would hang), or after `limit` timers (something
 * keeps scheduling; a `limit` that is not a number >= 0 is a `RangeError`, since the guard would
 * never trip).
 *
 * @param limit Most timers to run. @default 10_000
 * @example
 * ```ts
 * const result = await runUntilSettled(clock, orchestrator.start());
 * expect(result.ok).toBe(false);
 * ```
 */
export async function runUntilSettled<T>(
  clock: FakeClock,
  promise: Promise<T>,
  limit = 10_000,
): Promise<Settled<T>> {
  if (!(limit >= 0)) throw new RangeError(`runUntilSettled: limit must be a number >= 0, got ${limit}`);
  let result: Settled<T> | undefined;
  promise.then(
    (value) => (result = { ok: true, value }),
    (error: unknown) => (result = { ok: false, error }),
  );
  // Let promise callbacks run before each timer, so that time stops where the promise settles.
  for (let timers = 0; ; timers++) {
    await new Promise((resolve) => setImmediate(resolve));
    if (result !== undefined) return result;
    if (timers >= limit) throw new Error(`runUntilSettled: still pending after ${limit} timers`);
    if (!(await clock.next())) {
      if (result !== undefined) return result;
      throw new Error('runUntilSettled: pending, but no timer that can fire is left on the clock');
    }
  }
}
