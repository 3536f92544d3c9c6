import { abortReason } from '../../common/abort-reason.js';
import type { CancelTimer, Clock } from '../../common/clock.js';

interface Waiter<T> {
  grant(value: T): void;
  fail(error: unknown): void;
}

/**
 * Callers waiting for a value (a free connection), served first come, first served. Each waits at
 * most `timeoutMs` on `clock`, or until its signal aborts; a waiter that leaves takes its timer and
 * listener with it, so nothing stays pending.
 */
export class WaiterQueue<T> {
  private readonly waiters: Array<Waiter<T>> = [];

  constructor(
    private readonly clock: Clock,
    /** Called whenever the queue's length changes. */
    private readonly onChange: () => void,
  ) {}

  /** Callers waiting now. */
  get length(): number {
    return this.waiters.length;
  }

  /**
   * Wait for a value. Rejects with `timeoutError()` after `timeoutMs`, or with the abort reason
   * when `signal` aborts.
   */
  wait(timeoutMs: number, timeoutError: () => unknown, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise<T>((resolve, reject) => {
      let cancelTimer: CancelTimer = () => undefined;
      const leave = (): void => {
        cancelTimer();
        signal?.removeEventListener('abort', onAbort);
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        this.onChange();
      };
      const waiter: Waiter<T> = {
        grant: (value) => {
          leave();
          resolve(value);
        },
        fail: (error) => {
          leave();
          reject(error);
        },
      };
      const onAbort = (): void => waiter.fail(abortReason(signal!));
      cancelTimer = this.clock.timer(timeoutMs, () => waiter.fail(timeoutError()));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.onChange();
    });
  }

  /** Hand `value` to the longest waiter; false when nobody waits. */
  grant(value: T): boolean {
    const first = this.waiters[0];
    if (!first) return false;
    first.grant(value);
    return true;
  }

  /** Reject every waiter with `error`. */
  failAll(error: unknown): void {
    for (const waiter of [...this.waiters]) waiter.fail(error);
  }
}
