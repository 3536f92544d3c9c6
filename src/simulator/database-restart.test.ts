import { describe, expect, it } from 'vitest';
import { PostgresPool } from '../components/postgres/pool.js';
import { seededRandom } from '../common/random.js';
import { classify } from '../errors/classify.js';
import { DatabaseModel, type DatabaseOptions } from './database.js';
import { SimulationEngine } from './engine.js';
import { SimulatedInfrastructure } from './infra.js';
import { toJson } from './report.js';
import { parseScenario, type ScenarioInput } from './scenario.js';
import { simulate } from './simulate.js';
import type { SimConnection } from './sim-connection.js';
import { phasegateSettings } from './strategies/index.js';
import { connectorOptions, databaseOptions } from './test-fixtures.js';

type Coded = Error & { code?: string };

/** The restart tests' database: 10 connections (3 reserved), restarting from 1 s to 3 s. */
const restarting = (over: Partial<DatabaseOptions> = {}): DatabaseOptions =>
  databaseOptions({ maxConnections: 10, restart: { atMs: 1_000, durationMs: 2_000 }, ...over });

/** Infrastructure whose attempts take 100 ms through the connector, 10 ms accept and 5 ms auth. */
const make = (over: Partial<DatabaseOptions> = {}) => {
  const engine = new SimulationEngine();
  const infra = new SimulatedInfrastructure(
    engine,
    {
      connector: connectorOptions({ slots: 10, maxSlots: 10, step: 10 }),
      database: restarting(over),
      egressDelayMs: 0,
    },
    seededRandom(1),
  );
  return { engine, infra, database: infra.database };
};

/** The error a promise rejected with, and when. */
const failure = (engine: SimulationEngine, promise: Promise<unknown>) =>
  promise.then(
    () => ({ at: engine.now(), error: undefined as Coded | undefined }),
    (error: Coded) => ({ at: engine.now(), error }),
  );

describe('a database restart', () => {
  it('terminates every open connection at atMs: "error" with 57P01, queries rejected, locks freed', async () => {
    const { engine, infra, database } = make();
    const endpoint = infra.endpoint();
    const connections: SimConnection[] = [];
    const errors: Array<[number, number, Coded]> = [];
    void (async () => {
      for (let i = 0; i < 2; i++) {
        const connection = await endpoint.connect();
        connection.on('error', (error) => errors.push([i, engine.now(), error]));
        connections.push(connection);
      }
      await connections[0]!.query('SELECT pg_try_advisory_lock($1, $2) AS locked', [1, 2]);
    })();
    // A query in flight when the restart begins (queryMs 1: sent at 999.5, due at 1 000.5).
    let inFlight: ReturnType<typeof failure> | undefined;
    engine.timer(999.5, () => {
      inFlight = failure(engine, connections[1]!.query('SELECT 1'));
    });
    const seen: Record<string, number> = {};
    engine.timer(999, () => {
      seen.openBefore = database.open;
      seen.locksBefore = database.advisoryLockCount;
    });
    engine.timer(1_000, () => {
      seen.openAt = database.open;
      seen.locksAt = database.advisoryLockCount;
      seen.fleetOpenAt = infra.stats().open;
    });
    await engine.run({ until: 1_500 });

    expect(seen).toEqual({ openBefore: 2, locksBefore: 1, openAt: 0, locksAt: 0, fleetOpenAt: 0 });
    expect(errors.map(([i, at, error]) => [i, at, error.code])).toEqual([
      [1, 1_000, '57P01'],
      [0, 1_000, '57P01'],
    ]);
    expect(errors[0]![2].message).toBe('terminating connection due to administrator command');
    expect(classify(errors[0]![2])).toBe('transient');
    expect(connections.every((c) => c.ended)).toBe(true);
    const pending = await inFlight!;
    expect([pending.at, pending.error?.code]).toEqual([1_000.5, '57P01']);
    const later = await failure(engine, connections[0]!.query('SELECT 1'));
    expect(later.error?.code).toBe('57P01');
    expect(classify(later.error)).toBe('transient');
  });

  it('refuses a connection still authenticating at atMs with 57P01', async () => {
    const engine = new SimulationEngine();
    const database = new DatabaseModel(
      engine,
      restarting({ restart: { atMs: 12, durationMs: 100 } }),
      seededRandom(1),
    );
    const outcome = new Promise<[number, Coded | undefined]>((resolve) => {
      database.accept({
        refused: (error) => resolve([engine.now(), error]),
        admitted: () => resolve([engine.now(), undefined]),
      });
    });
    engine.timer(11, () => expect(database.open).toBe(1)); // accepted at 10, authenticating until 15
    await engine.run();
    const [at, error] = await outcome;
    expect([at, error?.code]).toEqual([12, '57P01']);
    expect(database.open).toBe(0);
    expect(database.stats()).toMatchObject({ accepted: 0, refused: 1 });
  });

  it("drops other clients' connections for the window, answers 57P03 in it, and serves after it", async () => {
    const { engine, infra, database } = make({ otherClients: 3 });
    const endpoint = infra.endpoint();
    const open: Record<number, number> = {};
    for (const t of [999, 1_000, 2_999, 3_000]) engine.timer(t, () => (open[t] = database.open));
    void endpoint.connect(); // admitted at 115, terminated at 1 000
    let during: ReturnType<typeof failure> | undefined;
    let after: ReturnType<typeof failure> | undefined;
    engine.timer(2_000, () => {
      during = failure(engine, endpoint.connect());
    });
    engine.timer(3_000, () => {
      after = failure(engine, endpoint.connect());
    });
    await engine.run({ until: 4_000 });

    expect(open).toEqual({ 999: 4, 1_000: 0, 2_999: 0, 3_000: 3 });
    const refused = await during!;
    expect([refused.at, refused.error?.code]).toEqual([2_110, '57P03']);
    expect(classify(refused.error)).toBe('capacity');
    expect(await after!).toEqual({ at: 3_115, error: undefined });
    expect(database.open).toBe(4);
    expect(database.peak).toBe(4);
  });

  it('a pool drops its dead connections at atMs', async () => {
    const { engine, infra } = make();
    const endpoint = infra.endpoint();
    const pool = new PostgresPool({ factory: endpoint.connect, clock: engine, max: 3 });
    void Promise.all([pool.openConnection(), pool.openConnection(), pool.openConnection()]);
    const open: number[] = [];
    engine.timer(999, () => open.push(pool.open));
    engine.timer(1_000, () => open.push(pool.open));
    await engine.run({ until: 1_500 });
    expect(open).toEqual([3, 0]);
    await pool.end();
  });
});

/** Four instances with 10-connection pools; the database restarts from 12 s to 22 s. */
const restartScenario: ScenarioInput = {
  name: 'restart',
  seed: 3,
  durationMs: 120_000,
  fleet: { instances: 4, startSpreadMs: 30_000 }, // starts at 0, 10, 20 (inside the window) and 30 s
  connector: { slots: 50, setupMs: 50 },
  database: {
    maxConnections: 100,
    reserved: 3,
    otherClients: 5,
    acceptMs: 2,
    authMs: 5,
    queryMs: 1,
    restart: { atMs: 12_000, durationMs: 10_000 },
  },
  service: { poolSize: 10, maxOverflow: 0, minReady: 2 },
  strategies: [{ name: 'phasegate' }],
};

describe('simulate() with a database restart', () => {
  const run = async () => {
    const scenario = parseScenario(restartScenario);
    const outcome = await simulate(scenario);
    const { t, connections, ready } = outcome.series[0]!.data;
    const sampleAt = (ms: number, column: readonly number[]): number => column[t.indexOf(ms)]!;
    return { scenario, outcome, settings: phasegateSettings(scenario), connections, ready, sampleAt };
  };

  it('phasegate instances lose every connection at atMs, stay ready, and refill after the window; same JSON twice', async () => {
    const { scenario, outcome, settings, connections, ready, sampleAt } = await run();
    const { poolMax, minReady } = settings;
    expect([poolMax, minReady]).toEqual([10, 2]);
    expect(outcome.result.strategies[0]).toMatchObject({ ready: 4, exit3: 0, restarts: 0, probeKills: 0 });
    // Just before: other clients and the two early instances at their target.
    expect(sampleAt(11_000, connections)).toBe(5 + 2 * poolMax);
    // In the window nothing is open, not even other clients'; the ready instances stay ready.
    for (let ms = 12_000; ms < 22_000; ms += 1_000) expect(sampleAt(ms, connections)).toBe(0);
    expect(sampleAt(21_000, ready)).toBe(2);
    // At the end: other clients back, every pool refilled (the next test: to its full target).
    const end = connections.at(-1)!;
    expect(end).toBeGreaterThanOrEqual(5 + 2 * minReady + 2 * poolMax);
    expect(end).toBeLessThanOrEqual(5 + 4 * poolMax);
    expect(toJson((await simulate(scenario)).result)).toBe(toJson(outcome.result));
  });

  // While the pool is empty, 57P03 lowers the target to minReady; once the pool is back at minReady
  // the growth loop restores the target it had before the outage (src/components/postgres/warmup.ts).
  it('phasegate pools regrow to their fair share after the restart', async () => {
    const { settings, connections } = await run();
    expect(connections.at(-1)).toBe(5 + 4 * settings.poolMax);
  });

  it('simulates a restart that comes after the whole fleet is warm: the run goes on to its full duration', async () => {
    const late = parseScenario({
      ...restartScenario,
      fleet: { instances: 4, startSpreadMs: 0 },
      database: { ...restartScenario.database, restart: { atMs: 60_000, durationMs: 10_000 } },
    });
    const outcome = await simulate(late);
    const { t, connections } = outcome.series[0]!.data;
    const at = (ms: number): number => connections[t.indexOf(ms)]!;
    const strategy = outcome.result.strategies[0]!;
    expect(strategy.allWarmMs).toBeLessThan(60_000);
    expect(strategy.simulatedMs).toBe(late.durationMs);
    expect(at(59_000)).toBe(5 + 4 * 10);
    expect(at(65_000)).toBe(0);
    expect(connections.at(-1)).toBe(5 + 4 * 10);
  });
});
