import type { FakeClock } from './fake-clock.js';

/** How a promise driven by {@link runUntilSettled} settled. */
export type Settled<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

/**
 * Advance `clock` timer by timer until `promise` settles, and say how it settled (never rejects).
 * Throws when the promise is still pending but nothing is left on the clock (it would hang), or
 * after `limit` timers (something keeps scheduling).
 *
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
  let result: Settled<T> | undefined;
  promise.then(
    (value) => (result = { ok: true, value }),
    (error: unknown) => (result = { ok: false, error }),
  );
  for (let timers = 0; result === undefined; timers++) {
    if (timers >= limit) throw new Error(`runUntilSettled: still pending after ${limit} timers`);
    const moved = await clock.next();
    if (!moved && result === undefined) {
      await new Promise((resolve) => setImmediate(resolve));
      if (result === undefined)
        throw new Error('runUntilSettled: pending, but no timer is left on the clock');
    }
  }
  return result;
}
