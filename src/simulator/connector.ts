/**
 * A model of the network connector between a fleet and its database (for example a Serverless VPC
 * Access connector): a limited number of concurrent connection setups, each taking a while, that
 * scales out by a step after sustained pressure, with a delay, up to a maximum, and never scales in.
 */

import type { Random } from '../index.js';
import type { SimulationEngine } from './engine.js';
import type { Firable, ScheduledEvent } from './event-queue.js';
import { sample, type Range } from './range.js';

/** Resolved connector settings (see `ConnectorSchema` in scenario.ts for the documented input). */
export interface ConnectorOptions {
  /** Concurrent connection setups the connector carries at first. */
  readonly slots: number;
  /** Most slots it scales out to. */
  readonly maxSlots: number;
  /** Slots added per scale-out. */
  readonly step: number;
  /** Time one connection setup holds a slot, in ms. */
  readonly setupMs: Range;
  /** How long setups must queue with every slot busy, without a break, before a scale-out starts, in ms. */
  readonly pressureMs: number;
  /** Time from the start of a scale-out until its slots carry traffic, in ms. */
  readonly scaleUpDelayMs: Range;
  /** Most setups started per second (a throughput limit); `Infinity` for none. */
  readonly maxSetupsPerSecond: number;
}

/** A setup waiting for, or holding, a connector slot. `cancel()` gives it up (idempotent). */
export interface ConnectorTicket {
  /** Give the setup up: it leaves the queue, or frees the slot it holds. Idempotent. */
  cancel(): void;
}

/** Who is told when a setup has gone through. */
export interface ConnectorClient {
  /**
   * The setup went through the connector. Runs inside a quiet engine event (see
   * `SimulationEngine.at`): call `engine.touch()` before settling a promise in it.
   */
  throughConnector(): void;
}

/**
 * A setup as the connector tracks it. A client that makes very many setups (a storm's connection
 * attempts) extends this class and passes itself to {@link ConnectorModel.enqueue}, so a setup
 * costs no object of its own; any other client goes through {@link ConnectorModel.request}.
 */
export abstract class ConnectorRequest implements Firable {
  /** @internal */
  connectorState: 'new' | 'queued' | 'setup' | 'done' | 'cancelled' = 'new';
  /** @internal The end of its setup, while it holds a slot. */
  connectorEvent: ScheduledEvent | undefined = undefined;
  /** @internal */
  connector: ConnectorModel | undefined = undefined;

  /** The setup went through (see {@link ConnectorClient.throughConnector}). */
  abstract throughConnector(): void;

  /** @internal The setup's time is up (an engine event). */
  fire(): void {
    this.connector!.finish(this);
  }
}

/** A {@link ConnectorModel.request} setup, for a client that is not a {@link ConnectorRequest}. */
class Waiter extends ConnectorRequest implements ConnectorTicket {
  constructor(
    /** Dropped when the waiter is cancelled, so a dead entry in the queue holds on to nothing. */
    private client: ConnectorClient | undefined,
  ) {
    super();
  }

  throughConnector(): void {
    this.client?.throughConnector();
  }

  cancel(): void {
    this.client = undefined;
    this.connector?.cancel(this);
  }
}

/** Live figures, for the time series and the result. */
export interface ConnectorStats {
  /** Current slots. */
  readonly slots: number;
  /** Slots in use now. */
  readonly busy: number;
  /** Setups waiting for a slot now. */
  readonly queued: number;
  /** Setups that went through. */
  readonly setups: number;
  /** Scale-outs completed. */
  readonly scaleUps: number;
}

/**
 * The connector. Setups queue first-in first-out for a slot; a setup holds its slot for `setupMs`
 * and then goes on to the database. When setups have queued with every slot busy for `pressureMs`
 * without a break and no scale-out is under way, a scale-out starts and adds `step` slots (up to
 * `maxSlots`) after `scaleUpDelayMs`; setups that wait only for `maxSetupsPerSecond` with a slot
 * free do not count, since more slots would not start them sooner. A cancelled setup (the client timed out) frees its place at once.
 *
 * @example
 * ```ts
 * const connector = new ConnectorModel(engine, options, random);
 * const ticket = connector.request({ throughConnector: () => database.accept(...) });
 * // later, if the client gives up:
 * ticket.cancel();
 * ```
 */
export class ConnectorModel {
  private slotsNow: number;
  private busyNow = 0;
  private queue: ConnectorRequest[] = [];
  private head = 0;
  private queuedNow = 0;
  private setupsDone = 0;
  private scaleUpsDone = 0;
  private scaling = false;
  /** Since when setups have queued without a break (for the next scale-out); NaN when not counting. */
  private pressureSince = NaN;
  /** The one pending pressure check, if any: a storm toggles the queue empty and back very often. */
  private pressureCheck: ScheduledEvent | undefined;
  private readonly pressureCheckFire: Firable = { fire: () => this.checkPressure() };
  private nextStartAt = 0;
  private wake: ScheduledEvent | undefined;
  private readonly spacingMs: number;

  /**
   * Starts with `options.slots` slots and schedules nothing until a setup is queued.
   * @param random Draws `setupMs` and `scaleUpDelayMs`.
   */
  constructor(
    private readonly engine: SimulationEngine,
    private readonly options: ConnectorOptions,
    private readonly random: Random,
  ) {
    this.slotsNow = options.slots;
    this.spacingMs = Number.isFinite(options.maxSetupsPerSecond) ? 1000 / options.maxSetupsPerSecond : 0;
  }

  /** Queue a setup; `client.throughConnector()` runs when it has gone through. */
  request(client: ConnectorClient): ConnectorTicket {
    const waiter = new Waiter(client);
    this.enqueue(waiter);
    return waiter;
  }

  /**
   * Queue a setup that is its own bookkeeping; `request.throughConnector()` runs when it has gone
   * through, and {@link ConnectorModel.cancel} gives it up. A request is queued once.
   */
  enqueue(request: ConnectorRequest): void {
    request.connector = this;
    request.connectorState = 'queued';
    this.queue.push(request);
    this.queuedNow++;
    this.pump();
  }

  /** Current figures. */
  stats(): ConnectorStats {
    return {
      slots: this.slotsNow,
      busy: this.busyNow,
      queued: this.queuedNow,
      setups: this.setupsDone,
      scaleUps: this.scaleUpsDone,
    };
  }

  /** Current slots (cheap, for sampling). */
  get slots(): number {
    return this.slotsNow;
  }

  /** Give a queued setup up, or one holding a slot (which frees it). Idempotent. */
  cancel(waiter: ConnectorRequest): void {
    if (waiter.connectorState === 'queued') {
      waiter.connectorState = 'cancelled';
      this.queuedNow--;
      this.updatePressure();
      // Cancelled waiters stay in the queue until the head reaches them; when they are most of it
      // (a storm of attempts that time out while queued), drop them now.
      const entries = this.queue.length - this.head;
      if (entries > 1024 && this.queuedNow * 2 < entries) {
        this.queue = this.queue.slice(this.head).filter((w) => w.connectorState === 'queued');
        this.head = 0;
      }
    } else if (waiter.connectorState === 'setup') {
      waiter.connectorState = 'cancelled';
      if (waiter.connectorEvent) this.engine.cancel(waiter.connectorEvent);
      waiter.connectorEvent = undefined;
      this.busyNow--;
      this.pump();
    }
  }

  /** Start what the slots and the throughput limit allow, then see whether pressure holds. */
  private pump(): void {
    this.fill();
    this.updatePressure();
  }

  private fill(): void {
    while (this.busyNow < this.slotsNow && this.queuedNow > 0) {
      const now = this.engine.now();
      if (now < this.nextStartAt) {
        if (this.wake === undefined) {
          this.wake = this.engine.at(
            this.nextStartAt,
            () => {
              this.wake = undefined;
              this.pump();
            },
            true,
          );
        }
        return;
      }
      const waiter = this.shift();
      this.nextStartAt = now + this.spacingMs;
      waiter.connectorState = 'setup';
      this.busyNow++;
      waiter.connectorEvent = this.engine.at(now + sample(this.options.setupMs, this.random), waiter, true);
    }
  }

  /** @internal A setup's time is up: free the slot, start the next, pass this one on. */
  finish(waiter: ConnectorRequest): void {
    waiter.connectorState = 'done';
    waiter.connectorEvent = undefined;
    this.busyNow--;
    this.setupsDone++;
    this.pump();
    waiter.throughConnector();
  }

  private shift(): ConnectorRequest {
    for (;;) {
      const waiter = this.queue[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (waiter.connectorState === 'queued') {
        this.queuedNow--;
        return waiter;
      }
    }
  }

  /**
   * Pressure is setups queued while every slot is busy: what more slots would relieve. (Setups
   * that wait only for the throughput limit, with a slot free, are not pressure.) It counts from
   * when it began, or from the end of the last scale-out, and a break resets it; the pending check,
   * if any, then finds nothing. Called after every change to the queue or the slots.
   */
  private updatePressure(): void {
    if (this.queuedNow === 0 || this.busyNow < this.slotsNow) {
      this.pressureSince = NaN;
      return;
    }
    if (!Number.isNaN(this.pressureSince) || this.scaling || this.slotsNow >= this.options.maxSlots) return;
    this.pressureSince = this.engine.now();
    this.schedulePressureCheck();
  }

  private schedulePressureCheck(): void {
    if (this.pressureCheck !== undefined) return;
    this.pressureCheck = this.engine.at(
      this.pressureSince + this.options.pressureMs,
      this.pressureCheckFire,
      true,
    );
  }

  /**
   * A pressure check is due. Rather than cancel and re-schedule a check each time the queue empties
   * and fills again, one check runs at the earliest time pressure could be sustained, and looks
   * again later when the queue was refilled meanwhile.
   */
  private checkPressure(): void {
    this.pressureCheck = undefined;
    if (Number.isNaN(this.pressureSince) || this.scaling) return;
    if (this.engine.now() >= this.pressureSince + this.options.pressureMs) {
      this.pressureSince = NaN;
      this.startScaleUp();
    } else {
      this.schedulePressureCheck();
    }
  }

  private startScaleUp(): void {
    this.scaling = true;
    this.engine.at(
      this.engine.now() + sample(this.options.scaleUpDelayMs, this.random),
      () => {
        this.scaling = false;
        this.scaleUpsDone++;
        this.slotsNow = Math.min(this.options.maxSlots, this.slotsNow + this.options.step);
        this.pump();
      },
      true,
    );
  }
}
