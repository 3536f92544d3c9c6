/**
 * A model of a Postgres server as a fleet sees it while it starts: a connection limit with reserved
 * slots, a serial postmaster that accepts one connection at a time, backend start-up and
 * authentication in parallel, `53300` when full and, optionally, a restart (a failover or a
 * maintenance restart) that terminates every backend and answers `57P03` until it is over.
 */

import type { Random } from '../index.js';
import type { SimulationEngine } from './engine.js';
import { Attempt, type AttemptHost, type DatabaseClient, type DatabaseTicket } from './backend.js';
import { DelayLine } from './delay-line.js';
import { IntrusiveList } from './intrusive-list.js';
import { sample, type Range } from './range.js';
import { adminShutdown, connectTimedOut, startingUp, tooManyClients } from './server-errors.js';

export type { BackendOwner, BackendSlot, DatabaseClient, DatabaseTicket } from './backend.js';

/** Resolved database settings (see `DatabaseSchema` in scenario.ts for the documented input). */
export interface DatabaseOptions {
  /** `max_connections`. */
  readonly maxConnections: number;
  /**
   * `superuser_reserved_connections`: slots ordinary roles cannot keep (one may hold a reserved slot
   * while it authenticates, and is then refused).
   */
  readonly reserved: number;
  /** Connections held by clients outside the simulated fleet (admin tools, cron jobs...). */
  readonly otherClients: number;
  /** Postmaster time per incoming connection, in ms; accepts are serial. */
  readonly acceptMs: Range;
  /** Backend start-up and authentication after the accept, in ms; these run in parallel. */
  readonly authMs: Range;
  /** Round trip of one simple query, in ms. */
  readonly queryMs: Range;
  /**
   * Connections that may wait for the postmaster's `accept()` (the listen backlog). Postgres asks for
   * `2 × max_connections`, and Linux caps it at `net.core.somaxconn` (4096).
   */
  readonly backlog: number;
  /**
   * A restart (a failover or a maintenance restart). At `atMs` every backend is terminated with
   * `57P01` (open connections are closed by the server, connections still authenticating are
   * refused) and other clients' connections go away; until `atMs + durationMs` new connections get
   * `57P03`; then other clients take their slots back and service is normal.
   */
  readonly restart?: { readonly atMs: number; readonly durationMs: number } | undefined;
}

/**
 * Linux's waits after each SYN with `tcp_syn_retries = 6`: the first send and six retransmissions,
 * 1, 2, 4 … 32 s apart, then 64 s for an answer to the last before it gives up (127 s in all).
 */
const SYN_WAITS_MS = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000];

/**
 * The database. A connection first needs room in the listen backlog; when the backlog is full its
 * SYN is dropped and retransmitted (after 1, 2, 4 … 32 s; `ETIMEDOUT` after 127 s, as Linux does).
 * In the backlog it waits for the postmaster, which accepts one connection at a time (`acceptMs`
 * each; a client that hung up meanwhile still costs its accept, as in a real backlog). It is then
 * refused with `57P03` during the restart window, or with `53300` ("too many clients") when all
 * `max_connections` slots are taken, and otherwise takes a slot, reserved ones included, and
 * authenticates for `authMs`. Only then, its role known, is it checked against the reserved slots,
 * as Postgres does: when fewer than `reserved` slots are free besides its own it gives its slot back
 * and is refused with `53300` ("reserved for roles with the SUPERUSER attribute"; the fleet's role is
 * not one); else it is open. So a storm briefly holds reserved slots (they count in `open` and
 * `peak`), and a connection can be refused because of others authenticating at the same time. A
 * restart terminates every backend at its start (see {@link DatabaseOptions.restart}).
 *
 * @example
 * ```ts
 * const database = new DatabaseModel(engine, options, random);
 * database.accept({ refused: (error) => fail(error), admitted: (slot) => use(slot) });
 * ```
 */
export class DatabaseModel implements AttemptHost {
  private postmasterFreeAt = 0;
  private backlogNow = 0;
  private openNow: number;
  private peakNow: number;
  private accepted = 0;
  private refused = 0;
  private synDrops = 0;
  /** Backends holding a slot (authenticating or open), newest first: a restart ends them all. */
  private readonly backends = new IntrusiveList<Attempt>();
  private readonly advisoryLocks = new Map<string, object>();
  /** One line per retransmission round: every SYN of a round waits the same time. */
  private readonly synLines: readonly DelayLine[];

  /**
   * Other clients' connections count as open from the start. With `options.restart`, schedules the
   * restart's start and end on `engine`.
   */
  constructor(
    private readonly engine: SimulationEngine,
    /** The resolved settings. */
    readonly options: DatabaseOptions,
    private readonly random: Random,
  ) {
    this.openNow = options.otherClients;
    this.peakNow = this.openNow;
    this.synLines = SYN_WAITS_MS.map((wait) => new DelayLine(engine, wait));
    const restart = options.restart;
    if (restart !== undefined) {
      engine.at(restart.atMs, () => this.beginRestart());
      engine.at(restart.atMs + restart.durationMs, () => this.endRestart(), true);
    }
  }

  /**
   * Connections open now, including those still authenticating and other clients' (which are gone
   * during a restart).
   */
  get open(): number {
    return this.openNow;
  }

  /** Most connections open at any moment. */
  get peak(): number {
    return this.peakNow;
  }

  /** Slots ordinary roles can use: `max_connections − reserved`. */
  get usable(): number {
    return this.options.maxConnections - this.options.reserved;
  }

  /** Connections waiting in the listen backlog now. */
  get backlog(): number {
    return this.backlogNow;
  }

  /**
   * Attempts that got a slot, attempts refused (53300 / 57P03 / 57P01 / ETIMEDOUT), and SYNs
   * dropped on a full backlog.
   */
  stats(): { readonly accepted: number; readonly refused: number; readonly synDrops: number } {
    return { accepted: this.accepted, refused: this.refused, synDrops: this.synDrops };
  }

  /**
   * `pg_try_advisory_lock(key)` for `session`: true when the lock is free or already its own.
   * Session-level locks, as Postgres has them: they last until unlocked or until the session ends.
   */
  tryAdvisoryLock(key: string, session: object): boolean {
    const holder = this.advisoryLocks.get(key);
    if (holder !== undefined && holder !== session) return false;
    this.advisoryLocks.set(key, session);
    return true;
  }

  /** `pg_advisory_unlock(key)`: true when `session` held the lock. */
  advisoryUnlock(key: string, session: object): boolean {
    if (this.advisoryLocks.get(key) !== session) return false;
    this.advisoryLocks.delete(key);
    return true;
  }

  /** Release every advisory lock of a session that ended. */
  releaseSession(session: object): void {
    for (const [key, holder] of this.advisoryLocks) if (holder === session) this.advisoryLocks.delete(key);
  }

  /** Advisory locks held now. */
  get advisoryLockCount(): number {
    return this.advisoryLocks.size;
  }

  /** Whether `time` falls in the restart window. */
  restarting(time: number): boolean {
    const restart = this.options.restart;
    return restart !== undefined && time >= restart.atMs && time < restart.atMs + restart.durationMs;
  }

  /**
   * A new connection arrives. `callback` runs inside a quiet engine event (see
   * `SimulationEngine.at`): call `engine.touch()` before settling a promise in it.
   */
  accept(client: DatabaseClient): DatabaseTicket {
    const attempt = new Attempt(this, client);
    this.arrive(attempt);
    return attempt;
  }

  /** @internal An attempt's event fired. */
  step(attempt: Attempt): void {
    attempt.event = undefined;
    if (attempt.inBacklog) this.finishAccept(attempt);
    else if (attempt.state === 'syn') {
      // The wait after the last retransmission is the wait for its answer: no further SYN is sent.
      if (attempt.synsDropped >= SYN_WAITS_MS.length) this.timeOut(attempt);
      else this.arrive(attempt);
    } else if (attempt.state === 'auth') this.finishAuth(attempt);
  }

  /** @internal The client hung up. */
  cancel(attempt: Attempt): void {
    switch (attempt.state) {
      case 'syn':
        attempt.retransmit?.leave();
        attempt.retransmit = undefined;
        attempt.state = 'cancelled';
        break;
      case 'backlog':
        // The accept still happens (and costs postmaster time); its event then does nothing.
        attempt.state = 'cancelled';
        break;
      case 'auth':
        if (attempt.event) this.engine.cancel(attempt.event);
        attempt.event = undefined;
        attempt.state = 'cancelled';
        this.backends.remove(attempt);
        this.openNow--;
        break;
      default:
        break;
    }
  }

  /** @internal An open backend's slot was given back. */
  endBackend(backend: Attempt): void {
    backend.state = 'done';
    backend.owner = undefined;
    this.backends.remove(backend);
    this.openNow--;
  }

  /** The restart begins: other clients' connections go, and every backend is terminated. */
  private beginRestart(): void {
    this.openNow -= this.options.otherClients;
    for (let backend = this.backends.head; backend !== undefined; backend = this.backends.head) {
      const { client, owner } = backend;
      const authenticating = backend.state === 'auth';
      if (authenticating) {
        this.engine.cancel(backend.event!);
        backend.event = undefined;
        this.refused++;
      }
      backend.state = 'done';
      backend.client = backend.owner = undefined;
      this.backends.remove(backend);
      this.openNow--;
      if (authenticating) client!.refused(adminShutdown());
      else owner?.terminated(adminShutdown());
    }
  }

  /** The server is back: other clients take their slots again (nothing else is open yet). */
  private endRestart(): void {
    this.openNow += this.options.otherClients;
    if (this.openNow > this.peakNow) this.peakNow = this.openNow;
  }

  private arrive(attempt: Attempt): void {
    const now = this.engine.now();
    if (this.backlogNow >= this.options.backlog) {
      this.synDrops++;
      attempt.retransmit = this.synLines[attempt.synsDropped++]!.push(attempt);
      return;
    }
    attempt.state = 'backlog';
    attempt.inBacklog = true;
    this.backlogNow++;
    const start = this.postmasterFreeAt > now ? this.postmasterFreeAt : now;
    this.postmasterFreeAt = start + sample(this.options.acceptMs, this.random);
    this.engine.at(this.postmasterFreeAt, attempt, true);
  }

  /** Every SYN went unanswered: the client's kernel gives up with `ETIMEDOUT`. */
  private timeOut(attempt: Attempt): void {
    attempt.state = 'done';
    this.refused++;
    attempt.client!.refused(connectTimedOut());
  }

  private finishAccept(attempt: Attempt): void {
    attempt.inBacklog = false;
    this.backlogNow--;
    if (attempt.state !== 'backlog') return;
    const now = this.engine.now();
    if (this.restarting(now)) {
      attempt.state = 'done';
      this.refused++;
      attempt.client!.refused(startingUp());
      return;
    }
    // No free backend slot at all: refused before authentication, as Postgres's InitProcess does.
    if (this.openNow >= this.options.maxConnections) {
      attempt.state = 'done';
      this.refused++;
      attempt.client!.refused(tooManyClients(false));
      return;
    }
    this.openNow++;
    if (this.openNow > this.peakNow) this.peakNow = this.openNow;
    this.backends.addFirst(attempt);
    attempt.state = 'auth';
    attempt.event = this.engine.at(now + sample(this.options.authMs, this.random), attempt, true);
  }

  private finishAuth(attempt: Attempt): void {
    const client = attempt.client!;
    // Only now is the role known (not a superuser): Postgres's InitPostgres refuses it when fewer
    // than `reserved` slots are free besides its own, so the slot it held is given back.
    if (this.openNow > this.usable) {
      attempt.state = 'done';
      attempt.client = undefined;
      this.backends.remove(attempt);
      this.openNow--;
      this.refused++;
      client.refused(tooManyClients(true));
      return;
    }
    attempt.state = 'open';
    attempt.client = undefined;
    this.accepted++;
    client.admitted(attempt);
  }
}
