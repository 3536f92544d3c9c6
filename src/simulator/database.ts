/**
 * A model of a Postgres server as a fleet sees it while it starts: a connection limit with reserved
 * slots, a serial postmaster that accepts one connection at a time, backend start-up and
 * authentication in parallel, `53300` when full and, optionally, `57P03` during a restart window.
 */

import type { Random } from '../common/random.js';
import type { SimulationEngine } from './engine.js';
import type { ScheduledEvent } from './event-queue.js';
import { sample, type Range } from './range.js';

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
  /** A restart window during which new connections get `57P03`. */
  readonly restart?: { readonly atMs: number; readonly durationMs: number } | undefined;
}

/** A Postgres error as `pg` delivers it: a message and a SQLSTATE `code`, so `classify()` sees it. */
export interface PostgresServerError extends Error {
  readonly code: string;
  readonly severity: 'FATAL';
}

/** `53300 too_many_connections`, worded as Postgres words it. */
export function tooManyClients(reservedOnly: boolean): PostgresServerError {
  const message = reservedOnly
    ? 'remaining connection slots are reserved for roles with the SUPERUSER attribute'
    : 'sorry, too many clients already';
  return Object.assign(new Error(message), { code: '53300', severity: 'FATAL' as const });
}

/** `57P03 cannot_connect_now`. */
export function startingUp(): PostgresServerError {
  return Object.assign(new Error('the database system is starting up'), {
    code: '57P03',
    severity: 'FATAL' as const,
  });
}

/** A connection attempt at the database. `cancel()` means the client hung up (idempotent). */
export interface DatabaseTicket {
  cancel(): void;
}

/** What the database answers an accepted attempt with: a backend slot, or a server error. */
export type AcceptCallback = (result: { readonly slot: BackendSlot } | { readonly error: Error }) => void;

/** A backend holding one connection slot until released. */
export interface BackendSlot {
  /** Give the slot back (the client closed the connection). Idempotent. */
  release(): void;
}

interface Attempt extends DatabaseTicket {
  readonly callback: AcceptCallback;
  state: 'accepting' | 'auth' | 'done' | 'cancelled';
  event: ScheduledEvent | undefined;
}

/**
 * The database. An attempt waits for the postmaster (one accept at a time, `acceptMs` each; a
 * client that hung up still costs its accept, as a real backlog does), is refused with `53300` if no
 * ordinary slot is free, and otherwise takes a slot and is ready after `authMs`.
 *
 * @example
 * ```ts
 * const database = new DatabaseModel(engine, options, random);
 * database.accept((result) => ('error' in result ? fail(result.error) : use(result.slot)));
 * ```
 */
export class DatabaseModel {
  private postmasterFreeAt = 0;
  private openNow: number;
  private peakNow: number;
  private accepted = 0;
  private refused = 0;

  constructor(
    private readonly engine: SimulationEngine,
    readonly options: DatabaseOptions,
    private readonly random: Random,
  ) {
    this.openNow = options.otherClients;
    this.peakNow = this.openNow;
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

  /** Attempts that got a slot, and attempts refused with 53300 or 57P03. */
  stats(): { readonly accepted: number; readonly refused: number } {
    return { accepted: this.accepted, refused: this.refused };
  }

  /** Whether `time` falls in the restart window. */
  restarting(time: number): boolean {
    const restart = this.options.restart;
    return restart !== undefined && time >= restart.atMs && time < restart.atMs + restart.durationMs;
  }

  /** A new connection arrives at the postmaster. */
  accept(callback: AcceptCallback): DatabaseTicket {
    const now = this.engine.now();
    const start = this.postmasterFreeAt > now ? this.postmasterFreeAt : now;
    this.postmasterFreeAt = start + sample(this.options.acceptMs, this.random);
    const attempt: Attempt = {
      callback,
      state: 'accepting',
      event: undefined,
      cancel: () => this.cancel(attempt),
    };
    attempt.event = this.engine.at(this.postmasterFreeAt, () => this.finishAccept(attempt));
    return attempt;
  }

  private finishAccept(attempt: Attempt): void {
    attempt.event = undefined;
    if (attempt.state === 'cancelled') return;
    const now = this.engine.now();
    if (this.restarting(now)) {
      attempt.state = 'done';
      this.refused++;
      attempt.callback({ error: startingUp() });
      return;
    }
    if (this.openNow >= this.usable) {
      attempt.state = 'done';
      this.refused++;
      attempt.callback({ error: tooManyClients(this.openNow < this.options.maxConnections) });
      return;
    }
    this.openNow++;
    if (this.openNow > this.peakNow) this.peakNow = this.openNow;
    attempt.state = 'auth';
    attempt.event = this.engine.at(now + sample(this.options.authMs, this.random), () => {
      attempt.event = undefined;
      attempt.state = 'done';
      this.accepted++;
      attempt.callback({ slot: this.slot() });
    });
  }

  private cancel(attempt: Attempt): void {
    if (attempt.state === 'accepting') {
      attempt.state = 'cancelled';
      // The accept still happens (and costs postmaster time); the event then does nothing.
    } else if (attempt.state === 'auth') {
      attempt.state = 'cancelled';
      if (attempt.event) this.engine.cancel(attempt.event);
      attempt.event = undefined;
      this.openNow--;
    }
  }

  private slot(): BackendSlot {
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.openNow--;
      },
    };
  }
}
