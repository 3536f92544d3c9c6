/**
 * The lower bound is a bound: no strategy, not even one that opens exactly `minReady` connections
 * at once and nothing else, becomes ready sooner in the simulator, over random connectors,
 * databases, egress delays and fleets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instanceReadyFloorMs, lowerBound } from './lower-bound.js';
import type { Range } from './range.js';
import { parseScenario } from './scenario.js';
import { simulate } from './simulate.js';
import { builtinStrategies } from './strategies/index.js';
import type { StrategyDefinition } from './strategy.js';

/** Opens `minReady` connections in parallel and is ready: the least any strategy can do. */
const greedy: StrategyDefinition = {
  name: 'greedy',
  description: 'opens minReady connections at once, then is ready',
  create: ({ scenario }) => ({
    name: 'greedy',
    async launch(instance) {
      await Promise.all(Array.from({ length: scenario.service.minReady }, () => instance.connect()));
      instance.warm();
    },
  }),
};

const range = (max: number): fc.Arbitrary<Range> =>
  fc.oneof(
    fc.integer({ min: 0, max }),
    fc
      .tuple(fc.integer({ min: 0, max }), fc.integer({ min: 0, max }))
      .map(([min, extra]) => ({ min, max: min + extra })),
  );

const scenarios = fc
  .record({
    instances: fc.integer({ min: 1, max: 25 }),
    startSpreadMs: fc.integer({ min: 0, max: 5_000 }),
    egressDelayMs: range(3_000),
    slots: fc.integer({ min: 1, max: 20 }),
    extraSlots: fc.integer({ min: 0, max: 40 }),
    step: fc.integer({ min: 1, max: 10 }),
    setupMs: range(200),
    pressureMs: fc.integer({ min: 0, max: 3_000 }),
    scaleUpDelayMs: range(5_000),
    maxSetupsPerSecond: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
    acceptMs: range(20),
    authMs: range(30),
    minReady: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer({ min: 0, max: 1_000 }),
  })
  .map((a) =>
    parseScenario({
      name: 'random',
      seed: a.seed,
      durationMs: 600_000,
      fleet: { instances: a.instances, startSpreadMs: a.startSpreadMs },
      platform: { egressDelayMs: a.egressDelayMs },
      connector: {
        slots: a.slots,
        maxSlots: a.slots + a.extraSlots,
        ...(a.extraSlots > 0 ? { step: a.step } : {}),
        setupMs: a.setupMs,
        pressureMs: a.pressureMs,
        scaleUpDelayMs: a.scaleUpDelayMs,
        ...(a.maxSetupsPerSecond === undefined ? {} : { maxSetupsPerSecond: a.maxSetupsPerSecond }),
      },
      database: { maxConnections: 200, acceptMs: a.acceptMs, authMs: a.authMs },
      service: { poolSize: 3, maxOverflow: 0, minReady: a.minReady },
      strategies: [{ name: 'phasegate' }, { name: 'greedy' }],
    }),
  );

describe('lowerBound', () => {
  it('is never beaten, and a lone instance is never ready before instanceReadyFloorMs', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios, async (scenario) => {
        const bound = lowerBound(scenario).ms!;
        const { result } = await simulate(scenario, { strategies: { ...builtinStrategies, greedy } });
        expect(result.lowerBoundMs).toBe(Math.round(bound));
        for (const strategy of result.strategies) {
          // Greedy can always be ready: at most 25 × 3 connections, and 197 to hold them.
          if (strategy.name === 'greedy') expect(strategy.allReadyMs.max).not.toBeNull();
          const allReady = strategy.allReadyMs.max;
          if (allReady === null) continue;
          expect(allReady, strategy.name).toBeGreaterThanOrEqual(result.lowerBoundMs!);
          if (scenario.fleet.instances === 1) {
            expect(allReady, strategy.name).toBeGreaterThanOrEqual(
              Math.round(instanceReadyFloorMs(scenario)),
            );
          }
        }
      }),
      { numRuns: 60, seed: 20261127 },
    );
  }, 60_000);
});

describe('lowerBound, worked by hand', () => {
  const scenario = (
    instances: number,
    connector: object,
    database: object = {},
    spreadMs = 0,
    egressMs = 0,
  ) =>
    parseScenario({
      name: 'by-hand',
      fleet: { instances, startSpreadMs: spreadMs },
      platform: { egressDelayMs: egressMs },
      connector: {
        slots: 2,
        maxSlots: 5,
        step: 2,
        setupMs: 100,
        pressureMs: 1_000,
        scaleUpDelayMs: 5_000,
        ...connector,
      },
      database: { maxConnections: 1_000, reserved: 0, acceptMs: 0, authMs: 0, ...database },
      service: { poolSize: 1, maxOverflow: 0, minReady: 1 },
    });

  it('adds slots a step at a time, pressureMs + scaleUpDelayMs apart, up to maxSlots', () => {
    // 2 slots of 100 ms carry 120 setups by 6 000 ms; then 4 slots: 80 more take 2 000 ms.
    expect(lowerBound(scenario(200, {}))).toMatchObject({ ms: 8_000, limitedBy: 'connector' });
    // 120 by 6 000, 240 more by 12 000 on 4 slots, then 5 (not 6) slots: the last 40 take 800 ms.
    expect(lowerBound(scenario(400, {})).ms).toBe(12_800);
  });

  it('spaces starts under maxSetupsPerSecond, and counts serial accepts and the last start', () => {
    // The 10th start at 9 × 500 ms, then its setup, accept and authentication.
    expect(lowerBound(scenario(10, { maxSetupsPerSecond: 2 }, { acceptMs: 1, authMs: 3 })).ms).toBe(4_604);
    // 50 fixed slots finish 100 setups by 200 ms, but 100 accepts of 10 ms after the first setup take to 1 100.
    const db = lowerBound(
      scenario(100, { slots: 50, maxSlots: 50, step: undefined }, { acceptMs: 10, authMs: 3 }),
    );
    expect(db).toMatchObject({ ms: 1_103, limitedBy: 'database' });
    // The last of 3 starts at 5 000 ms: its egress, one setup, its accept and authentication.
    const late = lowerBound(scenario(3, {}, { acceptMs: 1, authMs: 2 }, 5_000, 500));
    expect(late).toMatchObject({ ms: 5_603, limitedBy: 'latency' });
  });
});

describe('instanceReadyFloorMs', () => {
  const lone = (connector: Record<string, unknown>, minReady: number) =>
    parseScenario({
      name: 'floor',
      fleet: { instances: 1 },
      platform: { startupWindowMs: 1_000 },
      connector: { setupMs: 50, ...connector },
      database: { acceptMs: 3, authMs: 5 },
      service: { poolSize: 5, maxOverflow: 0, minReady },
    });

  it('counts the connector: its start rate and its slots, not only one setup', () => {
    // One setup every 2 s: the second of two cannot start before 2 s, so no instance is ready within a
    // 1 s window. The floor said 61 ms (one setup, two accepts, authentication) and the table kept
    // quiet about a window no strategy can meet.
    expect(instanceReadyFloorMs(lone({ slots: 2, maxSetupsPerSecond: 0.5 }, 2))).toBe(2_000 + 50 + 3 + 5);
    // Five setups through one slot: one after another.
    expect(instanceReadyFloorMs(lone({ slots: 1 }, 5))).toBe(5 * 50 + 3 + 5);
    // Enough slots, no rate: one setup, then the accepts one after another.
    expect(instanceReadyFloorMs(lone({ slots: 5 }, 5))).toBe(50 + 5 * 3 + 5);
  });
});
