import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { StartupError } from '../errors/startup-error.js';
import { ErrorCodes } from '../errors/codes.js';
import { runFleet } from './fleet.js';
import { parseScenario, type ScenarioInput } from './scenario.js';
import type { StrategyDefinition } from './strategy.js';

const scenario = (over: Partial<ScenarioInput> = {}) =>
  parseScenario({
    name: 'fleet-test',
    durationMs: 120_000,
    fleet: { instances: 4 },
    platform: { startupWindowMs: 30_000, crashLoop: { initialMs: 10_000, maxMs: 40_000 } },
    connector: { slots: 10, setupMs: 10 },
    database: { maxConnections: 20, reserved: 0, acceptMs: 1, authMs: 1, queryMs: 1 },
    service: { minReady: 2 },
    ...over,
  });

const define = (name: string, launch: StrategyDefinition['create']): StrategyDefinition => ({
  name,
  description: name,
  create: launch,
});

describe('runFleet', () => {
  it('records ready and warm times per instance, and stops once all are warm', async () => {
    const strategy = define('two-connections', () => ({
      name: 'two-connections',
      async launch(instance) {
        await instance.clock.sleep(instance.index * 1_000);
        const signal = new AbortController().signal;
        await Promise.all([instance.connect(signal), instance.connect(signal)]);
        instance.warm();
      },
    }));
    const run = await runFleet(scenario(), strategy, { name: 'two-connections' }, 'strategies[0]');
    expect(run.readyAt.every(Number.isFinite)).toBe(true);
    expect(run.readyAt[3]! - run.readyAt[0]!).toBe(3_000);
    expect(run.warmAt).toEqual(run.readyAt);
    expect(run.endMs).toBe(run.readyAt[3]);
    expect(run).toMatchObject({ attempts: 8, wasted: 0, peakConnections: 8, restarts: 0, probeKills: 0 });
    expect(run.series.data().ready.at(-1)).toBe(4);
  });

  it('gives up a run past its event budget with a ConfigError naming the strategy and what to change', async () => {
    // Every process fails at once and the platform restarts it 1 ms later: 60,000 restarts a minute
    // per instance. Past the engine's budget the run used to end in a bare "more than N events"
    // Error, which the CLI printed as an internal error (exit 70) after minutes of silence.
    const strategy = define('fail-at-once', () => ({
      name: 'fail-at-once',
      launch: () => Promise.reject(new Error('refused')),
    }));
    const run = runFleet(
      scenario({ platform: { crashLoop: { initialMs: 1, maxMs: 1 } } }),
      strategy,
      { name: 'fail-at-once' },
      'strategies[2]',
      { maxEvents: 10_000 },
    );
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ path: 'strategies[2]' });
    const { problem, hint } = error as ConfigError;
    expect(problem).toMatch(
      /^strategy "fail-at-once" ran more than 10000 simulation events and reached only [\d.]+ s of the 120 s simulated:/,
    );
    expect(hint).toContain('platform.crashLoop.initialMs');
  });

  it('kills an instance whose startup window closes and restarts it after the crash-loop delay', async () => {
    const starts: Array<[number, number, number]> = [];
    const strategy = define('hang', ({ clock }) => ({
      name: 'hang',
      launch(instance) {
        starts.push([instance.index, instance.run, clock.now()]);
        return new Promise<void>(() => undefined);
      },
    }));
    const run = await runFleet(
      scenario({ fleet: { instances: 1 } }),
      strategy,
      { name: 'hang' },
      'strategies[0]',
    );
    // Killed at 30 s, restarted at 40 s; killed at 70 s, restarted at 90 s; killed at 120 s (the end).
    expect(starts).toEqual([
      [0, 0, 0],
      [0, 1, 40_000],
      [0, 2, 90_000],
    ]);
    expect(run).toMatchObject({ probeKills: 3, restarts: 2, exits: {} });
    expect(run.readyAt).toEqual([Infinity]);
  });

  it('counts exits by exit code, and a dead process holds no connection', async () => {
    const strategy = define('exit-3', () => ({
      name: 'exit-3',
      async launch(instance) {
        await instance.connect(new AbortController().signal);
        await instance.clock.sleep(1_000);
        throw new StartupError(ErrorCodes.COMPONENT_FAILED, 'database failed', {
          classification: 'capacity',
        });
      },
    }));
    const run = await runFleet(
      scenario({ durationMs: 15_000, fleet: { instances: 2 } }),
      strategy,
      { name: 'exit-3' },
      'strategies[0]',
    );
    expect(run.exits).toEqual({ 3: 4 });
    expect(run.restarts).toBe(2);
    const last = run.series.data();
    expect(last.connections.at(-1)).toBe(0);
  });

  it('a config error exits 78 and the process is restarted like any other exit', async () => {
    const strategy = define('bad-config', () => ({
      name: 'bad-config',
      launch: () => Promise.reject(new ConfigError('x', 'bad')),
    }));
    const run = await runFleet(
      scenario({ durationMs: 5_000 }),
      strategy,
      { name: 'bad-config' },
      'strategies[0]',
    );
    expect(run.exits).toEqual({ 78: 4 });
  });

  it('runs exit listeners when the process dies', async () => {
    let exits = 0;
    const strategy = define('listener', () => ({
      name: 'listener',
      launch(instance) {
        instance.onExit(() => exits++);
        return Promise.reject(new Error('boom'));
      },
    }));
    const run = await runFleet(
      scenario({ durationMs: 5_000, fleet: { instances: 3 } }),
      strategy,
      { name: 'listener' },
      'strategies[0]',
    );
    expect(exits).toBe(3);
    expect(run.exits).toEqual({ 1: 3 });
  });
});
