import { describe, expect, it } from 'vitest';
import type { FleetRun } from './fleet.js';
import { simulationResult } from './result.js';
import { parseScenario } from './scenario.js';
import { TimeSeries } from './time-series.js';

const run = (readyAt: number[]): FleetRun => ({
  name: 'fixed',
  instances: readyAt.length,
  readyAt,
  warmAt: readyAt,
  exits: {},
  probeKills: 0,
  restarts: 0,
  attempts: readyAt.length,
  wasted: 0,
  peakConnections: readyAt.length,
  connectorScaleUps: 0,
  connectorSlots: 50,
  endMs: Math.max(...readyAt),
  events: 0,
  series: new TimeSeries(),
});

describe('simulationResult', () => {
  const scenario = parseScenario({ name: 'ratio', fleet: { instances: 2 } });
  const bound = { setupsNeeded: 4, capacity: 97, limitedBy: 'database' } as const;

  it('divides the reported time to all ready by the reported lower bound', () => {
    // A bound of 114.5 ms is reported as 115 ms: 315 / 115 = 2.739, where 315 / 114.5 gave 2.751.
    const result = simulationResult(scenario, { ms: 114.5, ...bound }, [run([200.2, 314.6])]);
    expect(result.lowerBoundMs).toBe(115);
    const [strategy] = result.strategies;
    expect(strategy!.allReadyMs.max).toBe(315);
    expect(strategy!.ratioToLowerBound).toBe(2.739);
  });

  it('gives no ratio for a bound of 0 ms, nor when an instance never became ready', () => {
    expect(
      simulationResult(scenario, { ms: 0, ...bound }, [run([0, 0])]).strategies[0]!.ratioToLowerBound,
    ).toBeNull();
    const notAll = simulationResult(scenario, { ms: 100, ...bound }, [run([150, Infinity])]).strategies[0]!;
    expect(notAll.allReadyMs).toEqual({ p50: 150, p99: null, max: null });
    expect(notAll.ratioToLowerBound).toBeNull();
  });
});
