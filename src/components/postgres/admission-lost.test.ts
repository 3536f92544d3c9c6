/**
 * A fleet admission slot lost while the pool grows: growth must stop opening connections at once
 * (the slot may be someone else's now), say so on the timeline, and settle as given up; the next
 * recheck waits for a slot again.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AdmissionLostError } from '../../fleet/admission-lost-error.js';
import { PostgresAdmission } from '../../fleet/postgres-admission.js';
import { FakeClock } from '../../testing/fake-clock.js';
import type { AdmissionProvider } from '../admission-hook.js';
import { FakePostgres } from './fake-postgres.js';
import { PostgresPool } from './pool.js';
import { advanceUntil, events, harness, startReady, type Harness } from './test-fixtures.js';

const stopSignal = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });

/** A provider whose leases the test can lose; it logs what it is asked. */
function losableAdmission(h: Harness) {
  const log: string[] = [];
  const leases: Array<{ controller: AbortController; released: boolean }> = [];
  const admission: AdmissionProvider = {
    backend: 'test',
    acquire: async () => {
      log.push(`acquire open=${h.server.open}`);
      const held = { controller: new AbortController(), released: false };
      leases.push(held);
      return {
        signal: held.controller.signal,
        release: async () => {
          if (!held.released) log.push(`release open=${h.server.open}`);
          held.released = true;
        },
      };
    },
  };
  const lose = (index: number): void =>
    leases[index]!.controller.abort(new AdmissionLostError('test', 'the lease expired unrefreshed'));
  const listeners = (index: number): number =>
    getEventListeners(leases[index]!.controller.signal, 'abort').length;
  return { admission, log, lose, listeners };
}

describe('postgresComponent: admission slot lost while growing', () => {
  it('stops opening connections at once, keeps what is open, and settles as given up', async () => {
    const h = harness((clock) => new FakePostgres(clock, { connectMs: 400 }));
    const { admission, log, lose, listeners } = losableAdmission(h);
    const { spec, pool } = await startReady(h, { readLiveLimits: false, admission });
    await advanceUntil(h, () => pool.open >= 4 && h.server.opening > 0);
    const open = pool.open;
    const attempts = h.server.attempts;

    lose(0);
    await h.clock.advance(0);
    expect(h.server.opening).toBe(0); // the opens in flight were cut short
    await h.clock.advance(30_000);
    expect(h.server.attempts).toBe(attempts);
    expect(pool.stats).toMatchObject({ open, target: open, opening: 0 });
    expect(h.server.open).toBe(open);

    const seen = events(h);
    expect(seen.indexOf('admission-lost')).toBeGreaterThan(seen.indexOf('pool-growing'));
    expect(seen.indexOf('pool-growth-gave-up')).toBeGreaterThan(seen.indexOf('admission-lost'));
    expect(seen).not.toContain('pool-at-target');
    expect(h.marks.find((m) => m.event === 'admission-lost')?.data).toEqual({
      backend: 'test',
      open,
      message: 'The fleet admission slot (test) was lost: the lease expired unrefreshed',
    });
    expect(h.marks.find((m) => m.event === 'pool-growth-gave-up')?.data).toMatchObject({
      open,
      class: 'transient',
    });
    expect(log).toEqual(['acquire open=2', `release open=${open}`]);
    expect(listeners(0)).toBe(0);

    await spec.stop!(pool, stopSignal());
    expect(h.server.open).toBe(0);
    expect(h.clock.pending).toBe(0);
  });

  it('opens nothing past minReady with a lease that is already lost when granted', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const lost = new AbortController();
    lost.abort(new AdmissionLostError('test', 'gone before it was used'));
    const admission: AdmissionProvider = {
      backend: 'test',
      acquire: async () => ({ signal: lost.signal, release: async () => undefined }),
    };
    const { spec, pool } = await startReady(h, { readLiveLimits: false, admission });
    const attempts = h.server.attempts;
    await h.clock.advance(10_000);
    expect(h.server.attempts).toBe(attempts);
    expect(pool.stats).toMatchObject({ open: 2, target: 2 });
    expect(events(h)).toEqual(expect.arrayContaining(['admission-lost', 'pool-growth-gave-up']));
    await spec.stop!(pool, stopSignal());
    expect(h.clock.pending).toBe(0);
  });

  it('a recheck waits for a fresh slot and grows on after a loss; a slot lost in a recheck stops it too', async () => {
    const h = harness((clock) => new FakePostgres(clock, { connectMs: 400 }));
    const { admission, log, lose, listeners } = losableAdmission(h);
    const { spec, pool } = await startReady(h, { targetRecheckMs: 10_000, admission });
    await advanceUntil(h, () => pool.open >= 3 && h.server.opening > 0);
    lose(0);
    await h.clock.advance(0);
    const settled = pool.open;
    expect(pool.target).toBe(settled);

    // The next recheck (within [5, 15) s) finds the share above what is open: it waits for a slot.
    await advanceUntil(h, () => log.length === 3 && h.server.opening > 0, 20_000);
    expect(log[2]).toBe(`acquire open=${settled}`);
    lose(1);
    await h.clock.advance(0);
    const second = pool.open;
    expect(second).toBeLessThan(8);
    expect(events(h).filter((e) => e === 'admission-lost')).toHaveLength(2);
    expect(listeners(1)).toBe(0);

    // And the one after that grows to the share under a third slot, released at the target.
    await advanceUntil(h, () => pool.open === 8 && log.length === 6, 40_000);
    expect(log.slice(3)).toEqual([`release open=${second}`, `acquire open=${second}`, 'release open=8']);
    await spec.stop!(pool, stopSignal());
    expect(h.clock.pending).toBe(0);
  });
});

describe('postgresComponent with PostgresAdmission: the lock connection ends while growing', () => {
  const options = (h: Harness) => ({
    readLiveLimits: false,
    admission: new PostgresAdmission({ width: 1, namespace: 'svc', clock: h.clock }),
  });

  it('stops growing when the server terminates the connection holding the advisory lock', async () => {
    const h = harness((clock) => new FakePostgres(clock, { connectMs: 400 }));
    const { spec, pool } = await startReady(h, options(h));
    await advanceUntil(h, () => h.server.advisoryLocks.size === 1 && pool.open >= 3 && h.server.opening > 0);
    const attempts = h.server.attempts;

    h.server.kill(1); // the oldest connection: the pool's first, which holds the lock
    await h.clock.advance(0);
    expect(h.server.advisoryLocks.size).toBe(0); // another instance may take the slot now
    expect(h.server.opening).toBe(0);
    const open = pool.open;
    await h.clock.advance(30_000);
    expect(h.server.attempts).toBe(attempts);
    expect(pool.stats).toMatchObject({ open, target: open });
    expect(h.marks.find((m) => m.event === 'admission-lost')?.data).toMatchObject({ backend: 'postgres' });
    expect(events(h)).toContain('pool-growth-gave-up');

    await spec.stop!(pool, stopSignal());
    expect(h.clock.pending).toBe(0);
  });

  it("stops growing when a caller's aborted query destroys the connection holding the lock", async () => {
    const h = harness((clock) => new FakePostgres(clock, { connectMs: 400 }));
    const { spec, pool } = await startReady(h, options(h));
    // Past minReady + 1, so that what is left after the loss is still minReady (nothing to refill).
    await advanceUntil(h, () => h.server.advisoryLocks.size === 1 && pool.open >= 3 && h.server.opening > 0);
    const holder = [...h.server.advisoryLocks.values()][0];
    const lease = await pool.acquire(); // the oldest idle connection: the lock's
    expect(lease.connection).toBe(holder);
    const attempts = h.server.attempts;

    lease.release(true); // what `pool.query(text, values, signal)` does when `signal` aborted
    await h.clock.advance(0);
    expect(h.server.advisoryLocks.size).toBe(0);
    await h.clock.advance(30_000);
    expect(h.server.attempts).toBe(attempts);
    expect(pool.target).toBe(pool.open);
    expect(events(h)).toEqual(expect.arrayContaining(['admission-lost', 'pool-growth-gave-up']));

    await spec.stop!(pool, stopSignal());
    expect(h.clock.pending).toBe(0);
  });
});

describe('PostgresAdmission on the pool session', () => {
  it('is lost when the session closes, also when the request does not pass firstConnectionClosed', async () => {
    const clock = new FakeClock();
    const server = new FakePostgres(clock);
    const pool = new PostgresPool({ factory: server.factory, clock, max: 2 });
    const admission = new PostgresAdmission({ width: 1, namespace: 'svc', clock });
    const opened = Promise.all([pool.openConnection(), pool.openConnection()]);
    await clock.advance(20);
    await opened;
    const acquiring = admission.acquire({
      signal: new AbortController().signal,
      deadline: Infinity,
      firstConnection: pool.firstConnection(),
    });
    await clock.advance(5);
    const lease = await acquiring;
    const closed = pool.firstConnection()!.closed;
    expect(getEventListeners(closed, 'abort')).toHaveLength(1);

    server.kill(1);
    expect(lease.signal.aborted).toBe(true);
    expect(lease.signal.reason).toMatchObject({ code: 'PG_ERR_ADMISSION_LOST', backend: 'postgres' });
    expect(getEventListeners(closed, 'abort')).toHaveLength(0);
    expect(server.advisoryLocks.size).toBe(0);

    // A lease released while held leaves no listener on the session behind, and is never lost.
    const again = admission.acquire({
      signal: new AbortController().signal,
      deadline: Infinity,
      firstConnection: pool.firstConnection(),
    });
    await clock.advance(5);
    const second = await again;
    const session = pool.firstConnection()!.closed;
    const release = second.release();
    await clock.advance(5);
    await release;
    expect(getEventListeners(session, 'abort')).toHaveLength(0);
    expect(second.signal.aborted).toBe(false);
    await pool.end();
    expect(clock.pending).toBe(0);
  });
});
