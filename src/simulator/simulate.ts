/**
 * Run every strategy of a scenario, side by side, on the same seed.
 */

import { ConfigError, seededRandom } from '../index.js';
import { SimulationEngine, type SettleMode } from './engine.js';
import { runFleet, type FleetRun } from './fleet.js';
import { lowerBound } from './lower-bound.js';
import { simulationResult, type SimulationOutcome } from './result.js';
import type { Scenario } from './scenario.js';
import type { StrategyDefinition } from './strategy.js';
import { builtinStrategies } from './strategies/index.js';

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /**
   * Strategies scenario entries may name, by name. @default builtinStrategies (incident,
   * naive-backoff, phasegate)
   */
  readonly strategies?: Readonly<Record<string, StrategyDefinition>>;
  /** How the engine settles promise continuations between events. @default 'tick' */
  readonly settle?: SettleMode;
  /** Called after each strategy's run (for progress output). @default none */
  readonly onStrategyDone?: (run: FleetRun) => void;
}

/**
 * Simulate a scenario: each of its strategies on a fresh engine and fresh infrastructure with the
 * same seed, then the lower bound and each strategy's ratio to it.
 *
 * @throws ConfigError naming `strategies[i].name` for an unknown strategy, a strategy's bad option,
 *   `strategies[i].label` for a second strategy shown under the same name (label, else `Strategy.name`),
 *   or `strategies[i]` for a run past `SIMULATION_MAX_EVENTS` (fleet.ts) events (something failing and
 *   being restarted or retried in next to no virtual time).
 *
 * @example
 * ```ts
 * const scenario = await loadScenario('examples/scenarios/incident.yaml');
 * const { result } = await simulate(scenario);
 * console.log(result.strategies.map((s) => [s.name, s.allReadyMs.max]));
 * ```
 */
export async function simulate(
  scenario: Scenario,
  options: SimulateOptions = {},
): Promise<SimulationOutcome> {
  const registry = options.strategies ?? builtinStrategies;
  const plans = scenario.strategies.map((entry, i) => {
    // Own keys only: `constructor` or `toString` must be unknown, not Object.prototype's.
    const definition = Object.hasOwn(registry, entry.name) ? registry[entry.name] : undefined;
    if (!definition) {
      throw new ConfigError(
        `strategies[${i}].name`,
        `unknown strategy "${entry.name}"`,
        `use one of: ${Object.keys(registry).join(', ')}`,
      );
    }
    const path = `strategies[${i}]`;
    // Build each strategy once up front (create is side-effect free), so a bad option fails before
    // any simulation runs.
    const built = definition.create({
      scenario,
      entry,
      path,
      clock: new SimulationEngine(),
      random: seededRandom(0),
    });
    return { definition, entry, path, shownAs: entry.label ?? built.name };
  });
  // Each row of the report is a key of the results: a strategy of the user's may name itself as
  // another entry is shown.
  plans.forEach((plan, i) => {
    const first = plans.findIndex((other) => other.shownAs === plan.shownAs);
    if (first < i) {
      throw new ConfigError(
        `${plan.path}.label`,
        `strategy "${plan.entry.name}" is shown as "${plan.shownAs}", as strategies[${first}] is`,
        'give one of them a label',
      );
    }
  });
  const runs: FleetRun[] = [];
  for (const plan of plans) {
    const run = await runFleet(scenario, plan.definition, plan.entry, plan.path, { settle: options.settle });
    options.onStrategyDone?.(run);
    runs.push(run);
  }
  return {
    result: simulationResult(scenario, lowerBound(scenario), runs),
    series: runs.map((run) => ({
      name: run.name,
      data: run.series.data(),
      readyTimes: run.readyAt.filter(Number.isFinite).sort((a, b) => a - b),
    })),
  };
}
