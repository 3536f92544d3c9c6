import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { formatTable, renderHtml, toJson } from './report.js';
import { parseScenario, type ScenarioInput } from './scenario.js';
import { simulate } from './simulate.js';
import { builtinStrategies, phasegateSettings } from './strategies/index.js';
import type { StrategyDefinition } from './strategy.js';

/** The incident in miniature: 4 instances of 20 + 30 against 97 usable connections. */
const incident: ScenarioInput = {
  name: 'mini-incident',
  seed: 7,
  durationMs: 300_000,
  fleet: { instances: 4 },
  platform: { startupWindowMs: 120_000, crashLoop: { initialMs: 10_000, maxMs: 300_000 } },
  connector: { slots: 50, step: 25, maxSlots: 100, setupMs: { min: 50, max: 150 } },
  database: { maxConnections: 100, reserved: 3, acceptMs: 3 },
  service: { poolSize: 20, maxOverflow: 30, minReady: 2 },
  strategies: [
    { name: 'incident', attemptTimeoutMs: 20_000 },
    { name: 'naive-backoff' },
    { name: 'phasegate' },
  ],
};

const configPath = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    if (isConfigError(error)) return error.path;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('simulate', () => {
  it('gives byte-identical JSON for the same scenario and seed', async () => {
    const scenario = parseScenario(incident);
    const a = toJson((await simulate(scenario)).result);
    const b = toJson((await simulate(scenario)).result);
    expect(a).toBe(b);
    const other = toJson((await simulate(parseScenario({ ...incident, seed: 8 }))).result);
    expect(other).not.toBe(a);
  });

  it('reproduces the incident: exits with code 3 and restarts, while phasegate starts the fleet', async () => {
    const { result } = await simulate(parseScenario(incident));
    const [inc, naive, pg] = result.strategies;
    expect(inc!.name).toBe('incident');
    expect(inc!.exit3).toBeGreaterThan(0);
    expect(inc!.restarts).toBeGreaterThan(0);
    expect(inc!.ready).toBeLessThan(4); // 2 × 50 > 97: at most one instance holds its whole pool
    expect(inc!.allReadyMs.max).toBeNull();
    expect(naive!.exit3).toBeGreaterThan(0);
    expect(pg!.ready).toBe(4);
    expect(pg!.exit3).toBe(0);
    expect(pg!.allReadyMs.max).not.toBeNull();
    expect(pg!.ratioToLowerBound).toBeGreaterThanOrEqual(1);
    expect(result.lowerBoundMs).toBeGreaterThan(0);
  });

  it('phasegate stays within its fair share and wastes no attempt when the fleet fits', async () => {
    const scenario = parseScenario({ ...incident, fleet: { instances: 6 } });
    const settings = phasegateSettings(scenario);
    const { result } = await simulate(scenario);
    const pg = result.strategies.find((s) => s.name === 'phasegate')!;
    expect(pg.ready).toBe(6);
    expect(pg.allWarmMs).not.toBeNull();
    expect(pg.peakConnections).toBeLessThanOrEqual(6 * settings.poolMax);
    expect(pg.peakConnections).toBeLessThanOrEqual(97);
    expect(pg.wasted).toBe(0);
  });

  it('does not flatter phasegate when the fleet cannot fit', async () => {
    const scenario = parseScenario({
      ...incident,
      durationMs: 120_000,
      fleet: { instances: 30 },
      database: { maxConnections: 40, reserved: 3, acceptMs: 3 },
      strategies: [{ name: 'phasegate' }],
    });
    const { result } = await simulate(scenario);
    expect(result.lowerBoundMs).toBeNull();
    const pg = result.strategies[0]!;
    expect(pg.ready).toBeLessThanOrEqual(18); // floor(37 / 2)
    expect(pg.allReadyMs.max).toBeNull();
    expect(pg.ratioToLowerBound).toBeNull();
    // It can keep 37 (40 − 3 reserved); attempts refused for the reserved slots hold one of them
    // while they authenticate, as in Postgres, so the peak may reach max_connections, never more.
    expect(pg.peakConnections).toBeLessThanOrEqual(40);
  });

  it('never has a strategy beat the lower bound under a connector throughput limit', async () => {
    // Setups (50 ms) shorter than the spacing of the limit (100 ms): the bound once counted a full
    // spacing for the first setup too, and put itself above what every strategy achieved.
    const scenario = parseScenario({
      ...incident,
      fleet: { instances: 2 },
      connector: { slots: 50, setupMs: 50, maxSetupsPerSecond: 10 },
      service: { poolSize: 2, maxOverflow: 0, minReady: 2 },
    });
    const { result } = await simulate(scenario);
    for (const strategy of result.strategies) {
      expect(strategy.allReadyMs.max).not.toBeNull();
      expect(strategy.allReadyMs.max!).toBeGreaterThanOrEqual(result.lowerBoundMs!);
    }
  });

  it('names the bad field of a strategy entry', async () => {
    const unknown = parseScenario({ ...incident, strategies: [{ name: 'phasegate' }, { name: 'magic' }] });
    expect(await configPath(simulate(unknown))).toBe('strategies[1].name');
    // Names every object has from Object.prototype are no strategies either.
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const inherited = parseScenario({ ...incident, strategies: [{ name }] });
      expect(await configPath(simulate(inherited))).toBe('strategies[0].name');
    }
    const badOption = parseScenario({
      ...incident,
      strategies: [{ name: 'incident', attemptTimeoutMs: -5 }],
    });
    expect(await configPath(simulate(badOption))).toBe('strategies[0].attemptTimeoutMs');
    // A pool of ten million (a typo) ran without end, allocating every attempt of it.
    const huge = parseScenario({ ...incident, strategies: [{ name: 'incident', connections: 10_000_000 }] });
    expect(await configPath(simulate(huge))).toBe('strategies[0].connections');
    const typo = parseScenario({ ...incident, strategies: [{ name: 'phasegate', admision: 'local' }] });
    expect(await configPath(simulate(typo))).toBe('strategies[0].admision');
    // A first backoff above the cap (given, or the default 30 s) used to pass here and make every
    // simulated instance exit 78, reported as the strategy's outcome.
    const inverted = parseScenario({
      ...incident,
      strategies: [{ name: 'incident', backoffInitialMs: 50_000, backoffMaxMs: 1_000 }],
    });
    expect(await configPath(simulate(inverted))).toBe('strategies[0].backoffMaxMs');
    const aboveDefault = parseScenario({
      ...incident,
      strategies: [{ name: 'phasegate' }, { name: 'naive-backoff', backoffInitialMs: 45_000 }],
    });
    expect(await configPath(simulate(aboveDefault))).toBe('strategies[1].backoffInitialMs');
    // A pool max below minReady used to be raised to it silently.
    const smallPool = parseScenario({ ...incident, strategies: [{ name: 'phasegate', poolMax: 1 }] });
    expect(await configPath(simulate(smallPool))).toBe('strategies[0].poolMax');
    const mine = parseScenario({ ...incident, strategies: [{ name: 'phasegate', poolMax: 3, minReady: 4 }] });
    expect(await configPath(simulate(mine))).toBe('strategies[0].poolMax');
  });

  it('runs a user strategy, and one strategy twice under labels', async () => {
    const eager: StrategyDefinition = {
      name: 'eager',
      description: 'opens minReady connections, no retries',
      create: ({ scenario }) => ({
        name: 'eager',
        async launch(instance) {
          const signal = new AbortController().signal;
          for (let i = 0; i < scenario.service.minReady; i++) await instance.connect(signal);
          instance.warm();
        },
      }),
    };
    const scenario = parseScenario({
      ...incident,
      strategies: [{ name: 'eager' }, { name: 'incident', label: 'incident-8s', attemptTimeoutMs: 8_000 }],
    });
    const { result, series } = await simulate(scenario, { strategies: { ...builtinStrategies, eager } });
    expect(result.strategies.map((s) => s.name)).toEqual(['eager', 'incident-8s']);
    expect(result.strategies[0]).toMatchObject({ ready: 4, attempts: 8, wasted: 0 });
    expect(series.map((s) => s.name)).toEqual(['eager', 'incident-8s']);
  });

  it("shows a user strategy under its entry's label, and refuses two rows of the same name", async () => {
    // A user strategy names itself; its label used to be ignored, so two entries gave two rows
    // named "fixed", which the scenario's own check cannot see.
    const fixed: StrategyDefinition = {
      name: 'fixed-name',
      description: 'one connection, then ready',
      create: () => ({
        name: 'fixed',
        async launch(instance) {
          await instance.connect(new AbortController().signal);
          instance.warm();
        },
      }),
    };
    const strategies = { ...builtinStrategies, 'fixed-name': fixed };
    const twice = parseScenario({
      ...incident,
      strategies: [
        { name: 'fixed-name', label: 'first' },
        { name: 'fixed-name', label: 'second' },
      ],
    });
    const { result, series } = await simulate(twice, { strategies });
    expect(result.strategies.map((s) => s.name)).toEqual(['first', 'second']);
    expect(series.map((s) => s.name)).toEqual(['first', 'second']);
    const clash = parseScenario({
      ...incident,
      strategies: [{ name: 'incident', label: 'fixed' }, { name: 'fixed-name' }],
    });
    expect(await configPath(simulate(clash, { strategies }))).toBe('strategies[1].label');
  });
});

describe('reports', () => {
  it('renders a table, and a self-contained HTML page with four charts', async () => {
    const scenario = parseScenario({ ...incident, durationMs: 60_000 });
    const outcome = await simulate(scenario);
    const table = formatTable(outcome.result);
    for (const name of ['incident', 'naive-backoff', 'phasegate', 'Lower bound'])
      expect(table).toContain(name);
    // Instances the platform killed (startup window closed) have a column of their own.
    const first = { ...outcome.result.strategies[0]!, probeKills: 7 };
    const lines = formatTable({ ...outcome.result, strategies: [first] }).split('\n');
    const cells = (line: string): string[] => line.trim().split(/ {2,}/);
    const header = cells(lines.find((line) => line.startsWith('strategy'))!);
    const row = cells(lines.find((line) => line.startsWith(first.name))!);
    expect(row[header.indexOf('probe kills')]).toBe('7');
    // The report's table has the same columns as the terminal's.
    const withKills = renderHtml(
      { ...outcome, result: { ...outcome.result, strategies: [first] } },
      scenario,
    );
    const htmlCells = (tag: string): string[] =>
      [...withKills.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);
    const htmlHeader = htmlCells('th');
    expect(htmlHeader).toHaveLength(header.length);
    expect(htmlCells('td')[htmlHeader.indexOf('probe kills')]).toBe('7');
    expect(htmlHeader).toContain('other exits');
    const html = renderHtml(outcome, scenario);
    // Four charts, plus a zoom on the first seconds when everything happened early.
    expect(html.match(/<svg /g)!.length).toBeGreaterThanOrEqual(4);
    for (const title of [
      'Instances ready',
      'Connections open',
      'attempts in flight',
      'Connector setup slots',
    ]) {
      expect(html).toContain(title);
    }
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(renderHtml(outcome, scenario)).toBe(html);
  });
});

describe('phasegate strategy under a failover while the fleet warms up', () => {
  // The database restarts 3 s in, for 90 s, while the pools of 20 instances grow: every connection is
  // terminated, admission waits fail, growth gives up. A pool that gave up is not at its target.
  const failover: ScenarioInput = {
    name: 'early-failover',
    seed: 1,
    durationMs: 600_000,
    fleet: { instances: 20, startSpreadMs: 2_000 },
    connector: { slots: 250, setupMs: { min: 50, max: 150 } },
    database: {
      maxConnections: 600,
      reserved: 3,
      otherClients: 10,
      acceptMs: 3,
      authMs: { min: 5, max: 15 },
      restart: { atMs: 3_000, durationMs: 90_000 },
    },
    service: { poolSize: 10, maxOverflow: 15, minReady: 2 },
    strategies: [{ name: 'phasegate' }],
  };

  it('counts an instance warm only once its pool is at target, after the failover, and every one gets there', async () => {
    const [phasegate] = (await simulate(parseScenario(failover))).result.strategies;
    expect(phasegate!.ready).toBe(20);
    // Growth that gave up during the restart (at 3 to 4 s) used to count as warm; and a pool whose
    // failed admission wait left it at 0 connections stayed there, so not all of them got warm.
    expect(phasegate!.allWarmMs).not.toBeNull();
    expect(phasegate!.allWarmMs!).toBeGreaterThan(93_000);
  });
});
