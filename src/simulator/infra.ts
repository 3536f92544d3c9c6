/**
 * The simulated infrastructure a fleet connects through: per-process egress delay, then the
 * {@link ConnectorModel}, then the {@link DatabaseModel}. It hands each simulated process a
 * connection factory and counts every attempt, so the fleet's figures come from one place.
 */

import type { Random } from '../index.js';
import { ConnectorModel, type ConnectorOptions } from './connector.js';
import { DatabaseModel, type BackendSlot, type DatabaseOptions } from './database.js';
import { Endpoint } from './endpoint.js';
import type { SimulationEngine } from './engine.js';
import { sample, type Range } from './range.js';
import { SimConnection } from './sim-connection.js';

/** Resolved infrastructure settings. */
export interface InfrastructureOptions {
  /** Settings of the {@link ConnectorModel}. */
  readonly connector: ConnectorOptions;
  /** Settings of the {@link DatabaseModel}. */
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
 * // Time out on virtual time: `AbortSignal.timeout` would count wall time.
 * const controller = new AbortController();
 * engine.timer(75_000, () => controller.abort(new Error('connect timed out')));
 * const connection = await endpoint.connect(controller.signal);
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

  /**
   * Builds the connector and database models on `engine`.
   * @param random Shared by both models and the egress delays.
   */
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

  /** @internal Attempt bookkeeping for each connection attempt. */
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
}
