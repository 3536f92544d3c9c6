/**
 * Runs one strategy for a whole fleet on one engine: starts every instance, plays the platform
 * (startup-probe kills, crash-loop restarts), and records what happened.
 */

import { ConfigError, exitCodeFor, seededRandom, type CancelTimer } from '../index.js';
import { SimulationEngine, type SettleMode, type SimProcess } from './engine.js';
import { SimulatedInfrastructure } from './infra.js';
import { deriveSeed } from './range.js';
import type { Scenario, StrategyEntry } from './scenario.js';
import type { SimInstance, StrategyDefinition } from './strategy.js';
import { TimeSeries } from './time-series.js';

/** Raw outcome of one strategy's simulation (see `StrategyResult` for the rounded, public form). */
export interface FleetRun {
  /** Shown in the report: the entry's `label` if it has one, else the strategy's `Strategy.name`. */
  readonly name: string;
  /** Instances in the fleet (`scenario.fleet.instances`). */
  readonly instances: number;
  /** Per instance: virtual time it became ready (from the start of the rollout), or `Infinity`. */
  readonly readyAt: readonly number[];
  /** Per instance: virtual time its pools reached their target, or `Infinity`. */
  readonly warmAt: readonly number[];
  /** Exits by exit code. */
  readonly exits: Readonly<Record<number, number>>;
  /** Processes the platform killed because the startup window closed. */
  readonly probeKills: number;
  /** Processes started after the first one of each instance. */
  readonly restarts: number;
  /** Connection attempts started, over every process and restart. */
  readonly attempts: number;
  /** Attempts that yielded no connection: refused, timed out, aborted, or cut off by a kill. */
  readonly wasted: number;
  /**
   * Most connections open at the database at once: other clients' too, and reserved slots held by
   * attempts still authenticating (which are then refused).
   */
  readonly peakConnections: number;
  /** Connector scale-outs completed. */
  readonly connectorScaleUps: number;
  /** The connector's slots at the end. */
  readonly connectorSlots: number;
  /** Virtual time at which the simulation stopped. */
  readonly endMs: number;
  /** Events the engine ran. */
  readonly events: number;
  /** Figures sampled every `scenario.sampleMs` of virtual time, for the report. */
  readonly series: TimeSeries;
}

/** Options of {@link runFleet}. */
export interface RunFleetOptions {
  /** How the engine settles continuations. @default 'tick' */
  readonly settle?: SettleMode;
  /**
   * Capture stack traces of errors created while the simulation runs. Off, `Error.stackTraceLimit`
   * is 0 during the run (and restored after): the errors are the same, without their stacks.
   * @default false
   */
  readonly captureStacks?: boolean;
  /**
   * Events the run may take before it is given up as a runaway (see {@link SIMULATION_MAX_EVENTS}).
   * @default SIMULATION_MAX_EVENTS
   */
  readonly maxEvents?: number;
}

/**
 * Events one strategy's run may take. The incident at 1,000 instances over 10 virtual minutes takes
 * under 200,000 (BENCHMARKS.md), at 10,000 instances about 2 M; a run past this most likely has
 * something repeating in next to no virtual time, and would otherwise go on for many minutes.
 */
export const SIMULATION_MAX_EVENTS = 50_000_000;

interface InstanceState {
  readonly index: number;
  readonly startAt: number;
  run: number;
  failures: number;
  readyAt: number;
  warmAt: number;
}

/** Random stream purposes, so that adding one never shifts the others. */
const STREAM_INFRA = 1;
const STREAM_INSTANCE = 2;
const STREAM_STRATEGY = 3;

/**
 * Simulate `definition` on `scenario`. Every strategy of a scenario gets a fresh engine and fresh
 * infrastructure with the same seeds, so they face the same conditions.
 *
 * @throws ConfigError at `path` when the run passes `options.maxEvents` events (a runaway: see
 *   {@link SIMULATION_MAX_EVENTS}), saying how far virtual time got and what to raise.
 */
export async function runFleet(
  scenario: Scenario,
  definition: StrategyDefinition,
  entry: StrategyEntry,
  path: string,
  options: RunFleetOptions = {},
): Promise<FleetRun> {
  const engine = new SimulationEngine({ settle: options.settle ?? 'tick' });
  const seed = scenario.seed;
  const infra = new SimulatedInfrastructure(
    engine,
    {
      connector: {
        ...scenario.connector,
        maxSlots: scenario.connector.maxSlots ?? scenario.connector.slots,
        step: scenario.connector.step ?? scenario.connector.slots,
        maxSetupsPerSecond: scenario.connector.maxSetupsPerSecond ?? Infinity,
      },
      database: {
        ...scenario.database,
        backlog: scenario.database.backlog ?? Math.min(2 * scenario.database.maxConnections, 4096),
        restart: scenario.database.restart,
      },
      egressDelayMs: scenario.platform.egressDelayMs,
    },
    seededRandom(deriveSeed(seed, STREAM_INFRA)),
  );
  const strategy = definition.create({
    scenario,
    entry,
    path,
    clock: engine,
    random: seededRandom(deriveSeed(seed, STREAM_STRATEGY)),
  });

  const n = scenario.fleet.instances;
  const spread = scenario.fleet.startSpreadMs;
  const { startupWindowMs, crashLoop } = scenario.platform;
  const exits: Record<number, number> = {};
  let probeKills = 0;
  let restarts = 0;
  let ready = 0;
  let warm = 0;
  const states: InstanceState[] = [];

  const launch = (state: InstanceState): void => {
    if (state.run > 0) restarts++;
    const run = state.run++;
    const startedAt = engine.now();
    const process: SimProcess = engine.process();
    const endpoint = infra.endpoint();
    const exitListeners: Array<() => void> = [];
    let cancelProbe: CancelTimer | undefined;

    const die = (): void => {
      if (!process.alive) return;
      process.kill();
      cancelProbe?.();
      endpoint.kill();
      for (const listener of exitListeners) listener();
      const ranFor = engine.now() - startedAt;
      if (ranFor >= crashLoop.resetAfterMs) state.failures = 0;
      const delay = Math.min(crashLoop.maxMs, crashLoop.initialMs * 2 ** state.failures);
      state.failures++;
      engine.timer(delay, () => launch(state));
    };

    cancelProbe = engine.timer(startupWindowMs, () => {
      cancelProbe = undefined;
      if (!process.alive) return;
      probeKills++;
      die();
    });

    const instance: SimInstance = {
      index: state.index,
      run,
      clock: process.clock,
      random: seededRandom(deriveSeed(seed, STREAM_INSTANCE, state.index, run)),
      connect: endpoint.connect,
      open: endpoint.open,
      scenario,
      warm: () => {
        if (!process.alive || state.warmAt !== Infinity) return;
        state.warmAt = engine.now();
        warm++;
      },
      onExit: (listener) => void exitListeners.push(listener),
    };

    let launched: Promise<void>;
    try {
      launched = strategy.launch(instance);
    } catch (error) {
      launched = Promise.reject(error);
    }
    launched.then(
      () => {
        if (!process.alive || state.readyAt !== Infinity) return;
        cancelProbe?.();
        cancelProbe = undefined;
        state.readyAt = engine.now();
        ready++;
      },
      (error: unknown) => {
        if (!process.alive) return;
        const code = exitCodeFor(error);
        exits[code] = (exits[code] ?? 0) + 1;
        die();
      },
    );
  };

  for (let i = 0; i < n; i++) {
    const state: InstanceState = {
      index: i,
      startAt: n > 1 ? (spread * i) / (n - 1) : 0,
      run: 0,
      failures: 0,
      readyAt: Infinity,
      warmAt: Infinity,
    };
    states.push(state);
    engine.at(state.startAt, () => launch(state));
  }

  const series = new TimeSeries();
  const sample = (): void => {
    series.push(engine.now(), ready, infra.database.open, infra.inFlight, infra.connector.slots);
  };
  const sampler = (): void => {
    sample();
    engine.at(engine.now() + scenario.sampleMs, sampler, true);
  };
  engine.at(0, sampler, true);

  // A storm creates hundreds of thousands of errors whose stacks nobody reads, and capturing a stack
  // is most of what an error costs; the simulated code cannot tell the difference.
  const stackTraceLimit = Error.stackTraceLimit;
  if (!options.captureStacks) Error.stackTraceLimit = 0;
  let result: Awaited<ReturnType<SimulationEngine['run']>>;
  const maxEvents = options.maxEvents ?? SIMULATION_MAX_EVENTS;
  try {
    // A run ends early once every instance is ready and warm, except with a database restart: what
    // a restart does to a warm fleet (and how it refills) is the point, so it runs the full duration.
    const stopEarly = scenario.database.restart === undefined;
    result = await engine.run({
      until: scenario.durationMs,
      stopWhen: stopEarly ? () => ready === n && warm === n : undefined,
      maxEvents,
    });
  } catch (error) {
    // The engine's guard (this engine runs once, so its count is this run's): say what to change.
    if (engine.events <= maxEvents) throw error;
    throw runawayError(entry.label ?? strategy.name, path, maxEvents, engine.now(), scenario.durationMs);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  if (series.lastTime() !== engine.now()) sample();

  const stats = infra.stats();
  const connector = infra.connector.stats();
  return {
    name: entry.label ?? strategy.name,
    instances: n,
    readyAt: states.map((s) => s.readyAt),
    warmAt: states.map((s) => s.warmAt),
    exits,
    probeKills,
    restarts,
    attempts: stats.attempts,
    wasted: stats.wasted,
    peakConnections: infra.database.peak,
    connectorScaleUps: connector.scaleUps,
    connectorSlots: connector.slots,
    endMs: result.time,
    events: result.events,
    series,
  };
}

/** The scenario's run went past its event budget: something repeats in next to no virtual time. */
function runawayError(
  name: string,
  path: string,
  maxEvents: number,
  atMs: number,
  durationMs: number,
): ConfigError {
  const seconds = (ms: number): string => `${+(ms / 1000).toFixed(3)} s`;
  return new ConfigError(
    path,
    `strategy "${name}" ran more than ${maxEvents} simulation events and reached only ` +
      `${seconds(atMs)} of the ${seconds(durationMs)} simulated: too much happens to simulate, most ` +
      'likely processes or attempts failing and starting again in next to no virtual time',
    "raise platform.crashLoop.initialMs, the setup and accept times or the strategy's timeouts and " +
      'backoff, or simulate fewer instances or a shorter durationMs',
  );
}
