/**
 * Time as a service. Every timer in phasegate goes through a {@link Clock}, so the same policy code
 * runs on the system clock in production and on virtual time in tests ({@link FakeClock}) and in the
 * simulator.
 */

import { sleepOnTimer, type TimerFn } from './sleep-on-timer.js';

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
   * Resolves after `ms` milliseconds (on the system clock the wait keeps the process alive). Rejects with `signal.reason` as soon as `signal` aborts, and
   * leaves no timer behind in that case.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `callback` once after `ms` milliseconds, unless the returned function is called first.
   * A timer never keeps the process alive on its own.
   */
  timer(ms: number, callback: () => void): CancelTimer;
}

/**
 * The longest delay a Node.js timer keeps: a longer one fires after 1 ms instead. The clock chains
 * longer waits; a delay handed to a driver's own timer must not exceed it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

function nodeTimer(ms: number, callback: () => void, keepAlive: boolean): CancelTimer {
  let handle: NodeJS.Timeout;
  const arm = (left: number): void => {
    handle = setTimeout(
      left > MAX_TIMER_MS ? () => arm(left - MAX_TIMER_MS) : callback,
      Math.min(left, MAX_TIMER_MS),
    );
    if (!keepAlive) handle.unref();
  };
  arm(Math.max(0, ms));
  return () => clearTimeout(handle);
}

const keepAliveTimer: TimerFn = (ms, callback) => nodeTimer(ms, callback, true);

/** The real clock: `performance.now()` and Node's timers (unref'd). */
export const systemClock: Clock = {
  now: () => performance.now(),
  timer: (ms, callback) => nodeTimer(ms, callback, false),
  // A sleep is awaited, so it keeps the process alive (unlike a deadline timer).
  sleep: (ms, signal) => sleepOnTimer(keepAliveTimer, ms, signal),
};

/** Wall-clock time in epoch milliseconds, for timestamps shown to people (never for durations). */
export const wallClockNow = (): number => Date.now();
