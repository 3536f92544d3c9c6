import type pg from 'pg';
import { settlesWithin } from '../common/settles-within.js';
import { Scope } from '../common/scope.js';
import { abortReason } from '../common/abort-reason.js';
import { raceAbort } from '../common/race-abort.js';
import { lazyModule } from '../common/lazy-module.js';
import { describePostgresTarget } from '../components/postgres/connection.js';
import { linkSignals } from '../components/abort.js';
import { toDependencyError } from '../components/dependency-error.js';
import {
  checkRequest,
  resolveCommonOptions,
  type AdmissionCommonOptions,
  type AdmissionCommonOptionsInput,
  type AdmissionRequest,
  type FleetAdmission,
  type FleetAdmissionLease,
} from './admission.js';
import { AdmissionClosedError } from './admission-closed-error.js';
import { AdmissionLostError } from './admission-lost-error.js';
import { AdmissionTimeoutError } from './admission-timeout-error.js';
import { noAnswerError, pollForSlot } from './poll-for-slot.js';
import { checkConnection, checkReleaseTimeout, sessionOf } from './postgres-admission-options.js';
import { watchSession } from './session-watch.js';

const pgDriver = lazyModule<typeof pg>('pg');

/** The part of a pg client (or the component's `PgConnection`) the Postgres backend uses. */
export interface SqlSession {
  query(text: string, values?: readonly unknown[]): Promise<{ readonly rows: ReadonlyArray<unknown> }>;
}

/** Options of {@link PostgresAdmission}. */
export interface PostgresAdmissionOptionsInput extends AdmissionCommonOptionsInput {
  /**
   * Open a dedicated connection for each lease instead of using the instance's first connection
   * (`request.firstConnection`). It costs one connection per waiting instance, and is closed when the
   * lease is released. A string must be a `postgres://` or `postgresql://` URL; a config's
   * `connectionString`, when given, too. @default none: use `firstConnection`
   */
  readonly connection?: string | pg.ClientConfig;
  /**
   * With a dedicated `connection` only: how long, in ms on the admission's clock, a lease's
   * `release()` waits for its unlock and the connection's goodbye (and a failed `acquire` for the
   * goodbye). On a network path that went dark (no reply, no reset) neither would ever come; past
   * this bound the connection is destroyed and the wait ends, so the lock ends with its session
   * instead of living as long as that connection. @default 10000
   */
  readonly releaseTimeoutMs?: number;
}

/** A lease of the Postgres backend: an advisory lock held on one session. */
export interface PostgresAdmissionLease extends FleetAdmissionLease {
  /**
   * Aborts (with an `AdmissionLostError`) when the session holding the lock ends while the lease is
   * held; never on `release()`.
   */
  readonly signal: AbortSignal;
}

/**
 * The advisory-lock key (`classid`) of a namespace: FNV-1a (32-bit) of its UTF-8 bytes, masked to 31
 * bits so that it is a non-negative int4. Slot `i` is the lock `(key, i)`, which `pg_locks` shows as
 * `classid = key, objid = i, objsubid = 2`.
 *
 * Two namespaces can hash to the same key (for n namespaces on one database, a chance of about
 * n²/2³² that some pair does), and so can the two-key advisory locks another application takes with
 * the same first key. Sharing a key shares slots: together they are admitted at most K at a time, so
 * a collision makes admission stricter, never wider. Compare the keys of the namespaces (and any
 * two-key advisory locks of your own) on one database to rule it out.
 *
 * @example
 * ```sql
 * SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = <advisoryLockKey('svc')>;
 * ```
 */
export function advisoryLockKey(namespace: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(namespace, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash & 0x7fffffff;
}

const TRY_LOCK = 'SELECT pg_try_advisory_lock($1::int4, $2::int4) AS locked';
const UNLOCK = 'SELECT pg_advisory_unlock($1::int4, $2::int4) AS unlocked';

/**
 * Fleet admission on Postgres advisory locks, with no extra infrastructure: K slots are K session-level
 * advisory locks `(advisoryLockKey(namespace), 0..K−1)`. An instance tries the slots (from a random
 * one) with `pg_try_advisory_lock` on its first connection, polls with jitter while all are held, and
 * releases with `pg_advisory_unlock`. A holder that dies frees its slot, because the lock ends with its
 * session.
 *
 * The session must stay open and stay with this instance while the lease is held: do not hand a pool
 * client holding a lease back to its pool. Two leases taken on the same session are the same lock taken
 * twice (advisory locks are re-entrant per session), so take at most one per session.
 *
 * @example
 * ```ts
 * const admission = new PostgresAdmission({ width: 2, namespace: 'chat-backend' });
 * const lease = await admission.acquire({ signal, deadline, firstConnection: client });
 * try { await growPool(); } finally { await lease.release(); }
 * ```
 */
export class PostgresAdmission implements FleetAdmission {
  /** Always `postgres`. */
  readonly backend = 'postgres' as const;
  /** K: the number of advisory-lock slots. */
  readonly width: number;
  /** The advisory-lock key of the namespace (see {@link advisoryLockKey}). */
  readonly lockKey: number;
  private readonly options: AdmissionCommonOptions;
  private readonly connection: string | pg.ClientConfig | undefined;
  private readonly releaseTimeoutMs: number;
  /** Leases held on a dedicated connection, which {@link PostgresAdmission.close} releases. */
  private readonly dedicatedLeases = new Set<PostgresAdmissionLease>();
  /** Aborted by {@link PostgresAdmission.close}: ends the waits in flight, refuses new ones. */
  private readonly closing = new AbortController();
  /** Acquires in flight, which `close()` lets finish (their dedicated connections ended) first. */
  private readonly inFlight = new Set<Promise<unknown>>();

  /**
   * @throws ConfigError when `width`, `namespace`, the `poll` delays, `connection` or
   * `releaseTimeoutMs` (a finite number > 0, given only with `connection`) are invalid.
   */
  constructor(options: PostgresAdmissionOptionsInput) {
    this.options = resolveCommonOptions(options);
    this.width = this.options.width;
    this.lockKey = advisoryLockKey(this.options.namespace);
    this.connection = checkConnection(options.connection);
    this.releaseTimeoutMs = checkReleaseTimeout(options.releaseTimeoutMs, this.connection);
  }

  /**
   * Take a free slot: on a dedicated connection when `connection` was given, else on
   * `request.firstConnection`, whose session then holds the lock until the lease is released.
   * Polls with jitter while all K are held. Rejects with the signal's reason on abort and with an
   * `AdmissionTimeoutError` at the deadline, leaving no lock behind. A dedicated connection that
   * fails (refused, a bad password, terminated while waiting, or no answer by the deadline: a
   * path gone dark) rejects with a
   * `DependencyError` (`postgres`, its redacted target, classified by its cause) instead: the server
   * is out of reach, not the fleet busy.
   *
   * The lease's `signal` aborts with an `AdmissionLostError` when the lock's session ends while it
   * is held: when `request.firstConnectionClosed` aborts, or, without it, when the session (a
   * `pg.Client`, or the dedicated connection) emits `end` or `error`.
   *
   * Once `close()` has begun, rejects with an {@link AdmissionClosedError}: a wait in flight stops,
   * and a slot granted after that is given back at once (its dedicated connection ended).
   */
  async acquire(request: AdmissionRequest): Promise<PostgresAdmissionLease> {
    checkRequest(request);
    if (request.signal.aborted) throw abortReason(request.signal);
    if (this.closing.signal.aborted) throw abortReason(this.closing.signal);
    const wait = linkSignals(request.signal, this.closing.signal);
    const acquiring = this.take({ ...request, signal: wait.signal }, request.firstConnectionClosed);
    this.inFlight.add(acquiring);
    try {
      return await acquiring;
    } finally {
      this.inFlight.delete(acquiring);
      wait.dispose();
    }
  }

  /** {@link PostgresAdmission.acquire} with `request.signal` also aborted by `close()`. */
  private async take(
    request: AdmissionRequest,
    firstConnectionClosed: AbortSignal | undefined,
  ): Promise<PostgresAdmissionLease> {
    const { clock } = this.options;
    const start = clock.now();
    const dedicated = this.connection === undefined ? undefined : await this.connect(request, start);
    const session = dedicated ?? sessionOf(request.firstConnection);
    try {
      const { taken: slot } = await pollForSlot<number>(
        {
          tryOnce: (signal) =>
            dedicated
              ? this.trySlots(session, signal).catch((error: unknown) => {
                  throw this.unreachable(error); // e.g. the server terminated the connection
                })
              : this.trySlots(session, signal),
          giveBack: (slot) => this.unlock(session, slot),
          // The pool's first connection may be busy with a caller's long query, which says nothing
          // about the server; a dedicated connection that never answers is a server out of reach.
          ...(dedicated && {
            unanswered: (waitedMs: number) => this.unreachable(unanswered('the first try', waitedMs)),
          }),
        },
        {
          ...this.options,
          ...this.options.poll,
          signal: request.signal,
          deadline: request.deadline,
          backend: this.backend,
        },
      );
      if (this.closing.signal.aborted) {
        // Granted as close() began: a dedicated connection's lock ends with it (below); on the
        // caller's session the unlock is not waited for (a caller's long query may hold it up).
        if (!dedicated) void this.unlock(session, slot).catch(() => undefined);
        throw abortReason(this.closing.signal);
      }
      const closed = dedicated ? undefined : firstConnectionClosed;
      return this.lease(session, slot, clock.now() - start, dedicated, closed);
    } catch (error) {
      if (dedicated) await this.settle(dedicated, () => dedicated.end());
      throw error;
    }
  }

  /**
   * Release every lease still held on a dedicated connection (the connections this admission
   * opened), each bounded by `releaseTimeoutMs`: an open connection would keep the process alive
   * and its lock held. Leases on `request.firstConnection` are left as they are: that session is the
   * caller's, and its locks end when it closes.
   *
   * An `acquire` in flight rejects with an {@link AdmissionClosedError}, and close() waits for it
   * to end the dedicated connection it opened (bounded by `releaseTimeoutMs`), so none is left open.
   */
  async close(): Promise<void> {
    if (!this.closing.signal.aborted) this.closing.abort(new AdmissionClosedError(this.backend));
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled([...this.dedicatedLeases].map((lease) => lease.release()));
  }

  private async trySlots(session: SqlSession, signal: AbortSignal): Promise<number | undefined> {
    const offset = Math.floor(this.options.random() * this.width);
    for (let i = 0; i < this.width && !signal.aborted; i++) {
      const slot = (offset + i) % this.width;
      const { rows } = await session.query(TRY_LOCK, [this.lockKey, slot]);
      if ((rows[0] as { locked?: unknown } | undefined)?.locked === true) return slot;
    }
    return undefined;
  }

  private async unlock(session: SqlSession, slot: number): Promise<void> {
    await session.query(UNLOCK, [this.lockKey, slot]);
  }

  /**
   * Run `work` (the unlock, the goodbye) on a dedicated client for at most `releaseTimeoutMs` on the
   * clock. When it fails or does not finish in time the client is destroyed: a lock ends with its
   * session, and pg's `end()` alone waits for the server's reply that a dark path never brings.
   * Never rejects.
   */
  private async settle(client: pg.Client, work: () => Promise<unknown>): Promise<void> {
    const done = work().then(
      () => true,
      () => false,
    );
    const finished = await settlesWithin(this.options.clock, this.releaseTimeoutMs, done);
    if (!finished || !(await done)) destroy(client);
  }

  /** A failure of the dedicated connection as a `DependencyError` (postgres, the redacted target). */
  private unreachable(error: unknown): Error {
    return toDependencyError('postgres', describePostgresTarget(this.connection ?? {}), error);
  }

  /**
   * Open the dedicated connection, bounded by the request's deadline and signal (on the clock). A
   * connection refused, rejected (a bad password: `permanent`) or not made by the deadline (a path
   * gone dark: `ETIMEDOUT`, `transient`) is a `DependencyError`, not a busy fleet.
   */
  private async connect(request: AdmissionRequest, start: number): Promise<pg.Client> {
    const { clock } = this.options;
    if (request.deadline <= start) throw new AdmissionTimeoutError(this.backend, this.width, 0);
    const config =
      typeof this.connection === 'string' ? { connectionString: this.connection } : this.connection;
    const client = new (pgDriver().Client)({ application_name: 'phasegate-admission', ...config });
    client.on('error', () => undefined); // a dropped session frees its lock; the next query reports it
    const scope = Scope.root(clock, {
      budgetMs: request.deadline - start,
      signal: request.signal,
      label: 'admission',
    });
    try {
      // Raced, not awaited alone: pg never settles the connect() of a client ended while it was
      // still connecting (its end() silences the "terminated" error), so on a path gone dark an
      // abort or the deadline left the wait hanging forever.
      await raceAbort(client.connect(), scope.signal, () => undefined);
      return client;
    } catch (error) {
      destroy(client);
      if (request.signal.aborted) throw abortReason(request.signal);
      if (scope.aborted) throw this.unreachable(unanswered('the connection', clock.now() - start));
      throw this.unreachable(error);
    } finally {
      scope.dispose();
    }
  }

  private lease(
    session: SqlSession,
    slot: number,
    waitedMs: number,
    dedicated: pg.Client | undefined,
    closed: AbortSignal | undefined,
  ): PostgresAdmissionLease {
    let released = false;
    const lost = new AbortController();
    const unwatch = watchSession(dedicated ?? session, closed, (cause) => {
      if (released) return;
      const problem = `the session holding advisory lock slot ${slot} ended`;
      lost.abort(new AdmissionLostError(this.backend, problem, cause));
    });
    const lease: PostgresAdmissionLease = {
      backend: this.backend,
      waitedMs,
      slot,
      signal: lost.signal,
      get released() {
        return released;
      },
      release: async () => {
        if (released) return;
        released = true;
        unwatch();
        // An unlock can only fail on a session that is broken or closed, and its locks end with it.
        if (!dedicated) return this.unlock(session, slot).catch(() => undefined);
        this.dedicatedLeases.delete(lease);
        await this.settle(dedicated, async () => {
          await this.unlock(session, slot);
          await dedicated.end();
        });
      },
    };
    if (dedicated) this.dedicatedLeases.add(lease);
    return lease;
  }
}

/** Why a wait ended with no answer from the server at all (see {@link noAnswerError}). */
function unanswered(what: string, waitedMs: number): Error {
  return noAnswerError(`the admission's dedicated connection (${what})`, waitedMs);
}

/** Close a client at once, even one still connecting (whose `end()` alone waits for the socket). */
function destroy(client: pg.Client): void {
  client.end().catch(() => undefined);
  (
    client as unknown as { connection?: { stream?: { destroy?: () => void } } }
  ).connection?.stream?.destroy?.();
}
