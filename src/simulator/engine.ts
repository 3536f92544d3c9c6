/**
 * The simulator's discrete-event engine: virtual time that implements {@link Clock}, so the real
 * orchestrator, policies and components run on it unchanged, for many virtual instances at once.
 */

import { sleepOnTimer, type CancelTimer, type Clock, type TimerFn } from '../index.js';
import { EventQueue, fire, type Firable, type ScheduledEvent } from './event-queue.js';

/**
 * How the engine lets promise continuations settle after each event.
 *
 * - `'tick'`: a `process.nextTick` round-trip. V8 runs every queued microtask, including the ones
 *   queued meanwhile, before Node runs the tick queue, so this drains any `await` chain at a fraction
 *   of a macrotask's cost. Code under simulation that defers work with `process.nextTick` itself may
 *   interleave with the engine.
 * - `'immediate'`: a `setImmediate` round-trip (a full event-loop turn, about 3× slower), which also
 *   settles `process.nextTick` users.
 */
export type SettleMode = 'tick' | 'immediate';

/** Options of {@link SimulationEngine}. */
export interface SimulationEngineOptionsInput {
  /** Virtual time at which the engine starts, in ms. @default 0 */
  readonly start?: number;
  /** How continuations settle between events. @default 'tick' */
  readonly settle?: SettleMode;
}

/** How a {@link SimulationEngine.run} call ended. */
export interface RunResult {
  /** Virtual time when the run stopped. */
  readonly time: number;
  /** Events run. */
  readonly events: number;
  /** Why the run stopped: the time limit, `stopWhen`, or nothing left to do. */
  readonly reason: 'until' | 'stopped' | 'idle';
}

/** Options of one {@link SimulationEngine.run}. */
export interface RunOptions {
  /** Stop before running any event due after this virtual time; the clock ends here. @default Infinity */
  readonly until?: number;
  /** Checked after each event has settled; the run stops as soon as it returns true. */
  readonly stopWhen?: () => boolean;
  /** Guard against a runaway model: throw after this many events. @default 50_000_000 */
  readonly maxEvents?: number;
}

/**
 * A simulated process: its own view of the engine's clock. When the process is killed, its timers
 * never fire again and its sleeps never settle, like a process that died with SIGKILL: whatever it
 * was awaiting is simply gone.
 */
export interface SimProcess {
  /** The clock the process's code must use. */
  readonly clock: Clock;
  /** False once {@link SimProcess.kill} was called. */
  readonly alive: boolean;
  /** Stop the process: no timer of it runs any more. Idempotent. */
  kill(): void;
}

const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));
const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Discrete-event virtual time. Events (timers) run in due-time order, ties in the order they were
 * scheduled; after each event the engine lets every promise continuation it triggered settle before
 * it looks at the next one, so chains of `await`s behave as on real time and a run is deterministic.
 * (Quiet events, see {@link SimulationEngine.at}, skip that round when they settled nothing.)
 * Time jumps straight to the next event: ten virtual minutes cost only the events in them.
 *
 * @example
 * ```ts
 * const engine = new SimulationEngine();
 * void (async () => {
 *   await engine.sleep(1_000);
 *   console.log(engine.now()); // 1000
 * })();
 * await engine.run({ until: 60_000 });
 * ```
 */
export class SimulationEngine implements Clock {
  private time: number;
  private readonly queue = new EventQueue();
  private readonly settle: () => Promise<void>;
  private eventsRun = 0;
  private dirty = false;

  /** Nothing is scheduled yet; the clock reads `options.start` (0 by default). */
  constructor(options: SimulationEngineOptionsInput = {}) {
    this.time = options.start ?? 0;
    this.settle = (options.settle ?? 'tick') === 'tick' ? tick : immediate;
  }

  /** Virtual time now, in ms (from the `start` option, 0 by default). */
  now(): number {
    return this.time;
  }

  /** {@link SimulationEngine.timer}, bound once for the sleeps. */
  private readonly timerFn: TimerFn = (ms, callback) => this.timer(ms, callback);

  /** Runs `callback` once `ms` of virtual time have passed (at once for `ms <= 0`, on the next event). */
  timer(ms: number, callback: () => void): CancelTimer {
    const event = this.queue.push(this.time + (ms > 0 ? ms : 0), callback);
    return () => this.queue.cancel(event);
  }

  /** Resolves after `ms` of virtual time; rejects with the abort reason if `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOnTimer(this.timerFn, ms, signal);
  }

  /**
   * Schedule `callback` (a function, or an object whose `fire()` is called) at absolute virtual
   * time `at` (clamped to now). Returns the event handle.
   *
   * With `quiet`, the callback promises to settle no promise itself, or to call
   * {@link SimulationEngine.touch} before it does; the engine then skips the settling round after it,
   * which is most of the cost of an infrastructure model's internal steps.
   */
  at(at: number, callback: (() => void) | Firable, quiet = false): ScheduledEvent {
    return this.queue.push(at > this.time ? at : this.time, callback, quiet);
  }

  /** Say that the current event settled a promise, so continuations must run before the next one. */
  touch(): void {
    this.dirty = true;
  }

  /** Cancel an event made by {@link SimulationEngine.at}. */
  cancel(event: ScheduledEvent): void {
    this.queue.cancel(event);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.queue.size;
  }

  /** Events run so far, over all runs. */
  get events(): number {
    return this.eventsRun;
  }

  /** A new simulated process on this engine (see {@link SimProcess}). */
  process(): SimProcess {
    return new EngineProcess(this);
  }

  /**
   * Run events in order until the queue is empty, the next event is due after `until`, or
   * `stopWhen` returns true. Continuations settle after every event.
   */
  async run(options: RunOptions = {}): Promise<RunResult> {
    const until = options.until ?? Infinity;
    const maxEvents = options.maxEvents ?? 50_000_000;
    const stopWhen = options.stopWhen;
    const first = this.eventsRun;
    await this.settle();
    if (stopWhen?.()) return { time: this.time, events: 0, reason: 'stopped' };
    for (;;) {
      const settleNeeded = this.fireUntilSettle(until, first + maxEvents, maxEvents);
      if (!settleNeeded) {
        const events = this.eventsRun - first;
        if (this.queue.size === 0) return { time: this.time, events, reason: 'idle' };
        if (Number.isFinite(until)) this.time = until;
        return { time: this.time, events, reason: 'until' };
      }
      await this.settle();
      if (stopWhen?.()) return { time: this.time, events: this.eventsRun - first, reason: 'stopped' };
    }
  }

  /**
   * Fire due events, synchronously, until one needs continuations to settle (true) or none is due by
   * `until` (false). A plain loop, outside the async `run`: most events of a storm are quiet model
   * steps, and this is where the engine spends its time.
   */
  private fireUntilSettle(until: number, lastEvent: number, maxEvents: number): boolean {
    const queue = this.queue;
    for (;;) {
      const next = queue.popDue(until);
      if (next === undefined) return false;
      if (next.at > this.time) this.time = next.at;
      fire(next);
      if (++this.eventsRun > lastEvent) {
        throw new Error(`SimulationEngine.run: more than ${maxEvents} events`);
      }
      if (next.quiet && !this.dirty) continue;
      this.dirty = false;
      return true;
    }
  }
}

class EngineProcess implements SimProcess {
  alive = true;
  readonly clock: Clock;

  constructor(engine: SimulationEngine) {
    const guard = (callback: () => void) => () => {
      if (this.alive) callback();
    };
    const clock: Clock = {
      now: () => engine.now(),
      timer: (ms, callback) => engine.timer(ms, guard(callback)),
      sleep: (ms, signal) => sleepOnTimer(clock.timer, ms, signal),
    };
    this.clock = clock;
  }

  kill(): void {
    this.alive = false;
  }
}
