/**
 * A TCP proxy that behaves like the simulator's connector model (src/simulator/connector.ts), so a
 * real storm meets the same infrastructure the simulator predicts for:
 *
 * - every new connection queues, first in first out, for one of `slots` setup slots;
 * - a setup holds its slot for `setupMs` (drawn uniformly when a range), then frees it, and only
 *   then is the connection opened upstream and the bytes piped both ways;
 * - when the queue has been non-empty for `pressureMs` without a break and no scale-out is under
 *   way, a scale-out starts and adds `step` slots after `scaleUpDelayMs`, up to `maxSlots`; the
 *   proxy never scales in;
 * - a client that hangs up while queued or in setup gives its place up at once.
 *
 * One addition the model does not need: a start gate. While gated, new connections are held outside
 * the connector (no queue, no pressure); `openGate()` queues them all at once, in arrival order. The
 * benchmark uses it to start the storm at one instant, as the simulator does, after every process has
 * booted (see run.ts).
 */

import net from 'node:net';
import { systemClock, type CancelTimer, type Clock } from '../../src/common/clock.js';
import { defaultRandom, type Random } from '../../src/common/random.js';
import { sample, type Range } from '../../src/simulator/range.js';

/** Options of {@link ConnectorProxy.start}; the connector fields mean what they mean in a scenario. */
export interface ConnectorProxyOptions {
  /** Where connections go once through the connector. */
  readonly target: { readonly host: string; readonly port: number };
  /** Concurrent setups at first. */
  readonly slots: number;
  /** Most slots after scaling out. @default slots */
  readonly maxSlots?: number;
  /** Slots added per scale-out. @default slots */
  readonly step?: number;
  /** Time one setup holds a slot, in ms. */
  readonly setupMs: Range;
  /** Queueing without a break for this long starts a scale-out, in ms. */
  readonly pressureMs: number;
  /** Time from the start of a scale-out until its slots carry traffic, in ms. */
  readonly scaleUpDelayMs: Range;
  /** Hold new connections until {@link ConnectorProxy.openGate}. @default false */
  readonly gated?: boolean;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default Math.random */
  readonly random?: Random;
}

/** Counters of the proxy. */
export interface ConnectorProxyStats {
  readonly slots: number;
  readonly busy: number;
  readonly queued: number;
  /** Connections held at the gate now. */
  readonly held: number;
  /** Connections accepted from clients (connection attempts). */
  readonly accepted: number;
  /** Setups that went through the connector. */
  readonly setups: number;
  /** Connections that hung up before they went through (queued, held or in setup). */
  readonly abandoned: number;
  /** Connections piped to the target now. */
  readonly piped: number;
  readonly peakQueued: number;
  readonly scaleUps: number;
  /** `clock.now()` at which each scale-out started and finished. */
  readonly scaleUpTimes: ReadonlyArray<{ readonly startedAt: number; readonly doneAt: number }>;
}

type State = 'held' | 'queued' | 'setup' | 'piped' | 'gone';

interface Conn {
  readonly socket: net.Socket;
  state: State;
  cancelSetup: CancelTimer | undefined;
  upstream: net.Socket | undefined;
}

/**
 * The proxy. Listens on 127.0.0.1 (a free port); `close()` cuts every connection and clears every
 * timer.
 *
 * @example
 * ```ts
 * const proxy = await ConnectorProxy.start({ target: { host: '127.0.0.1', port: 5432 }, slots: 2,
 *   setupMs: 500, pressureMs: 1500, scaleUpDelayMs: 3000, step: 2, maxSlots: 6 });
 * // postgres://user:pw@127.0.0.1:${proxy.port}/db now goes through the connector
 * await proxy.close();
 * ```
 */
export class ConnectorProxy {
  private slotsNow: number;
  private readonly maxSlots: number;
  private readonly step: number;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly queue: Conn[] = [];
  private readonly held: Conn[] = [];
  private readonly conns = new Set<Conn>();
  private gated: boolean;
  private busy = 0;
  private accepted = 0;
  private setups = 0;
  private abandoned = 0;
  private piped = 0;
  private peakQueued = 0;
  private scaling: CancelTimer | undefined;
  private pressure: CancelTimer | undefined;
  private readonly scaleUpTimes: Array<{ startedAt: number; doneAt: number }> = [];
  private heldListener: ((held: number) => void) | undefined;
  private readonly server: net.Server;
  private portNow = 0;

  private constructor(private readonly options: ConnectorProxyOptions) {
    this.slotsNow = options.slots;
    this.maxSlots = options.maxSlots ?? options.slots;
    this.step = options.step ?? options.slots;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? defaultRandom;
    this.gated = options.gated ?? false;
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  /** Start listening on a free port of 127.0.0.1. */
  static async start(options: ConnectorProxyOptions): Promise<ConnectorProxy> {
    const proxy = new ConnectorProxy(options);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', 511, () => resolve());
    });
    proxy.portNow = (proxy.server.address() as net.AddressInfo).port;
    return proxy;
  }

  /** The port it listens on. */
  get port(): number {
    return this.portNow;
  }

  /** `url` rewritten to go through the proxy. */
  via(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.portNow);
    return parsed.toString();
  }

  /** Call `listener` with the number of held connections whenever it changes. */
  onHeld(listener: (held: number) => void): void {
    this.heldListener = listener;
  }

  /** Queue every held connection (in arrival order) and stop holding new ones. */
  openGate(): void {
    if (!this.gated) return;
    this.gated = false;
    for (const conn of this.held.splice(0)) if (conn.state === 'held') this.enqueue(conn);
  }

  stats(): ConnectorProxyStats {
    return {
      slots: this.slotsNow,
      busy: this.busy,
      queued: this.queue.length,
      held: this.held.length,
      accepted: this.accepted,
      setups: this.setups,
      abandoned: this.abandoned,
      piped: this.piped,
      peakQueued: this.peakQueued,
      scaleUps: this.scaleUpTimes.length,
      scaleUpTimes: this.scaleUpTimes.map((t) => ({ ...t })),
    };
  }

  /** Stop listening, cut every connection, clear every timer. */
  async close(): Promise<void> {
    this.pressure?.();
    this.scaling?.();
    this.pressure = this.scaling = undefined;
    for (const conn of [...this.conns]) this.drop(conn);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.accepted++;
    const conn: Conn = { socket, state: 'held', cancelSetup: undefined, upstream: undefined };
    this.conns.add(conn);
    socket.on('error', () => this.drop(conn));
    socket.on('close', () => this.drop(conn));
    // No 'data' listener until piped: what the client sends (its startup message) waits in the
    // socket's buffer, as it would wait in the connector.
    if (this.gated) {
      this.held.push(conn);
      this.heldListener?.(this.held.length);
    } else {
      this.enqueue(conn);
    }
  }

  private enqueue(conn: Conn): void {
    conn.state = 'queued';
    this.queue.push(conn);
    if (this.queue.length > this.peakQueued) this.peakQueued = this.queue.length;
    if (this.queue.length === 1) this.armPressure();
    this.pump();
  }

  private pump(): void {
    while (this.busy < this.slotsNow && this.queue.length > 0) {
      const conn = this.queue.shift()!;
      if (this.queue.length === 0) this.disarmPressure();
      conn.state = 'setup';
      this.busy++;
      conn.cancelSetup = this.clock.timer(sample(this.options.setupMs, this.random), () =>
        this.finishSetup(conn),
      );
    }
  }

  private finishSetup(conn: Conn): void {
    conn.cancelSetup = undefined;
    this.busy--;
    this.setups++;
    this.pump();
    conn.state = 'piped';
    this.piped++;
    const { host, port } = this.options.target;
    const upstream = net.connect({ host, port, noDelay: true });
    conn.upstream = upstream;
    upstream.on('error', () => this.drop(conn));
    upstream.on('close', () => this.drop(conn));
    conn.socket.pipe(upstream);
    upstream.pipe(conn.socket);
  }

  /** A connection ended (either side) or the proxy closes: free whatever it held. Idempotent. */
  private drop(conn: Conn): void {
    const was = conn.state;
    if (was === 'gone') return;
    conn.state = 'gone';
    this.conns.delete(conn);
    if (was === 'held') {
      this.held.splice(this.held.indexOf(conn), 1);
      this.abandoned++;
      this.heldListener?.(this.held.length);
    } else if (was === 'queued') {
      this.queue.splice(this.queue.indexOf(conn), 1);
      this.abandoned++;
      if (this.queue.length === 0) this.disarmPressure();
    } else if (was === 'setup') {
      conn.cancelSetup?.();
      conn.cancelSetup = undefined;
      this.busy--;
      this.abandoned++;
      this.pump();
    } else {
      this.piped--;
    }
    conn.socket.destroy();
    conn.upstream?.destroy();
  }

  private armPressure(): void {
    if (this.scaling || this.slotsNow >= this.maxSlots || this.pressure) return;
    this.pressure = this.clock.timer(this.options.pressureMs, () => {
      this.pressure = undefined;
      if (this.queue.length > 0) this.startScaleUp();
    });
  }

  private disarmPressure(): void {
    this.pressure?.();
    this.pressure = undefined;
  }

  private startScaleUp(): void {
    const startedAt = this.clock.now();
    this.scaling = this.clock.timer(sample(this.options.scaleUpDelayMs, this.random), () => {
      this.scaling = undefined;
      this.scaleUpTimes.push({ startedAt, doneAt: this.clock.now() });
      this.slotsNow = Math.min(this.maxSlots, this.slotsNow + this.step);
      if (this.queue.length > 0) this.armPressure();
      this.pump();
    });
  }
}
