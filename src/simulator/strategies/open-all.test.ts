import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import type { DatabaseOptions } from '../database.js';
import { SimulationEngine } from '../engine.js';
import { SimulatedInfrastructure, type OpenClient } from '../infra.js';
import type { SimConnection } from '../sim-connection.js';
import { openAll } from './open-all.js';

const database = (maxConnections: number): DatabaseOptions => ({
  maxConnections,
  reserved: 0,
  otherClients: 0,
  acceptMs: 1,
  authMs: 5,
  queryMs: 1,
  backlog: 100,
  restart: undefined,
});

function make(maxConnections: number, slots = 4) {
  const engine = new SimulationEngine();
  const infra = new SimulatedInfrastructure(
    engine,
    {
      connector: {
        slots,
        maxSlots: slots,
        step: slots,
        setupMs: 10,
        pressureMs: 1e9,
        scaleUpDelayMs: 1,
        maxSetupsPerSecond: Infinity,
      },
      database: database(maxConnections),
      egressDelayMs: 0,
    },
    seededRandom(1),
  );
  return { engine, infra, endpoint: infra.endpoint() };
}

describe('openAll', () => {
  it('opens every connection when they all fit', async () => {
    const { engine, infra, endpoint } = make(10);
    let result: SimConnection[] | undefined;
    void openAll(endpoint.open, 6, new AbortController().signal).then((c) => (result = c));
    await engine.run();
    expect(result).toHaveLength(6);
    expect(infra.database.open).toBe(6);
    expect(infra.stats()).toMatchObject({ attempts: 6, wasted: 0, inFlight: 0, open: 6 });
  });

  it('fails on the first refusal, cancels the rest and closes what did open: nothing is held', async () => {
    // Two setups at a time: the first two open (t ≈ 16 ms), the third is refused (53300) at ≈ 21 ms.
    const { engine, infra, endpoint } = make(2, 2);
    let error: { code?: string } | undefined;
    let failedAt = 0;
    openAll(endpoint.open, 6, new AbortController().signal).catch((e: { code?: string }) => {
      error = e;
      failedAt = engine.now();
    });
    await engine.run();
    expect(error?.code).toBe('53300');
    expect(failedAt).toBeGreaterThan(16);
    expect(infra.database.peak).toBe(2);
    expect(infra.database.open).toBe(0);
    // Two opened (then closed); one refused and three cancelled are wasted.
    expect(infra.stats()).toMatchObject({ attempts: 6, wasted: 4, inFlight: 0, open: 0 });
    expect(infra.connector.stats()).toMatchObject({ busy: 0, queued: 0 });
  });

  it('rejects with the abort reason and leaves nothing behind when its signal aborts', async () => {
    const { engine, infra, endpoint } = make(10, 2);
    const controller = new AbortController();
    let error: unknown;
    openAll(endpoint.open, 6, controller.signal).catch((e: unknown) => (error = e));
    engine.timer(15, () => controller.abort(new Error('attempt timed out')));
    await engine.run();
    expect((error as Error).message).toBe('attempt timed out');
    expect(infra.database.open).toBe(0);
    expect(infra.stats()).toMatchObject({ attempts: 6, inFlight: 0, open: 0 });
    expect(infra.connector.stats()).toMatchObject({ busy: 0, queued: 0 });
  });

  it('rejects at once on an aborted signal, and resolves [] for no connections', async () => {
    const { endpoint } = make(10);
    await expect(openAll(endpoint.open, 3, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    await expect(openAll(endpoint.open, 0, new AbortController().signal)).resolves.toEqual([]);
  });

  it('settles nothing when the process dies meanwhile', async () => {
    const { engine, infra, endpoint } = make(10, 1);
    const settled: string[] = [];
    openAll(endpoint.open, 4, new AbortController().signal).then(
      () => settled.push('resolved'),
      () => settled.push('rejected'),
    );
    engine.timer(25, () => endpoint.kill());
    await engine.run();
    expect(settled).toEqual([]);
    expect(infra.database.open).toBe(0);
    expect(infra.stats()).toMatchObject({ attempts: 4, inFlight: 0, open: 0 });
  });
});

describe('NetworkEndpoint.open', () => {
  it('reports to the client, and cancel() ends a queued attempt with the given error, once', async () => {
    const { engine, infra, endpoint } = make(10, 1);
    const seen: string[] = [];
    const client: OpenClient = {
      opened: () => seen.push(`opened at ${engine.now()}`),
      failed: (error) => seen.push(`failed: ${(error as Error).message}`),
    };
    endpoint.open(client);
    const queued = endpoint.open(client);
    queued.cancel(new Error('not needed'));
    queued.cancel(new Error('twice'));
    await engine.run();
    expect(seen).toEqual(['failed: not needed', 'opened at 16']);
    expect(infra.stats()).toMatchObject({ attempts: 2, wasted: 1, open: 1 });
  });

  it('of a dead process starts nothing', () => {
    const { infra, endpoint } = make(10);
    endpoint.kill();
    const ticket = endpoint.open({ opened: () => undefined, failed: () => undefined });
    ticket.cancel(new Error('x'));
    expect(infra.stats()).toMatchObject({ attempts: 0, wasted: 0 });
  });
});
