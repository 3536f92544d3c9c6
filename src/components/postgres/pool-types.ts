import type { Clock } from '../../common/clock.js';
import {
  requireClock,
  requireFunction,
  requireInteger,
  requireNonNegative,
  requirePositive,
} from '../../policies/validate.js';
import type { ConnectionFactory, PgConnection, PgQueryResult } from './connection.js';

/** A pool's figures at one moment. */
export interface PoolStats {
  /** Connections open (idle + in use). */
  readonly open: number;
  /** Open connections not in use. */
  readonly idle: number;
  /** Callers waiting for a connection. */
  readonly waiting: number;
  /** Connections being opened right now. */
  readonly opening: number;
  /** How many connections the pool aims to hold. */
  readonly target: number;
  /** The configured upper bound; the target never exceeds it. */
  readonly max: number;
}

/** Options of {@link PostgresPool}. */
export interface PostgresPoolOptions {
  /** Opens one connection. */
  readonly factory: ConnectionFactory;
  /** Clock for every timer (acquire and open timeouts, background stop bound). */
  readonly clock: Clock;
  /** Upper bound of the target: an integer >= 1. */
  readonly max: number;
  /** Initial target: an integer >= 0; one above `max` is lowered to `max`. @default max */
  readonly target?: number;
  /** Redacted description of the server, for error messages. @default 'postgres' */
  readonly label?: string;
  /** How long `acquire` waits for a free connection, in ms (> 0). @default 10_000 */
  readonly acquireTimeoutMs?: number;
  /** Bound of one open, round trip included, in ms (> 0). @default 15_000 */
  readonly openTimeoutMs?: number;
  /**
   * How long `end()` lets background tasks finish (e.g. release an admission slot), in ms (>= 0).
   * @default 2_000
   */
  readonly backgroundStopMs?: number;
}

/**
 * The pool's own session on one of its connections ({@link PostgresPool.firstConnection}), for
 * statements such as an admission backend's advisory locks.
 */
export interface PoolSession extends PgConnection {
  /**
   * Aborts once the connection is closed or found broken (the server terminated it, a query on it
   * failed at the connection level, a caller destroyed it, the pool ended): its session, and any
   * session lock taken on it, is gone.
   */
  readonly closed: AbortSignal;
  /**
   * Close the connection when a statement sent through this session has not been answered (a
   * network path that went dark: no reply, no reset). The session, and any session lock taken on
   * it, ends with it; the pool drops the connection (a borrower of it sees it fail) and replaces
   * it like any lost connection. A statement still waiting for a borrower to give the connection
   * back was not sent, and does not count. @returns whether it closed the connection.
   */
  closeIfUnanswered(): boolean;
}

/** A connection borrowed from the pool; give it back with {@link PoolLease.release}. */
export interface PoolLease {
  /**
   * The borrowed connection. A statement sent on it directly is not seen by the pool: prefer
   * {@link PoolLease.query}, whose answers tell the component's health check that a pool with every
   * connection lent out still works (without them, that check queues for a connection).
   */
  readonly connection: PgConnection;
  /** Run a statement on it; a connection-level failure marks it broken. */
  query(text: string, values?: readonly unknown[]): Promise<PgQueryResult>;
  /** Give it back (`destroy` closes it instead). A second call does nothing. */
  release(destroy?: boolean): void;
}

/** Whether two snapshots have the same figures. */
export function sameStats(a: PoolStats, b: PoolStats): boolean {
  return (
    a.open === b.open &&
    a.idle === b.idle &&
    a.waiting === b.waiting &&
    a.opening === b.opening &&
    a.target === b.target &&
    a.max === b.max
  );
}

/**
 * The pool's options, checked: `postgresComponent` validates its own before, but a pool built
 * directly (it is exported) got none, and a `max` of 0 or NaN, or a timeout of NaN, made a pool
 * that never lends a connection or whose waits end at once, without a word. @internal
 */
export function validatePoolOptions(o: Required<PostgresPoolOptions>): Required<PostgresPoolOptions> {
  const path = (key: string): string => `PostgresPool.${key}`;
  requireFunction(path('factory'), o.factory);
  requireClock(path('clock'), o.clock);
  requireInteger(path('max'), o.max, 1);
  requireInteger(path('target'), o.target, 0);
  requirePositive(path('acquireTimeoutMs'), o.acquireTimeoutMs);
  requirePositive(path('openTimeoutMs'), o.openTimeoutMs);
  requireNonNegative(path('backgroundStopMs'), o.backgroundStopMs);
  return o;
}
