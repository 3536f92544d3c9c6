/**
 * The simulated infrastructure a fleet connects through: per-process egress delay, then the
 * {@link ConnectorModel}, then the {@link DatabaseModel}. It hands each simulated process a
 * connection factory and counts every attempt, so the fleet's figures come from one place.
 */

import { abortReason, type Random } from '../index.js';
import {
  ConnectorModel,
  type ConnectorClient,
  type ConnectorOptions,
  type ConnectorTicket,
} from './connector.js';
import {
  DatabaseModel,
  type BackendSlot,
  type DatabaseClient,
  type DatabaseOptions,
  type DatabaseTicket,
} from './database.js';
import type { SimulationEngine } from './engine.js';
import type { Firable, ScheduledEvent } from './event-queue.js';
import { sample, type Range } from './range.js';
import { SimConnection } from './sim-connection.js';

/** Resolved infrastructure settings. */
export interface InfrastructureOptions {
  readonly connector: ConnectorOptions;
  readonly database: DatabaseOptions;
  /**
   * Time after a process starts before its outbound traffic passes (a fresh instance's network
   * interface), in ms; attempts made earlier wait for it.
   */
  readonly egressDelayMs: Range;
}

/** Opens a simulated connection; rejects with the database's error or the signal's reason. */
export type SimConnectionFactory = (signal?: AbortSignal) => Promise<SimConnection>;

/**
 * Told how one attempt of {@link NetworkEndpoint.open} ended. Called inside an engine event, after
 * the engine was told that continuations must settle, so settling a promise here is fine.
 */
export interface OpenClient {
  /** The connection is open and verified by the database; the client now owns it. */
  opened(connection: SimConnection): void;
  /** The attempt failed: the database's error, or the error passed to {@link OpenTicket.cancel}. */
  failed(error: unknown): void;
}

/** One attempt of {@link NetworkEndpoint.open}. */
export interface OpenTicket {
  /**
   * Give the attempt up: it stops wherever it is (a queued setup frees its place) and `failed` is
   * called with `error` at once. Does nothing once the attempt has ended.
   */
  cancel(error: unknown): void;
}

/** Opens connections without a promise or a signal per attempt (see {@link NetworkEndpoint.open}). */
export type SimConnectionOpener = (client: OpenClient) => OpenTicket;

/** Counters over the whole run. */
export interface AttemptStats {
  /** Connection attempts started. */
  readonly attempts: number;
  /** Attempts that yielded no connection: refused, timed out, aborted, or cut off by a kill. */
  readonly wasted: number;
  /** Attempts in progress now. */
  readonly inFlight: number;
  /** Connections the fleet holds now. */
  readonly open: number;
}

/**
 * One simulated process's access to the network: its connection factory, and what dies with it.
 */
export interface NetworkEndpoint {
  /** The process's connection factory. */
  readonly connect: SimConnectionFactory;
  /**
   * The same attempt as {@link NetworkEndpoint.connect}, reported to `client` instead of through a
   * promise, and cancelled through its ticket instead of a signal: what a model of a client that
   * opens many connections at once (a whole pool) uses, where a storm makes hundreds of thousands.
   * When the process dies, the attempt ends without a call.
   */
  readonly open: SimConnectionOpener;
  /** Connections this process holds now. */
  readonly openConnections: number;
  /**
   * The process died: its attempts stop (their promises never settle, as nothing is left to
   * observe them) and its connections close.
   */
  kill(): void;
}

/**
 * Egress delay, connector and database, shared by every process of one simulation.
 *
 * @example
 * ```ts
 * const infra = new SimulatedInfrastructure(engine, options, seededRandom(1));
 * const endpoint = infra.endpoint();
 * const connection = await endpoint.connect(AbortSignal.timeout(75_000));
 * ```
 */
export class SimulatedInfrastructure {
  /** The connector model. */
  readonly connector: ConnectorModel;
  /** The database model. */
  readonly database: DatabaseModel;
  private started = 0;
  private wastedCount = 0;
  private inFlightNow = 0;
  private openNow = 0;
  private readonly watched = new WeakMap<AbortSignal, Set<PendingConnect>>();

  constructor(
    private readonly engine: SimulationEngine,
    private readonly options: InfrastructureOptions,
    private readonly random: Random,
  ) {
    this.connector = new ConnectorModel(engine, options.connector, random);
    this.database = new DatabaseModel(engine, options.database, random);
  }

  /** Attempt counters. */
  stats(): AttemptStats {
    return {
      attempts: this.started,
      wasted: this.wastedCount,
      inFlight: this.inFlightNow,
      open: this.openNow,
    };
  }

  /** Attempts in progress now (cheap, for sampling). */
  get inFlight(): number {
    return this.inFlightNow;
  }

  /** A new process's endpoint; its egress opens after `egressDelayMs`. */
  endpoint(): NetworkEndpoint {
    return new Endpoint(
      this,
      this.engine,
      this.engine.now() + sample(this.options.egressDelayMs, this.random),
    );
  }

  /** @internal Attempt bookkeeping for {@link PendingConnect}. */
  count(event: 'start' | 'wasted' | 'settled' | 'opened' | 'closed'): void {
    switch (event) {
      case 'start':
        this.started++;
        this.inFlightNow++;
        break;
      case 'wasted':
        this.wastedCount++;
        break;
      case 'settled':
        this.inFlightNow--;
        break;
      case 'opened':
        this.openNow++;
        break;
      case 'closed':
        this.openNow--;
        break;
    }
  }

  /** @internal A new connection to the database. */
  connection(slot: BackendSlot, onEnd: (connection: SimConnection) => void): SimConnection {
    return new SimConnection(this.engine, this.database, slot, this.random, onEnd);
  }

  /**
   * @internal One `abort` listener per signal, however many attempts share it (a pool warming 50
   * connections under one attempt signal): EventTarget listeners are the costliest part of an attempt.
   */
  watch(signal: AbortSignal, attempt: PendingConnect): void {
    let watched = this.watched.get(signal);
    if (watched === undefined) {
      const set = new Set<PendingConnect>();
      watched = set;
      this.watched.set(signal, set);
      signal.addEventListener(
        'abort',
        () => {
          this.watched.delete(signal);
          const error = abortReason(signal);
          for (const waiting of [...set]) waiting.abort(error);
        },
        { once: true },
      );
    }
    watched.add(attempt);
  }

  /** @internal */
  unwatch(signal: AbortSignal, attempt: PendingConnect): void {
    this.watched.get(signal)?.delete(attempt);
  }
}

/** One process's endpoint: its attempts and connections, which die with it. */
class Endpoint implements NetworkEndpoint {
  /** Attempts in progress, as an intrusive list (no allocation per attempt; a storm makes a million). */
  attempts: PendingConnect | undefined = undefined;
  lastAttempt: PendingConnect | undefined = undefined;
  readonly connections = new Set<SimConnection>();
  alive = true;
  readonly connect: SimConnectionFactory;
  readonly open: SimConnectionOpener;
  readonly onEnd = (connection: SimConnection): void => {
    if (this.connections.delete(connection)) this.infra.count('closed');
  };

  constructor(
    readonly infra: SimulatedInfrastructure,
    readonly engine: SimulationEngine,
    readonly egressAt: number,
  ) {
    this.connect = (signal) => {
      if (!this.alive) return new Promise<SimConnection>(() => undefined);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      return new Promise<SimConnection>((resolve, reject) =>
        new PendingConnect(this, signal, new PromiseClient(resolve, reject)).start(),
      );
    };
    this.open = (client) => {
      if (!this.alive) return DEAD_TICKET;
      const attempt = new PendingConnect(this, undefined, client);
      attempt.start();
      return attempt;
    };
  }

  get openConnections(): number {
    return this.connections.size;
  }

  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    while (this.attempts !== undefined) this.attempts.abort(undefined);
    for (const connection of [...this.connections]) connection.close();
  }
}

/** The ticket of an attempt a dead process made: it never started, so there is nothing to cancel. */
const DEAD_TICKET: OpenTicket = { cancel: () => undefined };

/** Settles the promise of {@link NetworkEndpoint.connect}. */
class PromiseClient implements OpenClient {
  constructor(
    readonly opened: (connection: SimConnection) => void,
    readonly failed: (error: unknown) => void,
  ) {}
}

/**
 * One connection attempt on its way: egress, connector, database. Its state lives in this one
 * object, which is also what the models call back and the caller's ticket, so an attempt costs few
 * allocations.
 */
class PendingConnect implements ConnectorClient, DatabaseClient, Firable, OpenTicket {
  private stage: ScheduledEvent | ConnectorTicket | DatabaseTicket | undefined = undefined;
  private ended = false;
  /** Neighbours in the endpoint's list of attempts in progress. */
  prev: PendingConnect | undefined = undefined;
  next: PendingConnect | undefined = undefined;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly signal: AbortSignal | undefined,
    private readonly client: OpenClient,
  ) {}

  start(): void {
    const { endpoint, signal } = this;
    endpoint.infra.count('start');
    this.prev = endpoint.lastAttempt;
    if (endpoint.lastAttempt !== undefined) endpoint.lastAttempt.next = this;
    else endpoint.attempts = this;
    endpoint.lastAttempt = this;
    if (signal) endpoint.infra.watch(signal, this);
    if (endpoint.engine.now() < endpoint.egressAt)
      this.stage = endpoint.engine.at(endpoint.egressAt, this, true);
    else this.fire();
  }

  /** Egress is open: on to the connector. */
  fire(): void {
    this.stage = this.endpoint.infra.connector.request(this);
  }

  throughConnector(): void {
    this.stage = this.endpoint.infra.database.accept(this);
  }

  refused(error: Error): void {
    this.stage = undefined;
    this.settle();
    this.endpoint.infra.count('wasted');
    this.endpoint.engine.touch();
    this.client.failed(error);
  }

  admitted(slot: BackendSlot): void {
    this.stage = undefined;
    this.settle();
    const { endpoint } = this;
    const connection = endpoint.infra.connection(slot, endpoint.onEnd);
    endpoint.connections.add(connection);
    endpoint.infra.count('opened');
    endpoint.engine.touch();
    this.client.opened(connection);
  }

  cancel(error: unknown): void {
    if (!this.ended) this.abort(error);
  }

  /**
   * Give up: the caller's signal aborted (reject with `error`), or the process died (`undefined`:
   * nothing is left to observe the promise, so it never settles).
   */
  abort(error: unknown): void {
    const stage = this.stage;
    this.stage = undefined;
    if (stage !== undefined) {
      if ('cancel' in stage) stage.cancel();
      else this.endpoint.engine.cancel(stage);
    }
    this.settle();
    this.endpoint.infra.count('wasted');
    if (error !== undefined) {
      this.endpoint.engine.touch();
      this.client.failed(error);
    }
  }

  private settle(): void {
    this.ended = true;
    const { endpoint, prev, next } = this;
    if (prev !== undefined) prev.next = next;
    else if (endpoint.attempts === this) endpoint.attempts = next;
    if (next !== undefined) next.prev = prev;
    else if (endpoint.lastAttempt === this) endpoint.lastAttempt = prev;
    this.prev = this.next = undefined;
    this.endpoint.infra.count('settled');
    if (this.signal) this.endpoint.infra.unwatch(this.signal, this);
  }
}
