/**
 * The simulated infrastructure a fleet connects through: per-process egress delay, then the
 * {@link ConnectorModel}, then the {@link DatabaseModel}. It hands each simulated process a
 * connection factory and counts every attempt, so the fleet's figures come from one place.
 */

import { abortReason } from '../common/abort-reason.js';
import type { Random } from '../common/random.js';
import { ConnectorModel, type ConnectorOptions, type ConnectorTicket } from './connector.js';
import { DatabaseModel, type DatabaseOptions, type DatabaseTicket } from './database.js';
import type { SimulationEngine } from './engine.js';
import type { ScheduledEvent } from './event-queue.js';
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

interface Attempt {
  stage: ScheduledEvent | ConnectorTicket | DatabaseTicket | undefined;
  readonly fail: () => void;
}

/**
 * One simulated process's access to the network: its connection factory, and what dies with it.
 */
export interface NetworkEndpoint {
  /** The process's connection factory. */
  readonly connect: SimConnectionFactory;
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
    const engine = this.engine;
    const egressAt = engine.now() + sample(this.options.egressDelayMs, this.random);
    const attempts = new Set<Attempt>();
    const connections = new Set<SimConnection>();
    let alive = true;
    const onEnd = (connection: SimConnection): void => {
      if (connections.delete(connection)) this.openNow--;
    };

    const connect: SimConnectionFactory = (signal) => {
      if (!alive) return new Promise<SimConnection>(() => undefined);
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      this.started++;
      this.inFlightNow++;
      return new Promise<SimConnection>((resolve, reject) => {
        const settle = (): void => {
          attempts.delete(attempt);
          this.inFlightNow--;
          signal?.removeEventListener('abort', onAbort);
        };
        const attempt: Attempt = {
          stage: undefined,
          fail: () => {
            cancelStage(attempt);
            this.wastedCount++;
            settle();
          },
        };
        const onAbort = (): void => {
          attempt.fail();
          reject(abortReason(signal!));
        };
        const atDatabase = (): void => {
          attempt.stage = this.database.accept((outcome) => {
            attempt.stage = undefined;
            if ('error' in outcome) {
              this.wastedCount++;
              settle();
              reject(outcome.error);
              return;
            }
            const connection = new SimConnection(engine, this.database, outcome.slot, this.random, onEnd);
            connections.add(connection);
            this.openNow++;
            settle();
            resolve(connection);
          });
        };
        const atConnector = (): void => {
          attempt.stage = this.connector.request(atDatabase);
        };
        attempts.add(attempt);
        signal?.addEventListener('abort', onAbort, { once: true });
        if (engine.now() < egressAt) {
          attempt.stage = engine.at(egressAt, atConnector);
        } else {
          atConnector();
        }
      });
    };

    return {
      connect,
      get openConnections() {
        return connections.size;
      },
      kill: () => {
        if (!alive) return;
        alive = false;
        for (const attempt of [...attempts]) attempt.fail();
        for (const connection of [...connections]) connection.close();
      },
    };

    function cancelStage(attempt: Attempt): void {
      const stage = attempt.stage;
      attempt.stage = undefined;
      if (stage === undefined) return;
      if ('cancel' in stage) stage.cancel();
      else engine.cancel(stage);
    }
  }
}
