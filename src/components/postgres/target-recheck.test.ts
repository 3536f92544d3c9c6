import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../errors/config-error.js';
import type { AdmissionProvider } from '../admission-hook.js';
import type { ConnectionFactory, PgConnection } from './connection.js';
import { FakePostgres } from './fake-postgres.js';
import { resolvePostgresOptions } from './options.js';
import { events, harness, startReady, type Harness } from './test-fixtures.js';

const USAGE = /pg_stat_activity/i;
const usageQueries = (h: Harness): number => h.server.queries.filter((q) => USAGE.test(q)).length;
const stopSignal = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

/** 20 usable slots (23 − 3 reserved) shared by 2 instances; other clients hold 15 at first. */
const crowded = (h: Harness['clock']): FakePostgres =>
  new FakePostgres(h, { maxConnections: 23, superuserReserved: 3, otherConnections: 15 });

/**
 * The server's connections, seen through a factory that can make the ones open now stop answering
 * (a network path that went dark: no reset, no reply, as after a failover moved the address).
 */
function stallable(server: FakePostgres): { factory: ConnectionFactory; stallOpen(): void } {
  const stalled = new Set<PgConnection>();
  const factory: ConnectionFactory = async (signal) => {
    const connection = await server.factory(signal);
    return {
      query: (text, values) =>
        stalled.has(connection) ? new Promise(() => undefined) : connection.query(text, values),
      end: () => connection.end(),
      on: (event, listener) => connection.on!(event, listener),
    };
  };
  return { factory, stallOpen: () => server.connections.forEach((c) => stalled.add(c)) };
}

describe('postgresComponent target recheck', () => {
  it('grows again, under admission, when a recheck finds that other clients freed their slots', async () => {
    const h = harness(crowded);
    const log: string[] = [];
    const admission: AdmissionProvider = {
      backend: 'test',
      acquire: async () => {
        log.push(`acquire open=${h.server.open}`);
        return { release: async () => void log.push(`release open=${h.server.open}`) };
      },
    };
    const { spec, pool } = await startReady(h, { expectedInstances: 2, targetRecheckMs: 10_000, admission });
    await h.clock.advance(3_000);
    // Only 5 slots were free: the pool settles at 5 (its share would be 10, its max is 8).
    expect(pool.stats).toMatchObject({ open: 5, target: 5 });
    expect(events(h)).not.toContain('pool-target-raised');

    h.server.otherConnections = 0;
    await h.clock.advance(20_000); // a recheck comes within [5, 15) s
    expect(pool.stats).toMatchObject({ open: 8, target: 8 });
    expect(h.marks.find((m) => m.event === 'pool-target-raised')?.data).toEqual({ from: 5, to: 8 });
    expect(log).toEqual(['acquire open=2', 'release open=5', 'acquire open=5', 'release open=8']);

    await spec.stop!(pool, stopSignal());
    expect(h.server.open).toBe(0);
    expect(h.clock.pending).toBe(0);
  });

  it('/health sums the waits of the first warm-up and of a recheck (the second does not replace the first)', async () => {
    const h = harness(crowded);
    const waits = [700, 300];
    const admission: AdmissionProvider = {
      backend: 'test',
      acquire: async () => {
        await h.clock.sleep(waits.shift() ?? 0);
        return { release: async () => undefined };
      },
    };
    const { spec, pool } = await startReady(h, { expectedInstances: 2, targetRecheckMs: 10_000, admission });
    await h.clock.advance(3_000);
    expect(h.reports.filter((r) => r.admission).at(-1)?.admission).toEqual({
      backend: 'test',
      waitedMs: 700,
    });
    h.server.otherConnections = 0;
    await h.clock.advance(20_000);
    expect(pool.stats).toMatchObject({ open: 8, target: 8 });
    expect(h.marks.filter((m) => m.event === 'admission-wait').map((m) => m.data?.waitedMs)).toEqual([
      700, 300,
    ]);
    expect(h.reports.filter((r) => r.admission).at(-1)?.admission).toEqual({
      backend: 'test',
      waitedMs: 1000,
    });
    await spec.stop!(pool, stopSignal());
  });

  it('keeps rechecking, never shrinks the pool, and spreads the rechecks', async () => {
    const h = harness((clock) => new FakePostgres(clock, { maxConnections: 23, superuserReserved: 3 }));
    const { spec, pool } = await startReady(h, { expectedInstances: 2, targetRecheckMs: 10_000 });
    await h.clock.advance(3_000);
    expect(pool.stats).toMatchObject({ open: 8, target: 8 });
    const settled = usageQueries(h);

    h.server.otherConnections = 15; // the live decision now says 5
    await h.clock.advance(100_000);
    const rechecks = usageQueries(h) - settled;
    // One recheck every 5 to 15 s: 100 s holds between 6 and 20 of them.
    expect(rechecks).toBeGreaterThanOrEqual(6);
    expect(rechecks).toBeLessThanOrEqual(20);
    expect(pool.stats).toMatchObject({ open: 8, target: 8 });
    expect(events(h)).not.toContain('pool-target-raised');

    await spec.stop!(pool, stopSignal());
    expect(h.clock.pending).toBe(0);
  });

  it('still refills a connection that died between two rechecks at once', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const { spec, pool } = await startReady(h, { targetRecheckMs: 60_000 });
    await h.clock.advance(3_000);
    expect(pool.open).toBe(8);
    h.server.kill(2);
    await h.clock.advance(2_000);
    expect(pool.open).toBe(8);
    await spec.stop!(pool, stopSignal());
    expect(h.clock.pending).toBe(0);
  });

  it('a recheck whose limits query never answers drops that connection after openTimeoutMs and goes on', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const stall = stallable(h.server);
    const options = {
      connectionFactory: stall.factory,
      max: 4,
      targetRecheckMs: 10_000,
      openTimeoutMs: 1_000,
    };
    const { spec, pool } = await startReady(h, options);
    await h.clock.advance(3_000);
    expect(pool.stats).toMatchObject({ open: 4, idle: 4 });
    const { attempts } = h.server;
    const answered = usageQueries(h);

    stall.stallOpen();
    await h.clock.advance(200_000);
    // Each recheck that met a dead connection gave up on it and the pool replaced it; the rechecks
    // went on. (They used to wait for the answer for good: no more rechecks, and no refills either.)
    expect(h.server.attempts).toBeGreaterThanOrEqual(attempts + 4);
    expect(usageQueries(h)).toBeGreaterThan(answered);
    expect(pool.stats).toMatchObject({ open: 4, idle: 4 });

    await spec.stop!(pool, stopSignal());
    expect(h.server.open).toBe(0);
    expect(h.clock.pending).toBe(0);
  });

  it('does not recheck without live limits, or with targetRecheckMs: Infinity', async () => {
    for (const options of [{ readLiveLimits: false }, { targetRecheckMs: Infinity }]) {
      const h = harness(crowded);
      const { spec, pool } = await startReady(h, { expectedInstances: 2, ...options });
      await h.clock.advance(3_000);
      const before = h.server.queries.length;
      h.server.otherConnections = 0;
      await h.clock.advance(600_000);
      expect(h.server.queries.length).toBe(before);
      expect(events(h)).not.toContain('pool-target-raised');
      await spec.stop!(pool, stopSignal());
      expect(h.clock.pending).toBe(0);
    }
  });

  it('rejects a targetRecheckMs that is not a positive number of ms', () => {
    for (const targetRecheckMs of [0, -1, Number.NaN]) {
      let path: string | undefined;
      try {
        resolvePostgresOptions({ connection: 'postgres://db/app', targetRecheckMs });
      } catch (error) {
        path = isConfigError(error) ? error.path : 'not a ConfigError';
      }
      expect(path).toBe('postgres.targetRecheckMs');
    }
  });
});
