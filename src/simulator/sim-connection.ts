/**
 * The connection the simulated database hands out. It answers the handful of queries a starting
 * service sends (`SELECT 1`, `SHOW max_connections`, `SHOW superuser_reserved_connections`, counts
 * from `pg_stat_activity`) after a simulated round trip, and `end()` frees its backend slot.
 */

import type { Random } from '../common/random.js';
import type { BackendSlot, DatabaseModel } from './database.js';
import type { SimulationEngine } from './engine.js';
import { sample } from './range.js';

/** A query result in the shape `pg` returns. */
export interface SimQueryResult {
  readonly rows: Array<Record<string, unknown>>;
  readonly rowCount: number;
}

function connectionTerminated(): Error {
  return Object.assign(new Error('Connection terminated'), { code: 'ECONNRESET' });
}

function result(rows: Array<Record<string, unknown>>): SimQueryResult {
  return { rows, rowCount: rows.length };
}

/**
 * One open connection to the {@link DatabaseModel}.
 *
 * Queries it understands (case-insensitive, by pattern):
 * - `SELECT 1` → `[{ '?column?': 1 }]`;
 * - `SHOW max_connections` / `SHOW superuser_reserved_connections` → the setting, as text, as
 *   Postgres returns it;
 * - anything reading `pg_stat_activity` → one row whose numeric columns are the database's open
 *   connection count, under the names `count`, `total`, `used`, `open` and `connections` (the
 *   query's own aliases are not parsed);
 * - anything else → an empty result.
 */
export class SimConnection {
  private closed = false;

  constructor(
    private readonly engine: SimulationEngine,
    private readonly database: DatabaseModel,
    private readonly slot: BackendSlot,
    private readonly random: Random,
    private readonly onEnd: (connection: SimConnection) => void,
  ) {}

  /** True after {@link SimConnection.end} (or the owner died). */
  get ended(): boolean {
    return this.closed;
  }

  /** Run a query; resolves after one simulated round trip. */
  query(text: string, _values?: readonly unknown[]): Promise<SimQueryResult> {
    if (this.closed) return Promise.reject(connectionTerminated());
    return new Promise((resolve, reject) => {
      this.engine.timer(sample(this.database.options.queryMs, this.random), () => {
        if (this.closed) reject(connectionTerminated());
        else resolve(this.answer(text));
      });
    });
  }

  /** Close the connection and free its backend slot. Idempotent. */
  end(): Promise<void> {
    this.close();
    return Promise.resolve();
  }

  /** Close without a round trip (the owner process died). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.slot.release();
    this.onEnd(this);
  }

  private answer(text: string): SimQueryResult {
    const options = this.database.options;
    if (/show\s+max_connections/i.test(text)) {
      return result([{ max_connections: String(options.maxConnections) }]);
    }
    if (/show\s+superuser_reserved_connections/i.test(text)) {
      return result([{ superuser_reserved_connections: String(options.reserved) }]);
    }
    if (/pg_stat_activity/i.test(text)) {
      const n = this.database.open;
      return result([{ count: n, total: n, used: n, open: n, connections: n }]);
    }
    if (/^\s*select\s+1\b/i.test(text)) return result([{ '?column?': 1 }]);
    return result([]);
  }
}
