/**
 * The simulator's public result: per strategy, rounded and in a fixed key order, so the same
 * scenario and seed always serialise to the same bytes.
 */

import type { FleetRun } from './fleet.js';
import type { LowerBound } from './lower-bound.js';
import type { Scenario } from './scenario.js';
import type { SeriesData } from './time-series.js';

/**
 * Time to ready over the fleet, in ms from the start of the rollout. Percentiles are nearest-rank
 * over all instances, with an instance that never became ready counted as +∞; a figure that lands
 * on such an instance is `null`. So `max` is the time to all ready, and `null` unless all are.
 */
export interface ReadyTimes {
  /** Median time to ready, in ms; `null` if it lands on an instance that never became ready. */
  readonly p50: number | null;
  /** 99th percentile, in ms; `null` if it lands on an instance that never became ready. */
  readonly p99: number | null;
  /** Time to all ready, in ms; `null` unless every instance became ready. */
  readonly max: number | null;
}

/** One strategy's outcome. */
export interface StrategyResult {
  /** The strategy's name in the report (`FleetRun.name`). */
  readonly name: string;
  /** Instances in the fleet. */
  readonly instances: number;
  /**
   * Instances that became ready. A ready process is never stopped (the platform kills only a
   * process still starting, and a database restart that terminates its connections leaves it
   * running), so none of them started again.
   */
  readonly ready: number;
  /** Process exits with code 3 (a dependency failed). */
  readonly exit3: number;
  /** Processes started again after an exit or a kill. */
  readonly restarts: number;
  /** Processes killed because their startup window closed. */
  readonly probeKills: number;
  /** Every exit, by exit code (as strings, in ascending order). */
  readonly exits: Readonly<Record<string, number>>;
  /** Time to ready over the fleet. */
  readonly allReadyMs: ReadyTimes;
  /** Time at which every instance's pools reached their target; `null` unless all did. */
  readonly allWarmMs: number | null;
  /** Connection attempts started. */
  readonly attempts: number;
  /** Attempts that yielded no connection: refused (53300/57P03), timed out, aborted or killed. */
  readonly wasted: number;
  /**
   * Most connections open at the database at once: other clients' too, and reserved slots held by
   * attempts still authenticating (which are then refused).
   */
  readonly peakConnections: number;
  /**
   * `allReadyMs.max ÷ lowerBoundMs`, both as reported (whole ms), to 3 decimals; `null` when either
   * is `null` or the bound is 0 ms.
   */
  readonly ratioToLowerBound: number | null;
  /** Connector scale-outs completed, and its slots at the end. */
  readonly connector: { readonly scaleUps: number; readonly slots: number };
  /** Virtual time simulated (the run stops early once every instance is ready and warm). */
  readonly simulatedMs: number;
}

/** The whole result of a simulation. */
export interface SimulationResult {
  /** The scenario run: its name, seed, fleet size and `durationMs` (virtual ms). */
  readonly scenario: {
    readonly name: string;
    readonly seed: number;
    readonly instances: number;
    readonly durationMs: number;
  };
  /** See `lowerBound()`: `null` when the database cannot hold `instances × minReady` connections. */
  readonly lowerBoundMs: number | null;
  /**
   * How the lower bound was reached: connection setups needed, connections ordinary roles can hold, and the
   * term that decided it (see `LowerBound`).
   */
  readonly lowerBound: {
    readonly setupsNeeded: number;
    readonly capacity: number;
    readonly limitedBy: LowerBound['limitedBy'];
  };
  /** One result per strategy, in the scenario's order. */
  readonly strategies: readonly StrategyResult[];
}

/** One strategy's time series, for the HTML report. */
export interface StrategySeries {
  /** The strategy's name, as in {@link StrategyResult.name}. */
  readonly name: string;
  /** Figures sampled every `sampleMs`. */
  readonly data: SeriesData;
  /** The exact times instances became ready, ascending (only those that did). */
  readonly readyTimes: readonly number[];
}

/** A result plus the time series of each strategy (what the HTML report draws). */
export interface SimulationOutcome {
  /** The result, as written to JSON. */
  readonly result: SimulationResult;
  /** One time series per strategy, in the same order as `result.strategies`. */
  readonly series: readonly StrategySeries[];
}

const round = (value: number): number => Math.round(value);
const round3 = (value: number): number => Math.round(value * 1000) / 1000;
const finite = (value: number): number | null => (Number.isFinite(value) ? round(value) : null);

/** Nearest-rank percentile of an ascending list; `null` when it lands on +∞. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return finite(sorted[rank - 1]!);
}

/** Summarise one fleet run; `lowerBoundMs` as reported (rounded), for the ratio. */
export function strategyResult(run: FleetRun, lowerBoundMs: number | null): StrategyResult {
  const readyTimes = [...run.readyAt].sort((a, b) => a - b);
  const max = percentile(readyTimes, 1);
  const exits: Record<string, number> = {};
  for (const code of Object.keys(run.exits)
    .map(Number)
    .sort((a, b) => a - b)) {
    exits[String(code)] = run.exits[code]!;
  }
  return {
    name: run.name,
    instances: run.instances,
    ready: run.readyAt.filter(Number.isFinite).length,
    exit3: run.exits[3] ?? 0,
    restarts: run.restarts,
    probeKills: run.probeKills,
    exits,
    allReadyMs: { p50: percentile(readyTimes, 0.5), p99: percentile(readyTimes, 0.99), max },
    allWarmMs: finite(run.warmAt.reduce((a, b) => (b > a ? b : a), -Infinity)),
    attempts: run.attempts,
    wasted: run.wasted,
    peakConnections: run.peakConnections,
    ratioToLowerBound: max !== null && lowerBoundMs ? round3(max / lowerBoundMs) : null,
    connector: { scaleUps: run.connectorScaleUps, slots: run.connectorSlots },
    simulatedMs: round(run.endMs),
  };
}

/** Assemble the result of a scenario from its runs. */
export function simulationResult(
  scenario: Scenario,
  bound: LowerBound,
  runs: readonly FleetRun[],
): SimulationResult {
  const lowerBoundMs = bound.ms === null ? null : round(bound.ms);
  return {
    scenario: {
      name: scenario.name,
      seed: scenario.seed,
      instances: scenario.fleet.instances,
      durationMs: scenario.durationMs,
    },
    lowerBoundMs,
    lowerBound: { setupsNeeded: bound.setupsNeeded, capacity: bound.capacity, limitedBy: bound.limitedBy },
    // The ratio divides the figures the result shows, so a reader can check it from them.
    strategies: runs.map((run) => strategyResult(run, lowerBoundMs)),
  };
}
