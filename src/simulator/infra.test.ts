import { describe, expect, it } from 'vitest';
import { seededRandom } from '../common/random.js';
import { classify } from '../errors/classify.js';
import { ConnectorModel, type ConnectorClient } from './connector.js';
import { DatabaseModel } from './database.js';
import { SimulationEngine } from './engine.js';
import { SimulatedInfrastructure } from './infra.js';
import type { SimConnection } from './sim-connection.js';
import { connectorOptions, databaseOptions } from './test-fixtures.js';

const through = (fn: () => unknown): ConnectorClient => ({ throughConnector: () => void fn() });

describe('ConnectorModel', () => {
  it('carries at most `slots` setups at once, first come first served', async () => {
    const engine = new SimulationEngine();
    const connector = new ConnectorModel(engine, connectorOptions({ pressureMs: 1e9 }), seededRandom(1));
    const done: Array<[number, number]> = [];
    for (let i = 0; i < 5; i++) connector.request(through(() => done.push([i, engine.now()])));
    expect(connector.stats()).toMatchObject({ busy: 2, queued: 3 });
    await engine.run();
    expect(done).toEqual([
      [0, 100],
      [1, 100],
      [2, 200],
      [3, 200],
      [4, 300],
    ]);
    expect(connector.stats()).toMatchObject({ busy: 0, queued: 0, setups: 5, scaleUps: 0 });
  });

  it('scales out by a step after sustained pressure and a delay, up to the maximum, never in', async () => {
    const engine = new SimulationEngine();
    const connector = new ConnectorModel(
      engine,
      connectorOptions({ maxSlots: 5, setupMs: 1_000 }),
      seededRandom(1),
    );
    const slotsAt: Record<number, number> = {};
    for (const t of [5_999, 6_001, 11_999, 12_001, 30_000])
      engine.timer(t, () => (slotsAt[t] = connector.slots));
    for (let i = 0; i < 60; i++) connector.request(through(() => undefined));
    await engine.run();
    // Queue non-empty from 0: pressure at 1 000, slots at 6 000; pressure again at 7 000, slots at 12 000.
    expect(slotsAt).toEqual({ 5999: 2, 6001: 4, 11999: 4, 12001: 5, 30000: 5 });
    expect(connector.stats()).toMatchObject({ scaleUps: 2, slots: 5, setups: 60 });
  });

  it('does not scale out while setups wait only for the throughput limit, with slots to spare', async () => {
    // One setup a second, 10 ms each: at most one of the two slots is ever busy, so more slots
    // could not start a setup sooner. The queue is non-empty for 9 s, yet nothing presses on slots.
    const engine = new SimulationEngine();
    const options = connectorOptions({ maxSlots: 10, setupMs: 10, maxSetupsPerSecond: 1 });
    const connector = new ConnectorModel(engine, options, seededRandom(1));
    for (let i = 0; i < 10; i++) connector.request(through(() => undefined));
    await engine.run();
    expect(connector.stats()).toMatchObject({ setups: 10, scaleUps: 0, slots: 2 });
  });

  it('counts pressure only while every slot is busy and setups queue, without a break', async () => {
    // 100 ms setups on two slots under a limit of 20 setups a second (one per 50 ms): the second
    // slot starts its first setup at 50 ms; from then on both stay busy with setups queued, so
    // pressure counts from 50 ms (not from 0, when a slot was still free) and the scale-out
    // completes at 50 + 1 000 + 5 000 ms.
    const engine = new SimulationEngine();
    const options = connectorOptions({ maxSlots: 4, maxSetupsPerSecond: 20 });
    const connector = new ConnectorModel(engine, options, seededRandom(1));
    const slotsAt: Record<number, number> = {};
    for (const t of [6_049, 6_051]) engine.timer(t, () => (slotsAt[t] = connector.slots));
    for (let i = 0; i < 200; i++) connector.request(through(() => undefined));
    await engine.run();
    expect(slotsAt).toEqual({ 6049: 2, 6051: 4 });
  });

  it('does not scale out when the queue drains before the pressure window', async () => {
    const engine = new SimulationEngine();
    const connector = new ConnectorModel(engine, connectorOptions({ maxSlots: 10 }), seededRandom(1));
    for (let i = 0; i < 6; i++) connector.request(through(() => undefined)); // queue empties at 200 < 1 000
    await engine.run();
    expect(connector.stats().scaleUps).toBe(0);
  });

  it('a cancelled setup gives up its place or its slot at once', async () => {
    const engine = new SimulationEngine();
    const connector = new ConnectorModel(engine, connectorOptions({ pressureMs: 1e9 }), seededRandom(1));
    const done: number[] = [];
    const a = connector.request(through(() => done.push(0)));
    connector.request(through(() => done.push(1)));
    const c = connector.request(through(() => done.push(2)));
    connector.request(through(() => done.push(3)));
    c.cancel();
    engine.timer(50, () => a.cancel());
    await engine.run();
    expect(done).toEqual([1, 3]);
    expect(connector.stats()).toMatchObject({ setups: 2, busy: 0, queued: 0 });
    expect(engine.now()).toBe(150); // 3 took a's slot at 50
  });

  it('spaces setups out under a throughput limit', async () => {
    const engine = new SimulationEngine();
    const options = connectorOptions({ slots: 100, maxSlots: 100, setupMs: 1, maxSetupsPerSecond: 10 });
    const connector = new ConnectorModel(engine, options, seededRandom(1));
    const done: number[] = [];
    for (let i = 0; i < 4; i++) connector.request(through(() => done.push(engine.now())));
    await engine.run();
    expect(done).toEqual([1, 101, 201, 301]);
  });
});

describe('DatabaseModel', () => {
  const accept = (database: DatabaseModel) =>
    new Promise<{ at: number; error?: Error & { code?: string }; release?: () => void }>((resolve) => {
      const now = (): number => (database as unknown as { engine: SimulationEngine }).engine.now();
      database.accept({
        refused: (error) => resolve({ at: now(), error }),
        admitted: (slot) => resolve({ at: now(), release: () => slot.release() }),
      });
    });

  it('accepts one connection at a time, then authenticates in parallel', async () => {
    const engine = new SimulationEngine();
    const database = new DatabaseModel(engine, databaseOptions({ maxConnections: 10 }), seededRandom(1));
    const outcomes = [accept(database), accept(database), accept(database)];
    await engine.run();
    expect((await Promise.all(outcomes)).map((o) => o.at)).toEqual([15, 25, 35]);
    expect(database.open).toBe(3);
  });

  it('refuses with 53300 when ordinary slots are gone, and a released slot is reusable', async () => {
    const engine = new SimulationEngine();
    const database = new DatabaseModel(engine, databaseOptions(), seededRandom(1));
    const outcomes = [accept(database), accept(database), accept(database)];
    await engine.run();
    const [a, , c] = await Promise.all(outcomes);
    expect(c!.error?.code).toBe('53300');
    expect(c!.error?.message).toMatch(/reserved for roles with the SUPERUSER attribute/);
    expect(classify(c!.error)).toBe('capacity');
    // Accepted at 30 into a reserved slot, refused once authenticated (its role known) at 35.
    expect(c!.at).toBe(35);
    expect(database.open).toBe(2);
    expect(database.peak).toBe(3);
    a!.release!();
    a!.release!();
    expect(database.open).toBe(1);
    const d = accept(database);
    await engine.run();
    expect((await d).error).toBeUndefined();
  });

  it('lets an ordinary role hold a reserved slot only while it authenticates, as Postgres does', async () => {
    // 5 slots, 3 reserved: Postgres checks the reserved slots after authentication, with the
    // connection already holding a slot, and refuses it when fewer than 3 others are free.
    // Accepts at 1, 2, 3 ms; authentication ends at 6, 7, 8 ms. At 6 ms three slots are taken, so
    // the first is refused although it came first; then two are taken, and the others stay.
    const engine = new SimulationEngine();
    const database = new DatabaseModel(engine, databaseOptions({ acceptMs: 1 }), seededRandom(1));
    const opens: number[] = [];
    engine.timer(5, () => opens.push(database.open));
    const outcomes = [accept(database), accept(database), accept(database)];
    await engine.run();
    const [a, b, c] = await Promise.all(outcomes);
    expect(a!.error?.message).toMatch(/reserved for roles with the SUPERUSER attribute/);
    expect(a!.at).toBe(6);
    expect([b!.error, b!.at, c!.error, c!.at]).toEqual([undefined, 7, undefined, 8]);
    expect(opens).toEqual([3]);
    expect(database.peak).toBe(3);
    expect(database.open).toBe(2);
    expect(database.stats()).toMatchObject({ accepted: 2, refused: 1 });
  });

  it('refuses "too many clients" before authentication once every slot, reserved ones included, is held', async () => {
    const engine = new SimulationEngine();
    const database = new DatabaseModel(
      engine,
      databaseOptions({ acceptMs: 1, authMs: 100 }),
      seededRandom(1),
    );
    const outcomes = Array.from({ length: 6 }, () => accept(database));
    await engine.run();
    const sixth = (await Promise.all(outcomes))[5]!;
    // Five authenticate from 1–5 ms; the sixth finds no slot when accepted at 6 ms.
    expect(sixth.error?.message).toBe('sorry, too many clients already');
    expect(sixth.at).toBe(6);
    expect(database.peak).toBe(5);
  });

  it('says "too many clients" when even reserved slots are taken', async () => {
    const engine = new SimulationEngine();
    const database = new DatabaseModel(
      engine,
      databaseOptions({ maxConnections: 2, reserved: 0 }),
      seededRandom(1),
    );
    const outcomes = [accept(database), accept(database), accept(database)];
    await engine.run();
    const c = (await Promise.all(outcomes))[2]!;
    expect(c.error?.message).toBe('sorry, too many clients already');
  });

  it('answers 57P03 during the restart window', async () => {
    const engine = new SimulationEngine();
    const options = databaseOptions({ maxConnections: 10, restart: { atMs: 0, durationMs: 12 } });
    const database = new DatabaseModel(engine, options, seededRandom(1));
    const outcomes = [accept(database), accept(database)];
    await engine.run();
    const [a, b] = await Promise.all(outcomes);
    expect(a!.error?.code).toBe('57P03');
    expect(classify(a!.error)).toBe('capacity');
    expect(b!.error).toBeUndefined();
  });

  it('drops SYNs while the backlog is full, retransmits, and times out after 127 s', async () => {
    const engine = new SimulationEngine();
    const options = databaseOptions({ maxConnections: 10, backlog: 1, acceptMs: 1_500 });
    const database = new DatabaseModel(engine, options, seededRandom(1));
    const outcomes = [accept(database), accept(database)];
    await engine.run();
    // First accepted at 1 500 (+5 auth); second dropped at 0, retried at 1 000 (still full), at 3 000.
    expect((await Promise.all(outcomes)).map((o) => o.at)).toEqual([1_505, 4_505]);
    expect(database.stats()).toMatchObject({ synDrops: 2 });

    const stuck = new DatabaseModel(engine, databaseOptions({ backlog: 1, acceptMs: 1e9 }), seededRandom(1));
    const start = engine.now();
    void accept(stuck);
    const late = accept(stuck);
    await engine.run({ until: start + 200_000 });
    const outcome = await late;
    expect(outcome.error?.code).toBe('ETIMEDOUT');
    expect(classify(outcome.error)).toBe('transient');
    expect(outcome.at - start).toBe(127_000);
  });

  it('times a SYN out once its last retransmission went unanswered for 64 s, even if the backlog has room by then', async () => {
    // The first connection holds the only backlog place until its accept ends at 126 s; the second's
    // SYN is dropped at 0, 1, 3, 7, 15, 31 and 63 s (the first send and tcp_syn_retries = 6
    // retransmissions). Linux then waits 64 s for an answer and gives up: it sends no eighth SYN.
    const engine = new SimulationEngine();
    const options = databaseOptions({ maxConnections: 10, backlog: 1, acceptMs: 126_000 });
    const database = new DatabaseModel(engine, options, seededRandom(1));
    const outcomes = [accept(database), accept(database)];
    await engine.run();
    const [, late] = await Promise.all(outcomes);
    expect(late!.error?.code).toBe('ETIMEDOUT');
    expect(late!.at).toBe(127_000);
    expect(database.stats()).toMatchObject({ synDrops: 7, accepted: 1, refused: 1 });
  });

  it('frees the slot of a client that hangs up while authenticating', async () => {
    const engine = new SimulationEngine();
    const database = new DatabaseModel(engine, databaseOptions({ maxConnections: 10 }), seededRandom(1));
    let called = false;
    const ticket = database.accept({ refused: () => (called = true), admitted: () => (called = true) });
    engine.timer(12, () => ticket.cancel());
    engine.timer(13, () => expect(database.open).toBe(0));
    await engine.run();
    expect(called).toBe(false);
    expect(database.peak).toBe(1);
  });
});

describe('SimulatedInfrastructure', () => {
  const make = (egressDelayMs = 0) => {
    const engine = new SimulationEngine();
    const infra = new SimulatedInfrastructure(
      engine,
      {
        connector: connectorOptions({ slots: 10, maxSlots: 10 }),
        database: databaseOptions(),
        egressDelayMs,
      },
      seededRandom(1),
    );
    return { engine, infra };
  };

  it('hands out connections that answer the component queries and free their slot on end()', async () => {
    const { engine, infra } = make();
    const endpoint = infra.endpoint();
    const seen: unknown[] = [];
    void (async () => {
      const connection = await endpoint.connect();
      seen.push(engine.now());
      seen.push((await connection.query('SHOW max_connections')).rows[0]);
      seen.push((await connection.query('show superuser_reserved_connections')).rows[0]);
      seen.push((await connection.query('SELECT count(*) FROM pg_stat_activity')).rows[0]!.total_connections);
      seen.push((await connection.query('SELECT 1')).rows[0]);
      await connection.end();
      seen.push(infra.database.open);
      await expect(connection.query('SELECT 1')).rejects.toThrow('Connection terminated');
    })();
    await engine.run();
    expect(seen).toEqual([
      115,
      { max_connections: '5' },
      { superuser_reserved_connections: '3' },
      1,
      { '?column?': 1 },
      0,
    ]);
    expect(infra.stats()).toEqual({ attempts: 1, wasted: 0, inFlight: 0, open: 0 });
  });

  it('keeps session-level advisory locks that end with their connection', async () => {
    const { engine, infra } = make();
    const endpoint = infra.endpoint();
    const seen: unknown[] = [];
    const lock = 'SELECT pg_try_advisory_lock($1::int4, $2::int4) AS locked';
    void (async () => {
      const a = await endpoint.connect();
      const b = await endpoint.connect();
      seen.push((await a.query(lock, [7, 0])).rows[0]);
      seen.push((await a.query(lock, [7, 0])).rows[0]);
      seen.push((await b.query(lock, [7, 0])).rows[0]);
      seen.push((await b.query(lock, [7, 1])).rows[0]);
      seen.push((await b.query('SELECT pg_advisory_unlock($1::int4, $2::int4) AS unlocked', [7, 0])).rows[0]);
      await a.end();
      seen.push((await b.query(lock, [7, 0])).rows[0]);
    })();
    await engine.run();
    expect(seen).toEqual([
      { locked: true },
      { locked: true },
      { locked: false },
      { locked: true },
      { unlocked: false },
      { locked: true },
    ]);
  });

  it('counts refused and timed-out attempts as wasted', async () => {
    const { engine, infra } = make();
    const endpoint = infra.endpoint();
    const results: string[] = [];
    for (let i = 0; i < 3; i++) {
      endpoint.connect().then(
        () => results.push('ok'),
        (e: { code?: string }) => results.push(String(e.code)),
      );
    }
    const controller = new AbortController();
    endpoint.connect(controller.signal).catch((e: Error) => results.push(e.message));
    engine.timer(50, () => controller.abort(new Error('timed out')));
    await engine.run();
    expect(results.sort()).toEqual(['53300', 'ok', 'ok', 'timed out']);
    expect(infra.stats()).toEqual({ attempts: 4, wasted: 2, inFlight: 0, open: 2 });
  });

  it('waits for the egress delay of a fresh process', async () => {
    const { engine, infra } = make(1_000);
    const endpoint = infra.endpoint();
    let at = 0;
    void endpoint.connect().then(() => (at = engine.now()));
    await engine.run();
    expect(at).toBe(1_115);
  });

  it('a killed endpoint drops its attempts and closes its connections', async () => {
    const { engine, infra } = make();
    const endpoint = infra.endpoint();
    const settled: string[] = [];
    let first: SimConnection | undefined;
    void endpoint.connect().then((c) => (first = c));
    engine.timer(200, () => {
      endpoint.connect().then(
        () => settled.push('resolved'),
        () => settled.push('rejected'),
      );
    });
    engine.timer(250, () => endpoint.kill());
    await engine.run();
    expect(first?.ended).toBe(true);
    expect(settled).toEqual([]);
    expect(infra.stats()).toEqual({ attempts: 2, wasted: 1, inFlight: 0, open: 0 });
    expect(infra.database.open).toBe(0);
  });
});
