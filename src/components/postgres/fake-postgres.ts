/**
 * A small Postgres stand-in on virtual time, for unit tests of the pool and its growth loop: it
 * opens connections after `connectMs` on the given clock, refuses them with 53300 past its limits,
 * answers the queries the pool sends (`SELECT 1`, `SHOW ...`, the usage query), and records what
 * happened (attempts, peak connections, peak concurrent opens).
 */

import { abortReason } from '../../common/abort-reason.js';
import type { Clock } from '../../common/clock.js';
import type { ConnectionFactory, PgConnection, PgQueryResult } from './connection.js';

/** Options of {@link FakePostgres}. */
export interface FakePostgresOptions {
  /** `max_connections`. @default 100 */
  readonly maxConnections?: number;
  /** `superuser_reserved_connections`. @default 3 */
  readonly superuserReserved?: number;
  /** The role's connection limit; -1 for none. @default -1 */
  readonly roleConnectionLimit?: number;
  /** Connections held by other clients. @default 0 */
  readonly otherConnections?: number;
  /** Time to open a connection. @default 10 */
  readonly connectMs?: number;
  /** Time of one query. @default 1 */
  readonly queryMs?: number;
}

/** An error with a SQLSTATE, as `pg` reports it. */
export function sqlError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'FATAL' });
}

class FakeConnection implements PgConnection {
  ended = false;
  private listeners: Array<(error: Error) => void> = [];

  constructor(private readonly server: FakePostgres) {}

  async query(text: string): Promise<PgQueryResult> {
    if (this.ended) throw Object.assign(new Error('Connection terminated'), { code: 'ECONNRESET' });
    await this.server.clock.sleep(this.server.queryMs);
    if (this.ended) throw Object.assign(new Error('Connection terminated'), { code: 'ECONNRESET' });
    this.server.queries.push(text);
    return { rows: this.server.answer(text) };
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.server.release(this);
  }

  on(_event: 'error', listener: (error: Error) => void): this {
    this.listeners.push(listener);
    return this;
  }

  /** The server dropped this connection. */
  kill(): void {
    if (this.ended) return;
    this.ended = true;
    this.server.release(this);
    for (const listener of this.listeners) listener(sqlError('57P01', 'terminating connection'));
  }
}

/**
 * A fake Postgres server.
 *
 * @example
 * ```ts
 * const server = new FakePostgres(clock, { maxConnections: 10, superuserReserved: 0 });
 * const pool = new PostgresPool({ factory: server.factory, clock, max: 5 });
 * ```
 */
export class FakePostgres {
  readonly clock: Clock;
  readonly connections = new Set<FakeConnection>();
  readonly queries: string[] = [];
  maxConnections: number;
  superuserReserved: number;
  roleConnectionLimit: number;
  otherConnections: number;
  connectMs: number;
  queryMs: number;
  /** Connection attempts started. */
  attempts = 0;
  /** Connects in flight right now, and the most at once. */
  opening = 0;
  peakOpening = 0;
  /** Most connections open at once. */
  peakOpen = 0;
  /** When set, decides the error of an attempt (1-based); `undefined` lets it through. */
  failAttempt: ((attempt: number) => Error | undefined) | undefined;

  constructor(clock: Clock, options: FakePostgresOptions = {}) {
    this.clock = clock;
    this.maxConnections = options.maxConnections ?? 100;
    this.superuserReserved = options.superuserReserved ?? 3;
    this.roleConnectionLimit = options.roleConnectionLimit ?? -1;
    this.otherConnections = options.otherConnections ?? 0;
    this.connectMs = options.connectMs ?? 10;
    this.queryMs = options.queryMs ?? 1;
  }

  /** Connections open now (this client's; other clients not counted). */
  get open(): number {
    return this.connections.size;
  }

  /** A {@link ConnectionFactory} for this server. */
  readonly factory: ConnectionFactory = async (signal) => {
    const attempt = ++this.attempts;
    this.opening++;
    this.peakOpening = Math.max(this.peakOpening, this.opening);
    try {
      await this.clock.sleep(this.connectMs, signal);
    } finally {
      this.opening--;
    }
    if (signal.aborted) throw abortReason(signal);
    const injected = this.failAttempt?.(attempt);
    if (injected) throw injected;
    const total = this.open + this.otherConnections;
    if (total >= this.maxConnections - this.superuserReserved) {
      throw sqlError('53300', 'sorry, too many clients already');
    }
    if (this.roleConnectionLimit >= 0 && this.open >= this.roleConnectionLimit) {
      throw sqlError('53300', 'too many connections for role "app"');
    }
    const connection = new FakeConnection(this);
    this.connections.add(connection);
    this.peakOpen = Math.max(this.peakOpen, this.open);
    return connection;
  };

  /** Drop `count` open connections from the server side. */
  kill(count = 1): void {
    for (const connection of [...this.connections].slice(0, count)) connection.kill();
  }

  /** @internal */
  release(connection: FakeConnection): void {
    this.connections.delete(connection);
  }

  /** @internal */
  answer(text: string): Array<Record<string, unknown>> {
    if (/show\s+max_connections/i.test(text)) return [{ max_connections: String(this.maxConnections) }];
    if (/show\s+superuser_reserved_connections/i.test(text)) {
      return [{ superuser_reserved_connections: String(this.superuserReserved) }];
    }
    if (/pg_stat_activity/i.test(text)) {
      const total = this.open + this.otherConnections;
      return [
        {
          reserved_connections: 0,
          total_connections: total,
          role_connections: this.open,
          database_connections: total,
          role_connection_limit: this.roleConnectionLimit,
          superuser: false,
          database_connection_limit: -1,
        },
      ];
    }
    return [{ '?column?': 1 }];
  }
}
