/**
 * A small Postgres stand-in on virtual time, for unit tests of the pool and its growth loop: it
 * opens connections after `connectMs` on the given clock, refuses them with 53300 past its limits,
 * answers the queries the pool sends (`SELECT 1`, `SHOW ...`, the usage query) and the Postgres
 * admission's advisory locks (held per connection, freed when it ends), and records what happened
 * (attempts, peak connections, peak concurrent opens).
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

/** A connection to a {@link FakePostgres}; its queries take `queryMs` each. */
class FakeConnection implements PgConnection {
  /** Set once it was ended by the client or dropped by the server. */
  ended = false;
  private listeners: Array<(error: Error) => void> = [];
  /** Queries left unanswered ({@link FakePostgres.unanswered}); closing the connection fails them. */
  private hanging: Array<() => void> = [];

  /** Made by {@link FakePostgres.factory} for each connection it opens. */
  constructor(private readonly server: FakePostgres) {}

  /** Answers `text` after `queryMs`; rejects with ECONNRESET once ended. */
  async query(text: string, values?: readonly unknown[]): Promise<PgQueryResult> {
    if (this.ended) throw Object.assign(new Error('Connection terminated'), { code: 'ECONNRESET' });
    if (this.server.unanswered?.(text) === true) {
      await new Promise<void>((resolve) => this.hanging.push(resolve));
    } else {
      await this.server.clock.sleep(this.server.queryMs);
    }
    if (this.ended) throw Object.assign(new Error('Connection terminated'), { code: 'ECONNRESET' });
    this.server.queries.push(text);
    return { rows: this.server.answer(text, values, this) };
  }

  /** Closes it from the client side (again: no-op). */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.server.release(this);
    this.failHanging();
  }

  /** Adds a listener told (57P01) when the server drops the connection. */
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
    this.failHanging();
  }

  /** The connection is gone: the unanswered queries fail (ECONNRESET, below). */
  private failHanging(): void {
    const hanging = this.hanging;
    this.hanging = [];
    for (const wake of hanging) wake();
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
  /** The clock connects and queries wait on. */
  readonly clock: Clock;
  /** Connections open now (this client's). */
  readonly connections = new Set<FakeConnection>();
  /** Text of every query answered, in order. */
  readonly queries: string[] = [];
  /**
   * `max_connections`: {@link FakePostgresOptions.maxConnections}, 100 if not given. May be changed during a
   * test.
   */
  maxConnections: number;
  /**
   * `superuser_reserved_connections`: {@link FakePostgresOptions.superuserReserved}, 3 if not given. May be
   * changed during a test.
   */
  superuserReserved: number;
  /**
   * The role's connection limit, -1 for none: {@link FakePostgresOptions.roleConnectionLimit}, -1 if not
   * given. May be changed during a test.
   */
  roleConnectionLimit: number;
  /**
   * Connections held by other clients: {@link FakePostgresOptions.otherConnections}, 0 if not given. May be
   * changed during a test.
   */
  otherConnections: number;
  /**
   * Time to open a connection, in ms: {@link FakePostgresOptions.connectMs}, 10 if not given. May be changed
   * during a test.
   */
  connectMs: number;
  /**
   * Time of one query, in ms: {@link FakePostgresOptions.queryMs}, 1 if not given. May be changed during a
   * test.
   */
  queryMs: number;
  /** Connection attempts started. */
  attempts = 0;
  /** Connects in flight right now (the most at once is {@link FakePostgres.peakOpening}). */
  opening = 0;
  /** Most connects in flight at once. */
  peakOpening = 0;
  /** Most connections open at once. */
  peakOpen = 0;
  /** Advisory locks held, keyed `key/slot`, with the connection holding each. */
  readonly advisoryLocks = new Map<string, FakeConnection>();
  /** When set, decides the error of an attempt (1-based); `undefined` lets it through. */
  failAttempt: ((attempt: number) => Error | undefined) | undefined;
  /**
   * When set, a query whose text it accepts is never answered, as on a network path that went dark
   * (no reply, no reset), until its connection is closed, which fails it with ECONNRESET. `() =>
   * true` makes the whole server dark (a new connection's verifying `SELECT 1` hangs too).
   */
  unanswered: ((text: string) => boolean) | undefined;

  /**
   * @param clock Clock the connect and query delays sleep on (a `FakeClock` in tests).
   * @param options Initial settings; a missing one takes the default its field names.
   */
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

  /** Drop `count` open connections (default 1) from the server side. */
  kill(count = 1): void {
    for (const connection of [...this.connections].slice(0, count)) connection.kill();
  }

  /** @internal */
  release(connection: FakeConnection): void {
    this.connections.delete(connection);
    for (const [lock, holder] of this.advisoryLocks)
      if (holder === connection) this.advisoryLocks.delete(lock);
  }

  /** @internal */
  answer(
    text: string,
    values: readonly unknown[] = [],
    from?: FakeConnection,
  ): Array<Record<string, unknown>> {
    const lock = values.join('/');
    if (/pg_try_advisory_lock/i.test(text)) {
      const holder = this.advisoryLocks.get(lock);
      if (holder === undefined && from) this.advisoryLocks.set(lock, from);
      return [{ locked: holder === undefined || holder === from }];
    }
    if (/pg_advisory_unlock/i.test(text)) {
      const mine = this.advisoryLocks.get(lock) === from;
      if (mine) this.advisoryLocks.delete(lock);
      return [{ unlocked: mine }];
    }
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
