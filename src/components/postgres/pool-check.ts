import type { Clock } from '../../common/clock.js';
import type { PostgresPool } from './pool.js';

/**
 * The Postgres component's health check of one pool (internal).
 *
 * A `SELECT 1` waits in the acquire queue like any caller, so under load (every connection lent out,
 * callers queued) it would time out, turn the critical component `unhealthy` and take a busy but
 * working instance out of `/readyz`, pushing its traffic onto the rest of the fleet: a
 * readiness-probe cascade. So when no connection is idle, the check passes at once if a round trip
 * succeeded on any of the pool's connections since the previous check began (for the first check,
 * since the pool became ready) and none failed after it: each check vouches for its own interval,
 * whatever `checkIntervalMs` is. Otherwise it runs `SELECT 1`: at once on an idle connection, else
 * queued for one, bounded by the check's signal.
 *
 * A pool whose path went dark (no reply, no reset) with every connection lent out passes at most
 * one more check (the one whose interval still saw an answer); the next one queues and times out.
 */
export class PoolCheck {
  private since: number;

  /** `clock` is the pool's; the first check's interval starts now. */
  constructor(
    private readonly pool: PostgresPool,
    private readonly clock: Clock,
  ) {
    this.since = clock.now();
  }

  /** Resolve when the pool works; reject with the `SELECT 1`'s error or the abort reason. */
  async run(signal: AbortSignal): Promise<void> {
    const since = this.since;
    this.since = this.clock.now();
    if (this.pool.stats.idle === 0 && this.pool.workedSince(since)) return;
    await this.pool.query('SELECT 1', undefined, signal);
  }
}
