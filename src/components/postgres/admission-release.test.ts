/**
 * An admission slot's release that never settles (its round trip went dark: no reply, no reset).
 * The growth loop awaited it, so growth and rechecks stopped for good: a connection lost afterwards
 * was never replaced, and a Postgres advisory lock stayed held on a connection that did not answer.
 */
import { describe, expect, it } from 'vitest';
import { PostgresAdmission } from '../../fleet/postgres-admission.js';
import type { AdmissionProvider } from '../admission-hook.js';
import { FakePostgres } from './fake-postgres.js';
import { advanceUntil, events, harness, startReady } from './test-fixtures.js';

const stopSignal = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

/** An admission of the `test` backend whose every lease's release runs `release`, counted. */
function countingAdmission(release: () => Promise<void>): {
  admission: AdmissionProvider;
  releases: () => number;
} {
  let releases = 0;
  const admission: AdmissionProvider = {
    backend: 'test',
    acquire: async () => ({
      release: () => {
        releases++;
        return release();
      },
    }),
  };
  return { admission, releases: () => releases };
}

describe('postgresComponent: an admission release that never settles', () => {
  it('is abandoned after openTimeoutMs, and growth goes on (a lost connection is replaced)', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const { admission, releases } = countingAdmission(
      () => new Promise<void>(() => undefined), // Redis unreachable without a reset
    );
    const { spec, pool } = await startReady(h, { readLiveLimits: false, admission, openTimeoutMs: 1_000 });
    await advanceUntil(h, () => releases() === 1);
    expect(pool.stats).toMatchObject({ open: 8, target: 8 });
    await h.clock.advance(1_000);
    expect(pool.open).toBe(8);

    h.server.kill(2);
    await advanceUntil(h, () => pool.open === 8 && h.server.open === 8, 5_000);
    // The refill past minReady took a slot too (see postgres.test.ts), and its release is abandoned
    // the same way.
    const abandoned = () => h.marks.filter((m) => m.event === 'admission-release-abandoned');
    await advanceUntil(h, () => abandoned().length === 2, 2_000);
    expect(abandoned().map((m) => m.data)).toEqual([
      // Nothing was sent on the pool's session: no pool connection closed.
      { backend: 'test', waitedMs: 1_000, closedConnection: false },
      { backend: 'test', waitedMs: 1_000, closedConnection: false },
    ]);
    expect(releases()).toBe(2);
    await spec.stop!(pool, stopSignal());
  });

  it('with PostgresAdmission, closes the connection whose unlock went unanswered: the lock ends with it', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    h.server.unanswered = (text) => /pg_advisory_unlock/.test(text);
    const admission = new PostgresAdmission({ width: 1, namespace: 'svc', clock: h.clock });
    const { spec, pool } = await startReady(h, { readLiveLimits: false, admission, openTimeoutMs: 2_000 });
    await advanceUntil(h, () => events(h).includes('pool-at-target'));
    expect(pool.open).toBe(8);
    expect(h.server.advisoryLocks.size).toBe(1); // the unlock was sent and never answered
    const holder = [...h.server.advisoryLocks.values()][0]!;

    await h.clock.advance(2_000);
    expect(holder.ended).toBe(true);
    // The lock ended with its session: the slot was free again, and the refill of the closed
    // connection (past minReady: under admission) took it on another connection.
    expect([...h.server.advisoryLocks.values()].every((session) => session !== holder)).toBe(true);
    await advanceUntil(h, () => pool.open === 8 && h.server.open === 8, 5_000); // replaced
    expect(h.marks.find((m) => m.event === 'admission-release-abandoned')?.data).toMatchObject({
      backend: 'postgres',
      closedConnection: true,
    });
    // The refill's own unlock goes unanswered too (this server answers none): stopping waits for
    // that release at most backgroundStopMs, then closes everything.
    const stopping = spec.stop!(pool, stopSignal());
    await h.clock.advance(3_000);
    await stopping;
    expect(h.server.open).toBe(0);
  });

  it('a release that throws instead of returning a promise does not end growth (a lost connection is replaced)', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    // A provider's own release, written without async: it throws where it should reject.
    const { admission, releases } = countingAdmission(() => {
      throw new Error('the lease is gone');
    });
    const { spec, pool } = await startReady(h, { readLiveLimits: false, admission });
    await advanceUntil(h, () => releases() === 1);
    expect(pool.stats).toMatchObject({ open: 8, target: 8 });

    h.server.kill(2);
    await advanceUntil(h, () => pool.open === 8 && h.server.open === 8, 5_000);
    await spec.stop!(pool, stopSignal());
    expect(h.server.open).toBe(0);
    expect(h.clock.pending).toBe(0);
  });
});
