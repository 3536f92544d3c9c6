import type { Clock } from '../../common/clock.js';

/**
 * When a round trip on one of a pool's connections last succeeded, and whether the latest outcome
 * was a success (internal). The health check reads it: a pool whose connections are all lent out
 * but answering is working, and needs no queued `SELECT 1` to prove it.
 */
export class RoundTrips {
  private okAt = -Infinity;
  private lastOk = false;

  constructor(private readonly clock: Clock) {}

  /** Record an outcome: `true` for an answer (a verified open, a query answered), `false` for a connection-level failure. */
  record(ok: boolean): void {
    this.lastOk = ok;
    if (ok) this.okAt = this.clock.now();
  }

  /** Whether a round trip succeeded at or after `since` (clock time) and none failed after it. */
  succeededSince(since: number): boolean {
    return this.lastOk && this.okAt >= since;
  }
}
