/**
 * phasegate's own connection pool, deliberately not a wrapper around `pg.Pool`:
 *
 * - its size is a live `target` (fair share, lowered on 53300) that the warm-up loop grows toward
 *   in the background, with a bound on concurrent opens, instead of a fixed max opened on demand;
 * - every connection is verified with a round trip before it counts;
 * - it runs over a {@link ConnectionFactory} and an injected {@link Clock}, so the simulator drives
 *   this exact code on virtual time against a simulated database.
 *
 * It hands out connections (acquire / release, FIFO waiters with a timeout), drops connections that
 * die, reports its figures on every change, and `end()` closes every connection, including ones
 * still being opened.
 */

import { abortReason } from '../../common/abort-reason.js';
import { Emitter, type Event } from '../../common/events.js';
import { AbortedError } from '../../errors/aborted-error.js';
import { ConfigError } from '../../errors/config-error.js';
import { settlesWithin } from '../../common/settles-within.js';
import { linkSignals, untilAborted } from '../abort.js';
import type { PgConnection, PgQueryResult } from './connection.js';
import { acquireTimeoutError, connectionLostError } from './pool-errors.js';
import { PendingOpen, type OpenHost } from './pending-open.js';
import type { PoolLease, PoolSession, PoolStats, PostgresPoolOptions } from './pool-types.js';
import { sameStats, validatePoolOptions } from './pool-types.js';
import { closeEntry, leaseOf, markEntryBroken, sessionOf, settleAfterRelease } from './pool-entry.js';
import type { Entry } from './pool-entry.js';
import { RoundTrips } from './round-trips.js';
import { WaiterQueue } from './waiter-queue.js';

export type { PoolLease, PoolSession, PoolStats, PostgresPoolOptions } from './pool-types.js';

/**
 * A Postgres connection pool with a live target.
 *
 * @example
 * ```ts
 * const pool = new PostgresPool({ factory: pgConnectionFactory(url), clock: systemClock, max: 10 });
 * await pool.openConnection();
 * const { rows } = await pool.query('SELECT now()');
 * await pool.end();
 * ```
 */
export class PostgresPool {
  private readonly entries = new Set<Entry>();
  private readonly idleList: Entry[] = [];
  private readonly waiters: WaiterQueue<Entry>;
  private readonly background = new Set<Promise<void>>();
  /** Connections being opened; `end()` aborts them. */
  private readonly opens = new Set<PendingOpen>();
  /** Created on first read of {@link PostgresPool.lifetime} (most pools never need one). */
  private lifetimeController: AbortController | undefined;
  private readonly changed = new Emitter<PoolStats>();
  private readonly openHost: OpenHost = {
    adopt: (connection) => this.add(connection),
    settled: (open) => {
      if (this.opens.delete(open)) this.emitChange();
    },
  };
  private readonly options: Required<PostgresPoolOptions>;
  private readonly roundTrips: RoundTrips;
  private readonly recordRoundTrip = (ok: boolean): void => this.roundTrips.record(ok);
  private targetValue: number;
  private ending: Promise<void> | undefined;
  private stoppedError: AbortedError | undefined;
  private lastEmitted: PoolStats | undefined;

  /** Fires whenever a figure of {@link PostgresPool.stats} changes. */
  readonly onChange: Event<PoolStats> = this.changed.event;

  /**
   * Opens nothing yet. The target starts at `options.target` (default `max`), lowered to `max`.
   *
   * @throws ConfigError naming the option (`PostgresPool.max`, ...) when `factory` is not a function,
   * `clock` not a Clock, `max` not an integer >= 1, `target` not an integer >= 0, `acquireTimeoutMs`
   * or `openTimeoutMs` not a finite number > 0, or `backgroundStopMs` not a finite number >= 0.
   */
  constructor(options: PostgresPoolOptions) {
    this.options = validatePoolOptions({
      ...options,
      // `??`, not defaults spread under the options: a key given as `undefined` gets its default.
      target: options.target ?? options.max,
      label: options.label ?? 'postgres',
      acquireTimeoutMs: options.acquireTimeoutMs ?? 10_000,
      openTimeoutMs: options.openTimeoutMs ?? 15_000,
      backgroundStopMs: options.backgroundStopMs ?? 2_000,
    });
    this.targetValue = Math.min(this.options.max, this.options.target);
    this.waiters = new WaiterQueue<Entry>(this.options.clock, () => this.emitChange());
    this.roundTrips = new RoundTrips(this.options.clock);
  }

  /** Current figures. */
  get stats(): PoolStats {
    return {
      open: this.entries.size,
      idle: this.idleList.length,
      waiting: this.waiters.length,
      opening: this.opens.size,
      target: this.targetValue,
      max: this.options.max,
    };
  }

  /** Connections open. */
  get open(): number {
    return this.entries.size;
  }

  /** Connections being opened. */
  get opening(): number {
    return this.opens.size;
  }

  /** The number of connections the pool aims to hold. */
  get target(): number {
    return this.targetValue;
  }

  /** Aborts when {@link PostgresPool.end} is called; background work bound to the pool uses it. */
  get lifetime(): AbortSignal {
    if (this.lifetimeController === undefined) {
      this.lifetimeController = new AbortController();
      if (this.closed) this.lifetimeController.abort(this.stopped());
    }
    return this.lifetimeController.signal;
  }

  /** Whether {@link PostgresPool.end} was called. */
  get closed(): boolean {
    return this.ending !== undefined;
  }

  /**
   * Set the target, rounded down and clamped to `[0, max]`.
   *
   * @throws ConfigError at `PostgresPool.setTarget` when `target` is not a number or is NaN.
   */
  setTarget(target: number): void {
    if (typeof target !== 'number' || Number.isNaN(target)) {
      throw new ConfigError(
        'PostgresPool.setTarget',
        `must be a number, got ${String(target)}`,
        'pass how many connections the pool should hold, e.g. 5',
      );
    }
    const next = Math.min(this.options.max, Math.max(0, Math.floor(target)));
    if (next === this.targetValue) return;
    this.targetValue = next;
    this.emitChange();
  }

  /**
   * The oldest open connection, for admission backends that hold a session lock on it, or
   * `undefined` when none. Callers may be borrowing it meanwhile: each statement sent through it
   * waits until the connection is not lent out, so it never runs inside a caller's transaction.
   * Its `end()` does nothing (the pool owns the connection); its `closed` signal aborts once the
   * connection is broken or closed.
   */
  firstConnection(): PoolSession | undefined {
    for (const entry of this.entries) if (!entry.broken) return sessionOf(entry, () => this.drop(entry));
    return undefined;
  }

  /**
   * Whether the pool is known to work without borrowing a connection: one is open and not broken,
   * a round trip on one of its connections (a borrower's query answered, a new connection
   * verified) succeeded at or after `since` (on the pool's clock), and no connection failed after
   * that (a connection-level error, a query cut short). The health check asks it when every
   * connection is lent out.
   */
  workedSince(since: number): boolean {
    if (!this.roundTrips.succeededSince(since)) return false;
    for (const entry of this.entries) if (!entry.broken) return true;
    return false;
  }

  /**
   * Open one connection, verify it with `SELECT 1`, and add it to the pool as idle. Bounded by
   * `openTimeoutMs`, `signal` and {@link PostgresPool.end} (which aborts it). Rejects with the
   * driver's error, an {@link AttemptTimeoutError}, or the abort reason; a failed open leaves
   * nothing open.
   */
  openConnection(signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(new AbortedError('The Postgres pool is closed'));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const open = new PendingOpen(this.openHost, signal);
    this.opens.add(open);
    this.emitChange();
    open.start(this.options.factory, this.options.clock, this.options.openTimeoutMs);
    return open.promise;
  }

  /** Borrow a connection, waiting up to `acquireTimeoutMs` (or until `signal` aborts). */
  acquire(signal?: AbortSignal): Promise<PoolLease> {
    if (this.closed) return Promise.reject(new AbortedError('The Postgres pool is closed'));
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const entry = this.idleList.shift();
    if (entry) {
      entry.busy = true;
      this.emitChange();
      return Promise.resolve(this.lease(entry));
    }
    return this.waiters
      .wait(
        this.options.acquireTimeoutMs,
        () => acquireTimeoutError(this.options.label, this.options.acquireTimeoutMs, this.stats),
        signal,
      )
      .then((granted) => this.lease(granted));
  }

  /** Run one statement on a borrowed connection. */
  async query(text: string, values?: readonly unknown[], signal?: AbortSignal): Promise<PgQueryResult> {
    const lease = await this.acquire(signal);
    try {
      return await untilAborted(lease.query(text, values), signal);
    } catch (error) {
      lease.release(signal?.aborted === true);
      throw error;
    } finally {
      lease.release();
    }
  }

  /**
   * Run `fn` with one connection (for a transaction), and give it back afterwards.
   *
   * @example
   * ```ts
   * await pool.withConnection(async (c) => { await c.query('BEGIN'); ...; await c.query('COMMIT'); });
   * ```
   */
  async withConnection<T>(fn: (lease: PoolLease) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const lease = await this.acquire(signal);
    try {
      return await fn(lease);
    } finally {
      lease.release();
    }
  }

  /** Resolves with the next change of {@link PostgresPool.stats}; rejects when `signal` aborts. */
  nextChange(signal: AbortSignal): Promise<PoolStats> {
    return new Promise<PoolStats>((resolve, reject) => {
      if (signal.aborted) return reject(abortReason(signal));
      const onAbort = (): void => {
        subscription.dispose();
        reject(abortReason(signal));
      };
      const subscription = this.changed.event((stats) => {
        subscription.dispose();
        signal.removeEventListener('abort', onAbort);
        resolve(stats);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * Run `task` in the background for as long as the pool lives. Its signal aborts on
   * {@link PostgresPool.end} (or when `signal` does); `end()` lets it finish within
   * `backgroundStopMs` before closing the connections.
   */
  runInBackground(task: (signal: AbortSignal) => Promise<void>, signal?: AbortSignal): void {
    const link = linkSignals(this.lifetime, signal);
    const run = Promise.resolve()
      .then(() => task(link.signal))
      .catch(() => undefined)
      .finally(() => {
        link.dispose();
        this.background.delete(run);
      });
    this.background.add(run);
  }

  /**
   * Stop background work and close every connection: idle, in use, and being opened. Waiters are
   * rejected. Idempotent; resolves when everything is closed.
   */
  end(): Promise<void> {
    this.ending ??= this.close();
    return this.ending;
  }

  /** The reason everything is cut short on `end()`, created only when something needs it. */
  private stopped(): AbortedError {
    return (this.stoppedError ??= new AbortedError('The Postgres pool was stopped'));
  }

  private async close(): Promise<void> {
    this.lifetimeController?.abort(this.stopped());
    if (this.opens.size > 0) {
      const opens = [...this.opens];
      this.opens.clear();
      for (const open of opens) open.abort(this.stopped());
    }
    if (this.waiters.length > 0) this.waiters.failAll(this.stopped());
    if (this.background.size > 0) {
      await settlesWithin(
        this.options.clock,
        this.options.backgroundStopMs,
        Promise.allSettled([...this.background]),
      );
    }
    const closing: Array<Promise<void>> = [];
    for (const entry of this.entries) {
      settleAfterRelease(entry, this.stopped());
      closing.push(closeEntry(entry));
    }
    this.entries.clear();
    this.idleList.length = 0;
    this.emitChange();
    if (closing.length > 0) await Promise.all(closing);
  }

  private add(connection: PgConnection): void {
    if (this.closed) throw this.stopped();
    const entry: Entry = { connection, broken: false, busy: false };
    connection.on?.('error', (error) => this.markBroken(entry, error));
    this.entries.add(entry);
    this.roundTrips.record(true); // its `SELECT 1` was answered
    this.makeAvailable(entry);
  }

  private lease(entry: Entry): PoolLease {
    const onRelease = (): void => {
      if (entry.broken || !this.entries.has(entry)) {
        settleAfterRelease(entry, this.closed ? this.stopped() : connectionLostError(this.options.label));
        this.drop(entry);
      } else {
        settleAfterRelease(entry);
        this.makeAvailable(entry);
      }
    };
    return leaseOf(entry, onRelease, this.recordRoundTrip);
  }

  private makeAvailable(entry: Entry): void {
    entry.busy = true;
    if (!this.waiters.grant(entry)) {
      entry.busy = false;
      this.idleList.push(entry);
    }
    this.emitChange();
  }

  private markBroken(entry: Entry, error: Error): void {
    markEntryBroken(entry, error);
    this.roundTrips.record(false);
    if (!entry.busy) this.drop(entry);
  }

  private drop(entry: Entry): void {
    const index = this.idleList.indexOf(entry);
    if (index >= 0) this.idleList.splice(index, 1);
    if (!this.entries.delete(entry)) return;
    void closeEntry(entry);
    this.emitChange();
  }

  private emitChange(): void {
    const stats = this.stats;
    if (this.lastEmitted && sameStats(this.lastEmitted, stats)) return;
    this.lastEmitted = stats;
    this.changed.emit(stats);
  }
}
