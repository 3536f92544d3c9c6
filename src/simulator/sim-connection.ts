/**
 * The connection the simulated database hands out. It answers the handful of queries a starting
 * service sends (`SELECT 1`, `SHOW max_connections`, `SHOW superuser_reserved_connections`, counts
 * from `pg_stat_activity`) after a simulated round trip, `end()` frees its backend slot, and a
 * database restart closes it from the server's side, as `pg` reports that.
 */

import type { Random } from '../index.js';
import type { BackendOwner, BackendSlot } from './backend.js';
import type { DatabaseModel } from './database.js';
import type { SimulationEngine } from './engine.js';
import { sample } from './range.js';
import { adminShutdown, type PostgresServerError } from './server-errors.js';

/** A listener of {@link SimConnection.on}. */
type ErrorListener = (error: Error) => void;

/** A query result in the shape `pg` returns. */
export interface SimQueryResult {
  /** The rows, one object per row keyed by column name. */
  readonly rows: Array<Record<string, unknown>>;
  /** Number of rows. */
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
 * - anything reading `pg_stat_activity` → one row with the columns of the Postgres component's
 *   usage query (`total_connections`, `role_connections`, `database_connections`: the database's
 *   open connections; `reserved_connections` 0; no role or database limit; not a superuser) and
 *   `count`; the query's own aliases are not parsed;
 * - `pg_try_advisory_lock($1, $2)` / `pg_advisory_unlock($1, $2)` → session-level advisory locks
 *   keyed by the bound values, released when the connection ends (what the Postgres admission
 *   backend uses); the boolean comes back under the query's `AS` alias;
 * - anything else → an empty result.
 *
 * When the database restarts, the server terminates the connection: it closes (its slot and its
 * advisory locks are freed), `'error'` listeners get a `57P01` error ("terminating connection due
 * to administrator command", `transient` to `classify()`), and every query, in flight or later,
 * rejects with one (a query in flight when its round trip would have ended). After the client's
 * own `end()`, queries reject with "Connection terminated" (`ECONNRESET`).
 */
export class SimConnection implements BackendOwner {
  private closed = false;
  /** The server terminated it (a restart). */
  private killed = false;
  /** `'error'` listeners (a pool registers one). */
  private errorListeners: ErrorListener[] | undefined = undefined;

  /**
   * Made by `SimulatedInfrastructure` for an admitted attempt; it becomes the owner of `slot`,
   * told when the server terminates it.
   * @param onEnd Called once, when the connection closes for any reason.
   */
  constructor(
    private readonly engine: SimulationEngine,
    private readonly database: DatabaseModel,
    private readonly slot: BackendSlot,
    private readonly random: Random,
    private readonly onEnd: (connection: SimConnection) => void,
  ) {
    slot.attach(this);
  }

  /** True after {@link SimConnection.end}, once the owner died, or once the server terminated it. */
  get ended(): boolean {
    return this.closed;
  }

  /**
   * Listen for the server terminating the connection (a database restart), as on a `pg.Client`.
   * Listeners are called once, with the server's `57P01` error; not after the client's own `end()`.
   */
  on(event: 'error', listener: ErrorListener): this {
    if (event === 'error') (this.errorListeners ??= []).push(listener);
    return this;
  }

  /** Run a query; resolves after one simulated round trip. */
  query(text: string, values?: readonly unknown[]): Promise<SimQueryResult> {
    if (this.closed) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => {
      this.engine.timer(sample(this.database.options.queryMs, this.random), () => {
        if (this.closed) reject(this.closedError());
        else resolve(this.answer(text, values));
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
    if (this.database.advisoryLockCount > 0) this.database.releaseSession(this);
    this.onEnd(this);
  }

  /** @internal The server terminated the backend (see {@link BackendOwner.terminated}). */
  terminated(error: PostgresServerError): void {
    if (this.closed) return;
    this.killed = true;
    this.close();
    const listeners = this.errorListeners ?? [];
    this.errorListeners = undefined;
    this.engine.touch();
    for (const listener of listeners) listener(error);
  }

  private closedError(): Error {
    return this.killed ? adminShutdown() : connectionTerminated();
  }

  private answer(text: string, values: readonly unknown[] | undefined): SimQueryResult {
    const options = this.database.options;
    const lock = /pg_(try_advisory_lock|advisory_unlock)\s*\(/i.exec(text);
    if (lock) {
      const key = (values ?? []).map(String).join(':');
      const column = /\bas\s+(\w+)/i.exec(text)?.[1] ?? lock[1]!.toLowerCase();
      const ok =
        lock[1]!.toLowerCase() === 'try_advisory_lock'
          ? this.database.tryAdvisoryLock(key, this)
          : this.database.advisoryUnlock(key, this);
      return result([{ [column]: ok }]);
    }
    if (/show\s+max_connections/i.test(text)) {
      return result([{ max_connections: String(options.maxConnections) }]);
    }
    if (/show\s+superuser_reserved_connections/i.test(text)) {
      return result([{ superuser_reserved_connections: String(options.reserved) }]);
    }
    if (/pg_stat_activity/i.test(text)) {
      // The columns of the Postgres component's SERVER_USAGE_QUERY, plus a plain `count`.
      const n = this.database.open;
      return result([
        {
          count: n,
          reserved_connections: 0,
          total_connections: n,
          role_connections: n,
          database_connections: n,
          role_connection_limit: -1,
          superuser: false,
          database_connection_limit: -1,
        },
      ]);
    }
    if (/^\s*select\s+1\b/i.test(text)) return result([{ '?column?': 1 }]);
    return result([]);
  }
}
