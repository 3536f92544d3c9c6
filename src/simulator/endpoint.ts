/**
 * One simulated process's side of the network: its endpoint (connection factory and opener), and
 * each connection attempt on its way through egress, connector and database.
 */

import { abortReason } from '../index.js';
import { ConnectorRequest } from './connector.js';
import type { BackendSlot, DatabaseClient, DatabaseTicket } from './database.js';
import type { SimulationEngine } from './engine.js';
import type { ScheduledEvent } from './event-queue.js';
import { IntrusiveList } from './intrusive-list.js';
import type {
  NetworkEndpoint,
  OpenClient,
  OpenTicket,
  SimConnectionFactory,
  SimConnectionOpener,
  SimulatedInfrastructure,
} from './infra.js';
import type { SimConnection } from './sim-connection.js';

/** One process's endpoint: its attempts and connections, which die with it. */
export class Endpoint implements NetworkEndpoint {
  /** Attempts in progress, oldest first (no allocation per attempt; a storm makes a million). */
  readonly attempts = new IntrusiveList<PendingConnect>();
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
    while (this.attempts.head !== undefined) this.attempts.head.abort(undefined);
    for (const connection of [...this.connections]) connection.close();
  }
}

/** The ticket of an attempt a dead process made: it never started, so there is nothing to cancel. */
const DEAD_TICKET: OpenTicket = { cancel: () => undefined };

/** The client of an attempt that has ended. */
const SETTLED: OpenClient = { opened: () => undefined, failed: () => undefined };

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
export class PendingConnect extends ConnectorRequest implements DatabaseClient, OpenTicket {
  /** Where it is: waiting for egress (its event), at the connector (itself), or at the database. */
  private stage: ScheduledEvent | 'connector' | DatabaseTicket | undefined = undefined;
  private ended = false;
  /** Neighbours in the endpoint's list of attempts in progress. */
  prev: PendingConnect | undefined = undefined;
  next: PendingConnect | undefined = undefined;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly signal: AbortSignal | undefined,
    private client: OpenClient,
  ) {
    super();
  }

  start(): void {
    const { endpoint, signal } = this;
    endpoint.infra.count('start');
    endpoint.attempts.addLast(this);
    // The attempt is its own listener (handleEvent): no closure per attempt.
    if (signal) signal.addEventListener('abort', this, { once: true });
    if (endpoint.engine.now() < endpoint.egressAt)
      this.stage = endpoint.engine.at(endpoint.egressAt, () => this.toConnector(), true);
    else this.toConnector();
  }

  /** Egress is open: on to the connector, with itself as the setup (no object per setup). */
  private toConnector(): void {
    this.stage = 'connector';
    this.endpoint.infra.connector.enqueue(this);
  }

  throughConnector(): void {
    this.stage = this.endpoint.infra.database.accept(this);
  }

  refused(error: Error): void {
    const { client } = this;
    this.stage = undefined;
    this.settle();
    this.endpoint.infra.count('wasted');
    this.endpoint.engine.touch();
    client.failed(error);
  }

  admitted(slot: BackendSlot): void {
    const { client } = this;
    this.stage = undefined;
    this.settle();
    const { endpoint } = this;
    const connection = endpoint.infra.connection(slot, endpoint.onEnd);
    endpoint.connections.add(connection);
    endpoint.infra.count('opened');
    endpoint.engine.touch();
    client.opened(connection);
  }

  cancel(error: unknown): void {
    if (!this.ended) this.abort(error);
  }

  /** The caller's signal aborted. */
  handleEvent(): void {
    if (!this.ended) this.abort(abortReason(this.signal!));
  }

  /**
   * Give up: the caller's signal aborted (reject with `error`), or the process died (`undefined`:
   * nothing is left to observe the promise, so it never settles).
   */
  abort(error: unknown): void {
    const { client, stage } = this;
    this.stage = undefined;
    if (stage === 'connector') this.endpoint.infra.connector.cancel(this);
    else if (stage !== undefined) {
      if ('cancel' in stage) stage.cancel();
      else this.endpoint.engine.cancel(stage);
    }
    this.settle();
    this.endpoint.infra.count('wasted');
    if (error !== undefined) {
      this.endpoint.engine.touch();
      client.failed(error);
    }
  }

  private settle(): void {
    this.ended = true;
    this.endpoint.attempts.remove(this);
    // A cancelled attempt may stay in the connector's queue for a while: let it hold nothing.
    this.client = SETTLED;
    this.endpoint.infra.count('settled');
    if (this.signal) this.signal.removeEventListener('abort', this);
  }
}
