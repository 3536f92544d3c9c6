/**
 * A model of a Postgres server as a fleet sees it while it starts: a connection limit with reserved
 * slots, a serial postmaster that accepts one connection at a time, backend start-up and
 * authentication in parallel, `53300` when full and, optionally, `57P03` during a restart window.
 */

import type { Random } from '../index.js';
import type { SimulationEngine } from './engine.js';
import { DelayLine, type DelayLineItem, type DelayLineTicket } from './delay-line.js';
import type { Firable, ScheduledEvent } from './event-queue.js';
import { sample, type Range } from './range.js';
import { connectTimedOut, startingUp, tooManyClients } from './server-errors.js';

/** Resolved database settings (see `DatabaseSchema` in scenario.ts for the documented input). */
export interface DatabaseOptions {
  /** `max_connections`. */
  readonly maxConnections: number;
  /** `superuser_reserved_connections`: slots ordinary roles cannot use. */
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
  /** A restart window during which new connections get `57P03`. */
  readonly restart?: { readonly atMs: number; readonly durationMs: number } | undefined;
}

/** A connection attempt at the database. `cancel()` means the client hung up (idempotent). */
export interface DatabaseTicket {
  cancel(): void;
}

/**
 * Who is told how an attempt ended. Both run inside a quiet engine event (see
 * `SimulationEngine.at`): call `engine.touch()` before settling a promise in them.
 */
export interface DatabaseClient {
  /** Refused: `53300`, `57P03`, or `ETIMEDOUT` when every SYN was dropped. */
  refused(error: Error): void;
  /** Connected: the backend holds `slot` until it is released. */
  admitted(slot: BackendSlot): void;
}

/** A backend holding one connection slot until released. */
export interface BackendSlot {
  /** Give the slot back (the client closed the connection). Idempotent. */
  release(): void;
}

/** Linux's SYN retransmission waits with `tcp_syn_retries = 6`: 1, 2, 4 … 32 s, then 64 s to give up. */
const SYN_WAITS_MS = [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000];

class Attempt implements DatabaseTicket, Firable, DelayLineItem {
  state: 'syn' | 'backlog' | 'auth' | 'done' | 'cancelled' = 'syn';
  /** Waiting for its accept (even after the client hung up: the accept still happens). */
  inBacklog = false;
  event: ScheduledEvent | undefined = undefined;
  /** Waiting to retransmit its SYN. */
  retransmit: DelayLineTicket | undefined = undefined;
  synsDropped = 0;

  constructor(
    private readonly database: DatabaseModel,
    /** Dropped when the client hangs up, so a dead attempt in the backlog holds on to nothing. */
    public client: DatabaseClient | undefined,
  ) {}

  cancel(): void {
    this.client = undefined;
    this.database.cancel(this);
  }

  /** Its next step is due: its accept, or the end of authentication. */
  fire(): void {
    this.database.step(this);
  }

  /** Time to retransmit its SYN. */
  delayed(): void {
    this.retransmit = undefined;
    this.database.step(this);
  }
}

/** Backend slots are counted, not tracked one by one. */
class Slot implements BackendSlot {
  private held = true;

  constructor(private readonly database: DatabaseModel) {}

  release(): void {
    if (!this.held) return;
    this.held = false;
    this.database.releaseSlot();
  }
}

/**
 * The database. A connection first needs room in the listen backlog; when the backlog is full its
 * SYN is dropped and retransmitted (after 1, 2, 4 … 32 s; `ETIMEDOUT` after 127 s, as Linux does).
 * In the backlog it waits for the postmaster, which accepts one connection at a time (`acceptMs`
 * each; a client that hung up meanwhile still costs its accept, as in a real backlog). It is then
 * refused with `53300` if no ordinary slot is free, or `57P03` during the restart window, and
 * otherwise takes a slot and is ready after `authMs`.
 *
 * @example
 * ```ts
 * const database = new DatabaseModel(engine, options, random);
 * database.accept({ refused: (error) => fail(error), admitted: (slot) => use(slot) });
 * ```
 */
export class DatabaseModel {
  private postmasterFreeAt = 0;
  private backlogNow = 0;
  private openNow: number;
  private peakNow: number;
  private accepted = 0;
  private refused = 0;
  private synDrops = 0;
  private readonly advisoryLocks = new Map<string, object>();
  /** One line per retransmission round: every SYN of a round waits the same time. */
  private readonly synLines: readonly DelayLine[];

  constructor(
    private readonly engine: SimulationEngine,
    readonly options: DatabaseOptions,
    private readonly random: Random,
  ) {
    this.openNow = options.otherClients;
    this.peakNow = this.openNow;
    this.synLines = SYN_WAITS_MS.map((wait) => new DelayLine(engine, wait));
  }

  /** Connections open now, including other clients' and those still authenticating. */
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

  /** Attempts that got a slot, attempts refused (53300 / 57P03), and SYNs dropped on a full backlog. */
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
    else if (attempt.state === 'syn') this.arrive(attempt);
    else if (attempt.state === 'auth') this.finishAuth(attempt);
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
        this.openNow--;
        break;
      default:
        break;
    }
  }

  /** @internal A {@link BackendSlot} was given back. */
  releaseSlot(): void {
    this.openNow--;
  }

  private arrive(attempt: Attempt): void {
    const now = this.engine.now();
    if (this.backlogNow >= this.options.backlog) {
      this.synDrops++;
      const line = this.synLines[attempt.synsDropped++];
      if (line === undefined) {
        attempt.state = 'done';
        this.refused++;
        attempt.client!.refused(connectTimedOut());
        return;
      }
      attempt.retransmit = line.push(attempt);
      return;
    }
    attempt.state = 'backlog';
    attempt.inBacklog = true;
    this.backlogNow++;
    const start = this.postmasterFreeAt > now ? this.postmasterFreeAt : now;
    this.postmasterFreeAt = start + sample(this.options.acceptMs, this.random);
    this.engine.at(this.postmasterFreeAt, attempt, true);
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
    if (this.openNow >= this.usable) {
      attempt.state = 'done';
      this.refused++;
      attempt.client!.refused(tooManyClients(this.openNow < this.options.maxConnections));
      return;
    }
    this.openNow++;
    if (this.openNow > this.peakNow) this.peakNow = this.openNow;
    attempt.state = 'auth';
    attempt.event = this.engine.at(now + sample(this.options.authMs, this.random), attempt, true);
  }

  private finishAuth(attempt: Attempt): void {
    attempt.state = 'done';
    this.accepted++;
    attempt.client!.admitted(new Slot(this));
  }
}
