/**
 * Time as a service. Every timer in phasegate goes through a {@link Clock}, so the same policy code
 * runs on the system clock in production and on virtual time in tests ({@link FakeClock}) and in the
 * simulator.
 */

import { abortReason } from './abort-reason.js';

/** Cancels a timer made by {@link Clock.timer}. Calling it twice is harmless. */
export type CancelTimer = () => void;

/**
 * A source of time and timers.
 *
 * @example
 * ```ts
 * await clock.sleep(250, signal); // rejects with signal.reason if aborted first
 * ```
 */
export interface Clock {
  /** Milliseconds since an arbitrary, fixed origin. Only differences are meaningful. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds. Rejects with `signal.reason` as soon as `signal` aborts, and
   * leaves no timer behind in that case.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `callback` once after `ms` milliseconds, unless the returned function is called first.
   * A timer never keeps the process alive on its own.
   */
  timer(ms: number, callback: () => void): CancelTimer;
}

/** The real clock: `performance.now()` and Node's timers (unref'd). */
export const systemClock: Clock = {
  now: () => performance.now(),
  timer(ms, callback) {
    const handle = setTimeout(callback, Math.max(0, ms));
    handle.unref();
    return () => clearTimeout(handle);
  },
  sleep(ms, signal) {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<void>((resolve, reject) => {
      const handle = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      const onAbort = (): void => {
        clearTimeout(handle);
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};

/** Wall-clock time in epoch milliseconds, for timestamps shown to people (never for durations). */
export const wallClockNow = (): number => Date.now();
