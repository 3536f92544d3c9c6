import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { lowerBound } from './lower-bound.js';
import { parseScenario, parseScenarioText, withOverrides, type ScenarioInput } from './scenario.js';

const base: ScenarioInput = {
  name: 'test',
  fleet: { instances: 10 },
  platform: { egressDelayMs: 0 },
  connector: { slots: 4, setupMs: 100, pressureMs: 1_000, scaleUpDelayMs: 2_000, maxSlots: 4 },
  database: { maxConnections: 100, reserved: 3, acceptMs: 1, authMs: 10 },
  service: { minReady: 2 },
};

const configError = (fn: () => unknown): { path: string; problem: string } => {
  try {
    fn();
  } catch (error) {
    if (isConfigError(error)) return { path: error.path, problem: error.problem };
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('scenario', () => {
  it('fills in the documented defaults', () => {
    const scenario = parseScenario({ name: 'x', fleet: { instances: 3 } });
    expect(scenario.seed).toBe(1);
    expect(scenario.durationMs).toBe(600_000);
    expect(scenario.database).toMatchObject({ maxConnections: 100, reserved: 3, otherClients: 0 });
    expect(scenario.platform.crashLoop).toEqual({ initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 });
    expect(scenario.service).toEqual({ poolSize: 20, maxOverflow: 30, minReady: 2 });
    expect(scenario.strategies.map((s) => s.name)).toEqual(['incident', 'naive-backoff', 'phasegate']);
  });

  it("says what is wrong in the file's terms: missing, of the wrong type, out of range, or unknown", () => {
    // zod's own words were "Invalid input: expected object, received undefined" and the like.
    expect(configError(() => parseScenario({ name: 'x' }))).toEqual({
      path: 'fleet',
      problem: 'is required',
    });
    const problem = (input: unknown): string => configError(() => parseScenario(input)).problem;
    expect(problem({ ...base, fleet: { instances: 2.5 } })).toBe('must be a whole number, got 2.5');
    expect(problem({ ...base, fleet: { instances: '5' } })).toBe('must be a number, got "5"');
    expect(problem({ ...base, fleet: { instances: null } })).toBe('must be a number, got nothing');
    expect(problem({ ...base, fleet: { instances: 0 } })).toBe('must be greater than 0, got 0');
    expect(problem({ ...base, connector: { setupMs: -1 } })).toBe('must be at least 0, got -1');
    expect(problem({ ...base, durationMs: Infinity })).toBe('must be a finite number, got Infinity');
    expect(problem({ ...base, strategies: [] })).toBe('must not be empty');
    expect(problem([])).toBe('must be a mapping of fields, got a list');
    // An unknown field names the fields allowed there, the likely one first; in a { min, max } too.
    expect(configError(() => parseScenario({ ...base, platform: { crashloop: {} } }))).toEqual({
      path: 'platform.crashloop',
      problem:
        'unknown field (did you mean crashLoop?); the fields here are startupWindowMs, crashLoop, egressDelayMs',
    });
    expect(problem({ ...base, connector: { setupMs: { min: 1, max: 2, mx: 3 } } })).toBe(
      'unknown field (did you mean max?); the fields here are min, max',
    );
    expect(problem({ ...base, colour: 'red' })).toMatch(
      /^unknown field; the fields here are name, description,/,
    );
  });

  it('refuses a pool no database could hold, which made a run allocate without end', () => {
    for (const field of ['poolSize', 'maxOverflow'] as const) {
      expect(configError(() => parseScenario({ ...base, service: { [field]: 10_000_000 } }))).toEqual({
        path: `service.${field}`,
        problem: "must be at most 10000: a database's max_connections is in the thousands at most",
      });
    }
    expect(
      parseScenario({ ...base, service: { poolSize: 10_000, maxOverflow: 10_000 } }).service,
    ).toMatchObject({
      poolSize: 10_000,
      maxOverflow: 10_000,
    });
  });

  it('names the path of a bad field', () => {
    expect(configError(() => parseScenario({ ...base, database: { maxConnections: -1 } })).path).toBe(
      'database.maxConnections',
    );
    expect(configError(() => parseScenario({ ...base, connector: { slots: 4, maxSlots: 2 } })).path).toBe(
      'connector.maxSlots',
    );
    // A step without room to scale into was accepted and did nothing.
    const step = configError(() => parseScenario({ ...base, connector: { slots: 4, step: 2 } }));
    expect(step).toEqual({
      path: 'connector.step',
      problem: 'has no effect: the connector scales out only when maxSlots is above slots',
    });
    expect(parseScenario({ ...base, connector: { slots: 4, step: 2, maxSlots: 6 } }).connector.step).toBe(2);
    expect(
      configError(() => parseScenario({ ...base, platform: { egressDelayMs: { min: 5, max: 1 } } })).path,
    ).toBe('platform.egressDelayMs.max');
    // A duration that is neither a number nor { min, max } says what it should be.
    for (const setupMs of ['fast', { min: 5 }]) {
      expect(configError(() => parseScenario({ ...base, connector: { setupMs } }))).toEqual({
        path: 'connector.setupMs',
        problem: 'must be a number of ms, or { min, max } in ms',
      });
    }
    expect(configError(() => parseScenario({ ...base, strategies: [{ name: '' }] })).path).toBe(
      'strategies[0].name',
    );
    const unknown = configError(() => parseScenario({ ...base, fleet: { instances: 1, instancs: 2 } }));
    expect(unknown).toEqual({
      path: 'fleet.instancs',
      problem: 'unknown field (did you mean instances?); the fields here are instances, startSpreadMs',
    });
    expect(configError(() => parseScenario({ name: 'x' })).path).toBe('fleet');
    // Bounds that keep a run finite: a day at most, and at most 100 000 samples.
    expect(configError(() => parseScenario({ ...base, durationMs: 1e300 })).path).toBe('durationMs');
    const tooFine = configError(() => parseScenario({ ...base, sampleMs: 0.001 }));
    expect(tooFine.path).toBe('sampleMs');
    expect(tooFine.problem).toContain('use at least 6 ms'); // 600 000 ms / 100 000
    // Two rows of the report may not share a name; a label tells them apart.
    const twice = configError(() =>
      parseScenario({ ...base, strategies: [{ name: 'incident' }, { name: 'incident' }] }),
    );
    expect(twice.path).toBe('strategies[1]');
    expect(twice.problem).toContain('"incident" is already strategies[0]: give one of them a label');
    expect(
      parseScenario({
        ...base,
        strategies: [{ name: 'incident' }, { name: 'incident', label: 'incident-8s' }],
      }).strategies,
    ).toHaveLength(2);
  });

  it('refuses times the run never reaches, a crash-loop cap below its first delay, a window under 1 s', () => {
    // A restart after the end never happened, yet kept the run from stopping early.
    const restart = configError(() =>
      parseScenario({ ...base, durationMs: 60_000, database: { restart: { atMs: 60_000, durationMs: 1 } } }),
    );
    expect(restart.path).toBe('database.restart.atMs');
    expect(restart.problem).toContain('must be less than durationMs (60000 ms)');
    // The last instance starts at the end of the spread: it would never start.
    const spread = configError(() =>
      parseScenario({ ...base, durationMs: 60_000, fleet: { instances: 3, startSpreadMs: 90_000 } }),
    );
    expect(spread.path).toBe('fleet.startSpreadMs');
    const crashLoop = configError(() =>
      parseScenario({ ...base, platform: { crashLoop: { initialMs: 20_000, maxMs: 5_000 } } }),
    );
    expect(crashLoop.path).toBe('platform.crashLoop.maxMs');
    // A window of 1 ms left phasegate a startup budget of floor(0.8) = 0 ms, which the orchestrator
    // refused as each simulated instance started: every one exited 78.
    const window = configError(() => parseScenario({ ...base, platform: { startupWindowMs: 1 } }));
    expect(window).toEqual({
      path: 'platform.startupWindowMs',
      problem: 'must be at least 1000 ms: failureThreshold × periodSeconds, each at least 1',
    });
    expect(crashLoop.problem).toContain('must be at least initialMs');
    expect(
      parseScenario({ ...base, durationMs: 60_000, database: { restart: { atMs: 59_999, durationMs: 1 } } })
        .database.restart,
    ).toEqual({ atMs: 59_999, durationMs: 1 });
  });

  it('refuses a crash-loop delay under 1 ms, which restarted a process that fails at once forever', () => {
    // initialMs 0 made every restart delay 0 (min(maxMs, 0 × 2^n)): a strategy failing in zero
    // virtual time was restarted at the same instant over and over, and the run never ended.
    for (const initialMs of [0, 0.5]) {
      const error = configError(() =>
        parseScenario({ ...base, platform: { crashLoop: { initialMs, maxMs: initialMs } } }),
      );
      expect(error.path).toBe('platform.crashLoop.initialMs');
      expect(error.problem).toMatch(/^must be at least 1 ms: /);
    }
    expect(
      parseScenario({ ...base, platform: { crashLoop: { initialMs: 1, maxMs: 1 } } }).platform.crashLoop,
    ).toMatchObject({ initialMs: 1, maxMs: 1 });
  });

  it('names otherClients, with the figures, when other clients take every connection', () => {
    // The error named database.reserved (left at its default) when otherClients filled the database.
    const others = configError(() =>
      parseScenario({ ...base, database: { maxConnections: 100, otherClients: 100 } }),
    );
    expect(others).toEqual({
      path: 'database.otherClients',
      problem:
        'reserved (3) + otherClients (100) must leave at least one of maxConnections (100) to the fleet',
    });
    const reserved = configError(() =>
      parseScenario({ ...base, database: { maxConnections: 5, reserved: 5 } }),
    );
    expect(reserved.path).toBe('database.reserved');
  });

  it('reports YAML syntax errors with the line', () => {
    const error = configError(() => parseScenarioText('name: x\nfleet: [1, 2\n', 'bad.yaml'));
    expect(error.path).toMatch(/^bad\.yaml:\d+$/);
  });

  it('applies --instances and --seed overrides, validated', () => {
    const scenario = withOverrides(parseScenario(base), { instances: 7, seed: 9 });
    expect(scenario.fleet.instances).toBe(7);
    expect(scenario.seed).toBe(9);
    expect(configError(() => withOverrides(scenario, { instances: 0 })).path).toBe('fleet.instances');
    const tooMany = configError(() => withOverrides(scenario, { instances: 10_001 }));
    expect(tooMany.path).toBe('fleet.instances');
    expect(tooMany.problem).toContain('at most 10000');
    expect(withOverrides(scenario, { instances: 10_000 }).fleet.instances).toBe(10_000);
    // Seeds are 32-bit words: a larger one gave the results of seed mod 2^32 under its own name.
    expect(configError(() => withOverrides(scenario, { seed: 2 ** 32 + 1 })).path).toBe('seed');
    expect(configError(() => parseScenario({ ...base, seed: 2 ** 32 })).problem).toContain(
      'must be at most 4294967295',
    );
    expect(withOverrides(scenario, { seed: 2 ** 32 - 1 }).seed).toBe(2 ** 32 - 1);
  });
});

describe('lowerBound', () => {
  it('is null when the database cannot hold minReady for every instance', () => {
    const bound = lowerBound(parseScenario({ ...base, fleet: { instances: 60 } }));
    expect(bound).toEqual({ ms: null, setupsNeeded: 120, capacity: 97, limitedBy: 'capacity' });
  });

  it('follows the connector rate without scale-out', () => {
    // 20 setups through 4 slots of 100 ms: 500 ms; + accept 1 + auth 10.
    const bound = lowerBound(parseScenario(base));
    expect(bound).toEqual({ ms: 511, setupsNeeded: 20, capacity: 97, limitedBy: 'connector' });
  });

  it('counts scale-outs at the earliest (pressure + minimum delay each)', () => {
    // 4 slots until 3 000 ms (120 setups), then 8 slots: 40 more setups take 500 ms.
    const scenario = parseScenario({
      ...base,
      fleet: { instances: 80 },
      connector: { ...base.connector, maxSlots: 8, step: 4, scaleUpDelayMs: { min: 2_000, max: 9_000 } },
      database: { ...base.database, maxConnections: 500 },
    });
    expect(lowerBound(scenario).ms).toBe(3_000 + 500 + 1 + 10);
  });

  it('is limited by the serial postmaster when accepts are slow', () => {
    const scenario = parseScenario({ ...base, database: { ...base.database, acceptMs: 50 } });
    // egress 0 + setup 100 + 20 × 50 + auth 10
    expect(lowerBound(scenario)).toMatchObject({ ms: 1_110, limitedBy: 'database' });
  });

  it('is limited by the last start and the egress delay when the fleet starts spread out', () => {
    const scenario = parseScenario({
      ...base,
      fleet: { instances: 10, startSpreadMs: 60_000 },
      platform: { egressDelayMs: { min: 20_000, max: 40_000 } },
    });
    expect(lowerBound(scenario)).toMatchObject({ ms: 60_000 + 20_000 + 100 + 1 + 10, limitedBy: 'latency' });
    // A fleet of one starts at once, whatever the spread (the bound once waited for the spread's end).
    const alone = withOverrides(scenario, { instances: 1 });
    // Its 2 setups: egress 20 000 + setup 100 + 2 serial accepts of 1 + auth 10.
    expect(lowerBound(alone)).toMatchObject({ ms: 20_000 + 100 + 2 * 1 + 10, limitedBy: 'database' });
  });

  it('honours a throughput limit', () => {
    const scenario = parseScenario({ ...base, connector: { ...base.connector, maxSetupsPerSecond: 10 } });
    expect(lowerBound(scenario).ms).toBe(2_000 + 1 + 10);
  });

  it('limits the starts by the throughput limit, not the completions', () => {
    // 2 setups of 50 ms at 10 a second: the first starts at 0, the second at 100 ms and leaves at
    // 150 ms (not at 2 / 10 s = 200 ms, which the simulator beat); + accept 1 + auth 10.
    const scenario = parseScenario({
      ...base,
      fleet: { instances: 1 },
      connector: { ...base.connector, setupMs: 50, maxSetupsPerSecond: 10 },
    });
    expect(lowerBound(scenario)).toMatchObject({ ms: 150 + 1 + 10, limitedBy: 'connector' });
  });
});
