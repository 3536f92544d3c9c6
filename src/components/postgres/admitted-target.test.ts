import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { FakeClock } from '../../testing/fake-clock.js';
import { testComponentContext, type TestComponentContext } from '../../testing/component-context.js';
import type { AdmissionProvider } from '../admission-hook.js';
import type { ConnectionFactory } from './connection.js';
import { FakePostgres } from './fake-postgres.js';
import type { PostgresComponentOptionsInput } from './options.js';
import type { PostgresPool } from './pool.js';
import { postgresComponent } from './postgres.js';
import { events, harness, startReady } from './test-fixtures.js';

/** One slot for the whole fleet: a holder keeps it until it releases, the next waits meanwhile. */
function oneSlot(): AdmissionProvider {
  let held: Promise<void> = Promise.resolve();
  return {
    backend: 'test',
    acquire: async () => {
      const before = held;
      let release!: () => void;
      held = new Promise<void>((resolve) => (release = resolve));
      await before;
      return { release: async () => release() };
    },
  };
}

/**
 * Two instances of a fleet that start together against one server and share one admission slot:
 * each decides its target at startup, while both hold `minReady`, and only one grows at a time.
 */
async function twoInstances(
  server: (clock: FakeClock) => FakePostgres,
  options: PostgresComponentOptionsInput,
) {
  const clock = new FakeClock();
  const db = server(clock);
  const refusals: string[] = [];
  const factory: ConnectionFactory = async (signal) => {
    try {
      return await db.factory(signal);
    } catch (error) {
      refusals.push(String((error as { code?: unknown }).code));
      throw error;
    }
  };
  const admission = oneSlot();
  const contexts: TestComponentContext[] = [0, 1].map((i) => testComponentContext({ clock, name: `db${i}` }));
  const starting = contexts.map((t, i) =>
    postgresComponent({
      connectionFactory: factory,
      max: 20,
      minReady: 2,
      expectedInstances: 2,
      admission,
      random: seededRandom(i + 1),
      targetRecheckMs: Infinity,
      ...options,
    }).start(t.ctx),
  );
  for (let i = 0; i < 20; i++) await clock.advance(5);
  const pools: PostgresPool[] = await Promise.all(starting);
  const stop = async (): Promise<void> => {
    for (const t of contexts) t.lifetime.abort();
    await Promise.all(pools.map((p) => p.end()));
  };
  return { clock, db, refusals, contexts, pools, stop };
}

describe('postgresComponent growth under admission', () => {
  it('decides its target again once it holds the slot: the fleet keeps the headroom and gets no 53300', async () => {
    // 97 usable slots, 60 held by other clients, 10 kept free (headroom): 27 for the fleet.
    const fleet = await twoInstances(
      (clock) => new FakePostgres(clock, { maxConnections: 100, superuserReserved: 3, otherConnections: 60 }),
      { headroom: 10 },
    );
    // At startup, with 2 + 2 open, each saw 26 free: both decided on their max, 20.
    for (const t of fleet.contexts) expect(t.mark('pool-target')).toMatchObject({ target: 20 });
    await fleet.clock.advance(60_000);

    // The second to get the slot decided with the first one's 20 counted: 7 left.
    expect(fleet.pools.map((p) => p.target).sort((a, b) => a - b)).toEqual([7, 20]);
    expect(fleet.db.open).toBe(27);
    expect(fleet.refusals).toEqual([]);
    await fleet.stop();
    expect(fleet.db.open).toBe(0);
    expect(fleet.clock.pending).toBe(0);
  });

  it('a recheck decides again once it holds the slot: what the others took while it waited is not grown into', async () => {
    // 20 usable slots; other clients hold 15, so the pool settles at the 5 that are free.
    const h = harness(
      (clock) => new FakePostgres(clock, { maxConnections: 23, superuserReserved: 3, otherConnections: 15 }),
    );
    let waits = 0;
    const admission: AdmissionProvider = {
      backend: 'test',
      acquire: async () => {
        // The recheck's wait: meanwhile the other clients came back for 13 of the 15 slots they left.
        if (waits++ === 1) {
          await h.clock.sleep(1_000);
          h.server.otherConnections = 13;
        }
        return { release: async () => undefined };
      },
    };
    const { spec, pool } = await startReady(h, { expectedInstances: 2, targetRecheckMs: 10_000, admission });
    await h.clock.advance(3_000);
    expect(pool.stats).toMatchObject({ open: 5, target: 5 });

    h.server.otherConnections = 0; // the recheck sees 8 (its max) free
    await h.clock.advance(20_000);
    expect(waits).toBe(2);
    expect(h.marks.find((m) => m.event === 'pool-target-raised')?.data).toEqual({ from: 5, to: 7 });
    expect(events(h)).not.toContain('pool-target-lowered');
    expect(pool.stats).toMatchObject({ open: 7, target: 7 });
    await spec.stop!(pool, { signal: new AbortController().signal });
    expect(h.server.open).toBe(0);
    expect(h.clock.pending).toBe(0);
  });
});
