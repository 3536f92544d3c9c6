import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../../common/random.js';
import { classify } from '../../errors/classify.js';
import type { AdmissionProvider } from '../admission-hook.js';
import { FakePostgres, sqlError } from './fake-postgres.js';
import { component, events, harness, settle, startReady } from './test-fixtures.js';

describe('postgresComponent', () => {
  it('is ready with minReady verified connections, then grows to its target in the background', async () => {
    const h = harness((clock) => new FakePostgres(clock, { maxConnections: 100 }));
    const { spec, pool } = await startReady(h, { readLiveLimits: false });
    expect(pool.open).toBe(2);
    expect(h.server.queries.filter((q) => q === 'SELECT 1')).toHaveLength(2);
    expect(events(h)).toContain('pool-ready');
    await h.clock.advance(2_000);
    expect(pool.stats).toMatchObject({ open: 8, target: 8 });
    expect(events(h)).toContain('pool-at-target');
    expect(h.reports.at(-1)?.pool).toMatchObject({ open: 8, target: 8, max: 8 });
    await spec.stop!(pool, { signal: new AbortController().signal });
    expect(h.server.open).toBe(0);
    expect(h.clock.pending).toBe(0);
  });

  it('sets the target to the fair share read live from the server', async () => {
    const h = harness((clock) => new FakePostgres(clock, { maxConnections: 23, superuserReserved: 3 }));
    const { spec, pool } = await startReady(h, { expectedInstances: 4 });
    expect(pool.target).toBe(5);
    expect(h.marks.find((m) => m.event === 'pool-target')?.data).toMatchObject({
      target: 5,
      fairShare: 5,
      limitedBy: 'server-share',
    });
    await h.clock.advance(2_000);
    expect(pool.open).toBe(5);
    await spec.stop!(pool, { signal: new AbortController().signal });
  });

  it('lowers the target on 53300 while growing, backs off, and stays ready', async () => {
    const h = harness((clock) => new FakePostgres(clock, { roleConnectionLimit: 5 }));
    const { spec, pool } = await startReady(h, { readLiveLimits: false, maxGrowthRetries: 2 });
    await h.clock.advance(60_000);
    expect(pool.open).toBe(5);
    expect(pool.target).toBe(5);
    const lowered = h.marks.filter((m) => m.event === 'pool-target-lowered');
    expect(lowered[0]?.data).toMatchObject({ to: 5, code: '53300' });
    expect(events(h)).toContain('pool-growth-backoff');
    expect(events(h)).toContain('pool-growth-gave-up');
    const checking = Promise.resolve(spec.check!(pool, { signal: new AbortController().signal }));
    await expect(settle(h, checking)).resolves.toBeUndefined();
    await spec.stop!(pool, { signal: new AbortController().signal });
    expect(h.clock.pending).toBe(0);
  });

  it('grows again after a backoff when the capacity error was passing (57P03)', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    h.server.failAttempt = (n) =>
      n === 4 ? sqlError('57P03', 'the database system is starting up') : undefined;
    const { spec, pool } = await startReady(h, { readLiveLimits: false, maxConcurrentOpens: 1 });
    await h.clock.advance(5_000);
    expect(pool.stats).toMatchObject({ open: 8, target: 8 });
    expect(events(h)).toContain('pool-target-lowered');
    expect(events(h)).not.toContain('pool-growth-gave-up');
    await spec.stop!(pool, { signal: new AbortController().signal });
  });

  it('fails permanent at once on bad credentials, after exactly one connection attempt', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    h.server.failAttempt = () => sqlError('28P01', 'password authentication failed for user "app"');
    const spec = component(h, { minReady: 3 });
    const starting = spec.start(h.ctx).catch((error: unknown) => error);
    await h.clock.advance(100);
    const error = await starting;
    expect(classify(error)).toBe('permanent');
    expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', driverCode: '28P01' });
    expect(h.server.attempts).toBe(1);
    expect(h.clock.pending).toBe(0);
  });

  it('honours the start signal: aborting leaves no connection and no timer', async () => {
    const h = harness((clock) => new FakePostgres(clock, { connectMs: 1_000 }));
    const spec = component(h, { minReady: 4 });
    const starting = spec.start(h.ctx).catch((error: unknown) => error);
    await h.clock.advance(1_500);
    h.attempt.abort(new Error('attempt timed out'));
    expect(((await starting) as Error).message).toBe('attempt timed out');
    await h.clock.advance(5_000);
    expect(h.server.open).toBe(0);
    expect(h.clock.pending).toBe(0);
  });

  it('stops growing when its lifetime ends and stop() closes everything, half-open ones included', async () => {
    const h = harness((clock) => new FakePostgres(clock, { connectMs: 200 }));
    const { spec, pool } = await startReady(h, { readLiveLimits: false });
    await h.clock.advance(300);
    expect(h.server.opening).toBeGreaterThan(0);
    const stopping = spec.stop!(pool, { signal: new AbortController().signal });
    await h.clock.advance(10);
    await stopping;
    expect(h.server.open).toBe(0);
    expect(h.server.opening).toBe(0);
    expect(h.clock.pending).toBe(0);
  });

  it('spreads background opens with the injected jitter', async () => {
    const late: Random = () => 0.99;
    const h = harness((clock) => new FakePostgres(clock));
    const { spec, pool } = await startReady(h, { readLiveLimits: false, openJitterMs: 1_000, random: late });
    const attemptsAtReady = h.server.attempts;
    await h.clock.advance(900);
    expect(h.server.attempts).toBe(attemptsAtReady);
    await h.clock.advance(200);
    expect(h.server.attempts).toBe(attemptsAtReady + 2);
    await spec.stop!(pool, { signal: new AbortController().signal });
  });

  it('replaces connections the server drops', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const { spec, pool } = await startReady(h, { readLiveLimits: false, max: 4 });
    await h.clock.advance(2_000);
    h.server.kill(3);
    expect(pool.open).toBe(1);
    await h.clock.advance(2_000);
    expect(pool.open).toBe(4);
    await spec.stop!(pool, { signal: new AbortController().signal });
  });

  it('after a restart drops every connection, refills through 57P03 and regrows to its full target', async () => {
    // Live limits on (the default): re-reading them needs a connection, which an emptied pool lacks.
    const h = harness((clock) => new FakePostgres(clock));
    const { spec, pool } = await startReady(h, { max: 6 });
    await h.clock.advance(2_000);
    expect(pool.stats).toMatchObject({ open: 6, target: 6 });
    // The server restarts: every backend is terminated, then it answers 57P03 for a while.
    let restarting = true;
    h.server.failAttempt = () =>
      restarting ? sqlError('57P03', 'the database system is starting up') : undefined;
    h.server.kill(6);
    expect(pool.open).toBe(0);
    await h.clock.advance(3_000);
    expect(pool.open).toBe(0);
    expect(h.marks.filter((m) => m.event === 'pool-target-lowered').at(-1)?.data).toMatchObject({
      from: 6,
      to: 2,
      code: '57P03',
    });
    restarting = false;
    await h.clock.advance(30_000);
    // Back at minReady, the pool aims again for the target it had before the outage.
    expect(h.marks.find((m) => m.event === 'pool-target-restored')?.data).toEqual({ from: 2, to: 6 });
    expect(pool.stats).toMatchObject({ open: 6, target: 6 });
    expect(events(h)).not.toContain('pool-growth-gave-up');
    await spec.stop!(pool, { signal: new AbortController().signal });
    expect(h.clock.pending).toBe(0);
  });

  it('takes an admission slot before growing past minReady and releases it at the target', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const log: string[] = [];
    const admission: AdmissionProvider = {
      backend: 'test',
      acquire: async ({ firstConnection, deadline }) => {
        log.push(`acquire open=${h.server.open} first=${firstConnection !== undefined} deadline=${deadline}`);
        await h.clock.sleep(700);
        return { release: async () => void log.push(`release open=${h.server.open}`) };
      },
    };
    const { spec, pool } = await startReady(h, {
      readLiveLimits: false,
      admission,
      admissionTimeoutMs: 9_000,
    });
    await h.clock.advance(500);
    expect(pool.open).toBe(2);
    await h.clock.advance(3_000);
    expect(pool.open).toBe(8);
    expect(log[0]).toMatch(/^acquire open=2 first=true deadline=\d+$/);
    expect(log[1]).toBe('release open=8');
    const wait = h.marks.find((m) => m.event === 'admission-wait');
    expect(wait?.data).toEqual({ waitedMs: 700, backend: 'test' });
    expect(h.reports.find((r) => r.admission)?.admission).toEqual({ backend: 'test', waitedMs: 700 });
    await spec.stop!(pool, { signal: new AbortController().signal });
  });

  it('after a failover took every connection, refills minReady at once and the rest under admission', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const log: string[] = [];
    const admission: AdmissionProvider = {
      backend: 'test',
      acquire: async () => {
        log.push(`acquire open=${h.server.open}`);
        await h.clock.sleep(700);
        return { release: async () => void log.push(`release open=${h.server.open}`) };
      },
    };
    const { spec, pool } = await startReady(h, { readLiveLimits: false, admission });
    await h.clock.advance(5_000);
    expect(pool.stats).toMatchObject({ open: 8, target: 8 });
    expect(log).toEqual(['acquire open=2', 'release open=8']);
    // A failover: the server terminates every backend. The whole fleet refills at this moment, so
    // past what serving needs the pool waits for a slot, as its warm-up did.
    h.server.kill(8);
    await h.clock.advance(5_000);
    expect(pool.stats).toMatchObject({ open: 8, target: 8 });
    expect(log).toEqual(['acquire open=2', 'release open=8', 'acquire open=2', 'release open=8']);
    // One connection lost above minReady: refilled under a slot too.
    h.server.kill(1);
    await h.clock.advance(5_000);
    expect(pool.open).toBe(8);
    expect(log.slice(4)).toEqual(['acquire open=7', 'release open=8']);
    await spec.stop!(pool, { signal: new AbortController().signal });
    expect(h.clock.pending).toBe(0);
  });

  it('without an admission provider refills lost connections at once', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const { spec, pool } = await startReady(h, { readLiveLimits: false });
    await h.clock.advance(5_000);
    h.server.kill(8);
    await h.clock.advance(2_000);
    expect(pool.stats).toMatchObject({ open: 8, target: 8 });
    await spec.stop!(pool, { signal: new AbortController().signal });
  });

  it('stays at minReady and says so when the admission wait fails', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const admission: AdmissionProvider = {
      backend: 'test',
      acquire: async ({ deadline }) => {
        await h.clock.sleep(deadline - h.clock.now());
        throw Object.assign(new Error('no admission slot within 1000 ms'), { code: 'PG_ERR_ADMISSION' });
      },
    };
    const { spec, pool } = await startReady(h, {
      readLiveLimits: false,
      admission,
      admissionTimeoutMs: 1_000,
    });
    await h.clock.advance(5_000);
    expect(pool.stats).toMatchObject({ open: 2, target: 2 });
    expect(events(h)).toEqual(expect.arrayContaining(['admission-failed', 'pool-growth-gave-up']));
    // The time spent in the failed wait still shows in the timeline, /health and /metrics.
    expect(h.marks.find((m) => m.event === 'admission-failed')?.data).toMatchObject({ waitedMs: 1_000 });
    expect(h.reports.filter((r) => r.admission).at(-1)?.admission).toEqual({
      backend: 'test',
      waitedMs: 1_000,
    });
    await spec.stop!(pool, { signal: new AbortController().signal });
    expect(h.clock.pending).toBe(0);
  });

  it('refills to minReady after an admission wait that failed because the server dropped every connection', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const admission: AdmissionProvider = {
      backend: 'test',
      acquire: async () => {
        // A failover: the server terminates every connection, the lock query with them.
        await h.clock.sleep(500);
        h.server.kill(h.server.open);
        throw Object.assign(new Error('terminating connection due to administrator command'), {
          code: '57P01',
        });
      },
    };
    const { spec, pool } = await startReady(h, { readLiveLimits: false, admission });
    await h.clock.advance(10_000);
    // Not left at zero connections (its target was once set to what was open: 0).
    expect(events(h)).toEqual(expect.arrayContaining(['admission-failed', 'pool-growth-gave-up']));
    expect(pool.stats).toMatchObject({ open: 2, target: 2 });
    await spec.stop!(pool, { signal: new AbortController().signal });
    expect(h.clock.pending).toBe(0);
  });

  it('releases the admission slot when stopped while growing', async () => {
    const h = harness((clock) => new FakePostgres(clock, { connectMs: 500 }));
    let released = 0;
    const admission: AdmissionProvider = {
      backend: 'test',
      acquire: async () => ({ release: async () => void released++ }),
    };
    const { spec, pool } = await startReady(h, { readLiveLimits: false, admission });
    await h.clock.advance(100);
    await spec.stop!(pool, { signal: new AbortController().signal });
    expect(released).toBe(1);
    expect(h.server.open).toBe(0);
    expect(h.clock.pending).toBe(0);
  });

  it('never has more than maxConcurrentOpens opens in flight and ends at its target (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          max: fc.integer({ min: 1, max: 12 }),
          minReadyFraction: fc.double({ min: 0, max: 1, noNaN: true }),
          maxConcurrentOpens: fc.integer({ min: 1, max: 4 }),
          roleConnectionLimit: fc.integer({ min: 1, max: 14 }),
          seed: fc.integer(),
        }),
        async (p) => {
          const minReady = Math.max(1, Math.round(p.max * p.minReadyFraction));
          fc.pre(minReady <= p.roleConnectionLimit);
          const h = harness(
            (clock) => new FakePostgres(clock, { roleConnectionLimit: p.roleConnectionLimit }),
          );
          const { spec, pool } = await startReady(h, {
            max: p.max,
            minReady,
            maxConcurrentOpens: p.maxConcurrentOpens,
            readLiveLimits: false,
            maxGrowthRetries: 1,
            random: seededRandom(p.seed),
          });
          await h.clock.advance(30_000);
          expect(h.server.peakOpening).toBeLessThanOrEqual(p.maxConcurrentOpens);
          expect(pool.open).toBe(Math.min(p.max, p.roleConnectionLimit));
          expect(pool.target).toBe(pool.open);
          await spec.stop!(pool, { signal: new AbortController().signal });
          expect(h.server.open).toBe(0);
          expect(h.clock.pending).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });
});
