/**
 * The simulator's prediction for the storm, over several seeds. One real run is one draw of a random
 * process (jittered opens, jittered admission polls, growth backoff), and so is one simulation; the
 * prediction is the median over seeds, with the seeds' range beside it, so one measured run is set
 * against the spread the model expects rather than against one draw of it.
 */

import type { Scenario } from '../../src/simulator/scenario.js';
import type { SimulationResult, StrategyResult } from '../../src/simulator/result.js';
import { simulate } from '../../src/simulator/simulate.js';
import { summarise, type Summary } from './summary.js';

/** The prediction. */
export interface StormPrediction {
  readonly seeds: readonly number[];
  /** The result of the scenario's own seed (for the lower bound and the record). */
  readonly first: SimulationResult;
  readonly readyP50: Summary;
  readonly readyMax: Summary;
  readonly allWarm: Summary;
  /** Peak connections with `database.otherClients` taken off (the sampler counts only the fleet). */
  readonly peakConnections: Summary;
  readonly ready: Summary;
  readonly attempts: Summary;
  readonly scaleUps: Summary;
}

/**
 * Simulate `scenario`'s phasegate strategy with seeds `scenario.seed`, `scenario.seed + 1`, … (`runs`
 * of them).
 *
 * @example
 * ```ts
 * const prediction = await predictStorm(scenario, 25);
 * prediction.readyMax.median;
 * ```
 */
export async function predictStorm(scenario: Scenario, runs = 25): Promise<StormPrediction> {
  const seeds = Array.from({ length: runs }, (_, i) => scenario.seed + i);
  const results: SimulationResult[] = [];
  for (const seed of seeds) results.push((await simulate({ ...scenario, seed })).result);
  const strategies: StrategyResult[] = results.map(
    (result) => result.strategies.find((s) => s.name === 'phasegate') ?? result.strategies[0]!,
  );
  const other = scenario.database.otherClients;
  return {
    seeds,
    first: results[0]!,
    readyP50: summarise(strategies.map((s) => s.allReadyMs.p50)),
    readyMax: summarise(strategies.map((s) => s.allReadyMs.max)),
    allWarm: summarise(strategies.map((s) => s.allWarmMs)),
    peakConnections: summarise(strategies.map((s) => s.peakConnections - other)),
    ready: summarise(strategies.map((s) => s.ready)),
    attempts: summarise(strategies.map((s) => s.attempts)),
    scaleUps: summarise(strategies.map((s) => s.connector.scaleUps)),
  };
}
