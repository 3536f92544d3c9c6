import type { CancelTimer, Clock } from '../common/clock.js';
import { sleepOnTimer } from '../common/sleep-on-timer.js';

interface Sleeper {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** More timers than this at one instant, without time moving on, is a loop that would never end. */
const SAME_INSTANT_LIMIT = 100_000;

/**
 * A {@link Clock} on virtual time, for tests and the simulator. Nothing happens until you advance
 * it: {@link FakeClock.advance} runs every timer that falls due, in time order (ties in creation
 * order), letting promise callbacks settle between timers so that chains of sleeps behave as they
 * would on real time. `advance`, `next` and `runAll` take turns: one called while another is
 * running (from a timer's callback, or not awaited) starts when that one has finished.
 *
 * @example
 * ```ts
 * const clock = new FakeClock();
 * const done = clock.sleep(1000);
 * await clock.advance(1000); // `done` is resolved now
 * expect(clock.pending).toBe(0);
 * ```
 */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly queue: Sleeper[] = [];
  /** Calls of `advance`, `next` and `runAll` running or waiting for their turn. */
  private turns = 0;
  /** Settles when the last of them has finished. */
  private lastTurn: Promise<void> = Promise.resolve();

  /** @param start Initial virtual time in ms, a finite number (else a `RangeError`). @default 0 */
  constructor(start = 0) {
    if (!Number.isFinite(start)) {
      throw new RangeError(`FakeClock: start must be a finite number of ms, got ${start}`);
    }
    this.time = start;
  }

  /** The virtual time in ms: the start time plus every `advance` so far. */
  now(): number {
    return this.time;
  }

  /**
   * Call `callback` once the virtual time reaches now + `ms`, during a later `advance`, `next` or
   * `runAll`. A negative or `NaN` `ms` counts as 0, as on the system clock and in the simulator. The
   * returned function cancels it.
   */
  timer(ms: number, callback: () => void): CancelTimer {
    // `ms > 0` rather than `Math.max(0, ms)`: a NaN due time would compare false with every other
    // one, so it would sort anywhere, never fall due in `advance`, and make `runAll` set the time
    // to NaN.
    const sleeper: Sleeper = { at: this.time + (ms > 0 ? ms : 0), seq: this.seq++, callback };
    this.insert(sleeper);
    return () => {
      const index = this.queue.indexOf(sleeper);
      if (index >= 0) this.queue.splice(index, 1);
    };
  }

  /**
   * Resolve once the virtual time has moved on by `ms`. Rejects with `signal.reason` as soon as
   * `signal` aborts, and then leaves no timer behind.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOnTimer((delay, callback) => this.timer(delay, callback), ms, signal);
  }

  /** Number of timers waiting to fire. A finished or aborted operation should leave 0. */
  get pending(): number {
    return this.queue.length;
  }

  /** Due times of the pending timers, earliest first (for assertions). */
  get pendingTimes(): number[] {
    return this.queue.map((s) => s.at);
  }

  /**
   * Move time forward by `ms`, running every timer that falls due on the way, in order. Promise
   * callbacks settle before each timer runs and after the last one. A timer that schedules another
   * one due by the target time (a periodic timer) has it run in the same call. Rejects once more
   * than 100 000 timers have run at one instant (something keeps rescheduling itself with a delay
   * of 0, which would never end).
   *
   * Called while another `advance`, `next` or `runAll` is running (from a timer's callback, or
   * without awaiting the first), it waits for that one to finish and then moves on by its own `ms`:
   * time never goes back, and {@link FakeClock.now} stays the start plus every `advance`. The one
   * exception: a timer callback that throws ends the call there (as it would end the process on the
   * system clock). It rejects with that error, the time stays at that timer's due time, and the
   * timers after it stay pending for the next call. `next` and `runAll` stop the same way.
   *
   * @param ms A finite number of ms, 0 or more (0 runs the timers due now); anything else rejects
   *   with a `RangeError`, since time never goes back. To run every timer whatever its due time, use
   *   {@link FakeClock.runAll}.
   */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0 && Number.isFinite(ms))) {
      return Promise.reject(
        new RangeError(
          `FakeClock.advance: ms must be a finite number >= 0, got ${ms}; use runAll() to run every pending timer`,
        ),
      );
    }
    return this.inTurn(() => this.advanceNow(ms));
  }

  private async advanceNow(ms: number): Promise<void> {
    // Taken when this call's turn comes: one that waited starts where the one before it ended.
    const target = this.time + ms;
    await settle();
    let atThisInstant = 0;
    for (;;) {
      const next = this.queue[0];
      if (!next || next.at > target) break;
      if (next.at > this.time) atThisInstant = 0;
      else if (++atThisInstant > SAME_INSTANT_LIMIT) {
        throw new Error(
          `FakeClock.advance: more than ${SAME_INSTANT_LIMIT} timers at t=${this.time} ms without time moving on; is something rescheduling itself with a delay of 0?`,
        );
      }
      this.queue.shift();
      this.time = Math.max(this.time, next.at);
      next.callback();
      await settle();
    }
    this.time = target;
    await settle();
  }

  /**
   * Advance to the next pending timer and run it (and any due at the same instant). Returns `false`
   * when no timer can fire: none is pending, or only timers of infinite delay, which never fire.
   */
  next(): Promise<boolean> {
    return this.inTurn(async () => {
      await settle();
      const next = this.queue[0];
      if (!next || next.at === Infinity) return false;
      await this.advanceNow(next.at - this.time);
      return true;
    });
  }

  /**
   * Run timers, in order, until none that can fire is left, and return how many ran. A timer of
   * infinite delay (`sleep(Infinity)`) never fires, as on the system clock: it stays pending and the
   * time stays finite.
   *
   * @param limit Rejects with an error once `limit` timers have run and more are due (a loop that
   *   keeps scheduling); a `RangeError` if it is not a number >= 0. @default 10_000
   */
  runAll(limit = 10_000): Promise<number> {
    if (!(limit >= 0)) {
      return Promise.reject(new RangeError(`FakeClock.runAll: limit must be a number >= 0, got ${limit}`));
    }
    return this.inTurn(() => this.runAllNow(limit));
  }

  private async runAllNow(limit: number): Promise<number> {
    let count = 0;
    await settle();
    while (this.queue.length > 0 && this.queue[0]!.at !== Infinity) {
      if (count >= limit) {
        throw new Error(
          `FakeClock.runAll: more than ${limit} timers, now at t=${this.time} ms; is something looping? ` +
            'A periodic timer (a health check, a refresh) never runs out: use advance(ms), or ' +
            'runUntilSettled(clock, promise) to run until a promise settles',
        );
      }
      const next = this.queue.shift()!;
      this.time = Math.max(this.time, next.at);
      next.callback();
      count++;
      await settle();
    }
    return count;
  }

  /**
   * Run `op` now if no `advance`, `next` or `runAll` is running, else once those called before it
   * have finished (however they ended). Running two at once would let each move the time to its
   * own target: the time could go back, and two `advance(20)` would add up to 20.
   */
  private inTurn<T>(op: () => Promise<T>): Promise<T> {
    const inTurn = async (): Promise<T> => {
      try {
        return await op();
      } finally {
        // Before the caller resumes: a call made right after `await advance()` starts at once.
        this.turns--;
      }
    };
    const result = this.turns++ === 0 ? inTurn() : this.lastTurn.then(inTurn);
    this.lastTurn = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private insert(sleeper: Sleeper): void {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.queue[mid]!;
      if (other.at < sleeper.at || (other.at === sleeper.at && other.seq < sleeper.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, sleeper);
  }
}

/**
 * Let every pending promise callback run. Node drains the whole microtask queue before a
 * `setImmediate` callback, so one macrotask turn settles any chain of awaits; no wall-clock time is
 * waited for.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
