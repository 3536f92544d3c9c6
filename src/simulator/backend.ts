/**
 * One connection's life at the simulated database, from its first SYN through the listen backlog
 * and authentication to an open backend holding a slot, and the list of backends a restart ends.
 */

import type { DelayLineItem, DelayLineTicket } from './delay-line.js';
import type { Firable, ScheduledEvent } from './event-queue.js';
import type { PostgresServerError } from './server-errors.js';

/** A connection attempt at the database. `cancel()` means the client hung up (idempotent). */
export interface DatabaseTicket {
  /** The client hung up: it is told no outcome, and a slot taken for authentication is freed. Idempotent. */
  cancel(): void;
}

/**
 * Who is told how an attempt ended. Both run inside a quiet engine event (see
 * `SimulationEngine.at`): call `engine.touch()` before settling a promise in them.
 */
export interface DatabaseClient {
  /**
   * Refused: `53300`, `57P03`, `57P01` (a restart began while it authenticated), or `ETIMEDOUT`
   * when every SYN was dropped.
   */
  refused(error: Error): void;
  /** Connected: the backend holds `slot` until it is released. */
  admitted(slot: BackendSlot): void;
}

/** A backend holding one connection slot until released. */
export interface BackendSlot {
  /** Give the slot back (the client closed the connection). Idempotent. */
  release(): void;
  /** Who is told if the server terminates the backend (a restart). One owner; a later call replaces it. */
  attach(owner: BackendOwner): void;
}

/** The holder of a {@link BackendSlot}, told when the server ends the backend itself. */
export interface BackendOwner {
  /**
   * The server terminated the backend (a restart began); its slot is already free. Runs inside an
   * engine event that lets continuations settle.
   */
  terminated(error: PostgresServerError): void;
}

/** The database's side of its attempts (internal). */
export interface AttemptHost {
  /** The attempt's event fired, or its SYN is due again. */
  step(attempt: Attempt): void;
  /** The client hung up. */
  cancel(attempt: Attempt): void;
  /** The client closed its open connection. */
  endBackend(attempt: Attempt): void;
}

/**
 * One connection attempt (internal); once admitted it is also the backend's slot, so a connection
 * costs one object here.
 */
export class Attempt implements DatabaseTicket, BackendSlot, Firable, DelayLineItem {
  /**
   * `syn`: waiting for room in the backlog (its SYN dropped, to be retransmitted); `backlog`: waiting
   * for the postmaster's accept; `auth`: holds a slot, authenticating; `open`: an open backend;
   * `done`: refused, released or terminated; `cancelled`: the client hung up first.
   */
  state: 'syn' | 'backlog' | 'auth' | 'open' | 'done' | 'cancelled' = 'syn';
  /** Waiting for its accept (even after the client hung up: the accept still happens). */
  inBacklog = false;
  /** The end of its authentication while in `auth` (a hang-up or a restart cancels it); else `undefined`. */
  event: ScheduledEvent | undefined = undefined;
  /** Waiting to retransmit its SYN. */
  retransmit: DelayLineTicket | undefined = undefined;
  /** SYNs dropped on a full backlog so far; picks the next retransmission wait (then `ETIMEDOUT`). */
  synsDropped = 0;
  /** Neighbours in the database's list of backends while authenticating or open. */
  prev: Attempt | undefined = undefined;
  /** The neighbour toward the oldest backend (see `prev`). */
  next: Attempt | undefined = undefined;
  /** Who is told if the server terminates the backend (see `attach`); dropped when it ends. */
  owner: BackendOwner | undefined = undefined;

  /** Made by `DatabaseModel.accept`, which then sends its first SYN. */
  constructor(
    private readonly host: AttemptHost,
    /** Dropped once told the outcome, or when the client hangs up: a dead attempt holds nothing. */
    public client: DatabaseClient | undefined,
  ) {}

  /** See {@link DatabaseTicket.cancel}. */
  cancel(): void {
    this.client = undefined;
    this.host.cancel(this);
  }

  /** Its next step is due: its accept, or the end of authentication. */
  fire(): void {
    this.host.step(this);
  }

  /** Time to retransmit its SYN. */
  delayed(): void {
    this.retransmit = undefined;
    this.host.step(this);
  }

  /** See {@link BackendSlot.release}; only an `open` backend has a slot to give back. */
  release(): void {
    if (this.state === 'open') this.host.endBackend(this);
  }

  /** See {@link BackendSlot.attach}. */
  attach(owner: BackendOwner): void {
    this.owner = owner;
  }
}
