/**
 * The contract between the simulator and a startup strategy. A strategy is the code one instance
 * runs when it starts (in practice: a phasegate plan, or a configuration of the real policies); the
 * simulator runs it once per process lifetime of every instance, on virtual time.
 */

import type { Clock, Random } from '../index.js';
import type { SimConnectionFactory, SimConnectionOpener } from './infra.js';
import type { Scenario, StrategyEntry } from './scenario.js';

/** What one process lifetime of one simulated instance gets. */
export interface SimInstance {
  /** 0-based instance number. */
  readonly index: number;
  /** 0 for the first start, n after n restarts. */
  readonly run: number;
  /** The process's clock. When the process dies its timers stop, so code must use this clock. */
  readonly clock: Clock;
  /** A random stream of its own, reproducible per scenario seed, instance and run. */
  readonly random: Random;
  /**
   * Opens a connection through the simulated connector to the simulated database. The connection
   * answers `SELECT 1`, `SHOW max_connections`, `SHOW superuser_reserved_connections` and
   * `pg_stat_activity` counts; `end()` frees its slot.
   */
  readonly connect: SimConnectionFactory;
  /**
   * The same, through callbacks and a ticket instead of a promise and a signal: cheaper for a model
   * that opens many connections at once (see `openAll`). When the process dies its attempts end
   * without a call.
   */
  readonly open: SimConnectionOpener;
  /** The scenario being run. */
  readonly scenario: Scenario;
  /** Report that the instance's pools reached their target ("warm"). Only the first call counts. */
  warm(): void;
  /** Run `listener` when this process dies (it exits, or the platform kills it). */
  onExit(listener: () => void): void;
}

/**
 * A startup strategy for one simulation.
 *
 * @example
 * ```ts
 * const oneConnection: Strategy = {
 *   name: 'one-connection',
 *   async launch(instance) {
 *     // A timeout on the instance's virtual clock (`AbortSignal.timeout` would count wall time, so
 *     // it would fire at no particular virtual time, or never, and the run would not repeat).
 *     await timeout({ ms: 5_000, clock: instance.clock }).execute(({ signal }) => instance.connect(signal));
 *     instance.warm();
 *   },
 * };
 * ```
 */
export interface Strategy {
  /**
   * Name in the report, unless the scenario entry has a `label` (which the simulator shows
   * instead, so one strategy can run twice under two labels).
   */
  readonly name: string;
  /**
   * Start one process lifetime of an instance. Resolve when the instance is ready to serve; reject
   * with the error it exits on (the exit code is `exitCodeFor(error)`, and the platform restarts it
   * after the crash-loop delay). A promise that never settles is an instance stuck starting: the
   * platform kills it when its startup window closes.
   */
  launch(instance: SimInstance): Promise<void>;
}

/** What a {@link StrategyDefinition} is given to build a strategy for one simulation. */
export interface StrategyContext {
  /** The scenario being run. */
  readonly scenario: Scenario;
  /** The scenario's entry for this strategy: `name` plus the strategy's own options. */
  readonly entry: StrategyEntry;
  /** Where the entry sits in the scenario, for errors: e.g. `strategies[2]`. */
  readonly path: string;
  /**
   * The simulation's clock, shared by every instance, for fleet-wide state that outlives a process
   * (a simulated admission service, for example).
   */
  readonly clock: Clock;
  /** A random stream for fleet-wide state. */
  readonly random: Random;
}

/**
 * A named, reusable strategy: how to build it from a scenario entry. Register your own with
 * `simulate(scenario, { strategies: { ...builtinStrategies, mine } })`.
 */
export interface StrategyDefinition {
  /** The name scenario entries refer to. */
  readonly name: string;
  /** One line for people: what the strategy does. */
  readonly description: string;
  /**
   * Build the strategy. Validate the entry's options here and throw a `ConfigError` whose path
   * starts with `context.path` on a bad one. `simulate` calls it once before any run (to fail early,
   * on a throwaway clock) and once per run, so it must have no side effect; its `Strategy.name` is
   * the row's name unless the entry has a `label`.
   */
  create(context: StrategyContext): Strategy;
}
