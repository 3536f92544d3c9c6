/**
 * The Postgres component's health check under load. A `SELECT 1` that queues behind busy callers
 * timed out on a saturated but working pool, turned the critical component `unhealthy` and took the
 * instance out of `/readyz` (its traffic then lands on the rest of the fleet: a readiness-probe
 * cascade). The check must pass on a saturated pool whose queries are answered, and still fail on
 * one whose connections are dark or gone.
 */
import { describe, expect, it } from 'vitest';
import { boundedCall, type BoundedOutcome } from '../../orchestrator/bounded-call.js';
import { FakePostgres } from './fake-postgres.js';
import type { PostgresPool } from './pool.js';
import { harness, startReady, type Harness } from './test-fixtures.js';

/** The orchestrator's defaults: a check every 10 s, each bounded by 5 s. */
const INTERVAL_MS = 10_000;
const CHECK_TIMEOUT_MS = 5_000;

type Spec = Awaited<ReturnType<typeof startReady>>['spec'];

/** Run the check as the orchestrator does (bounded on the clock), letting virtual time pass. */
async function check(
  h: Harness,
  spec: Spec,
  pool: PostgresPool,
): Promise<BoundedOutcome<unknown>['outcome']> {
  let done = false;
  const call = boundedCall(h.clock, CHECK_TIMEOUT_MS, (signal) => spec.check!(pool, { signal })).finally(
    () => (done = true),
  );
  for (let t = 0; t <= CHECK_TIMEOUT_MS && !done; t += 5) await h.clock.advance(5);
  return (await call).outcome;
}

/**
 * Callers that keep every connection busy: each runs 8-second transactions back to back, and there
 * are three times as many callers as connections, so the acquire queue never empties.
 */
function saturate(h: Harness, pool: PostgresPool, callers: number) {
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      await pool
        .withConnection(async (lease) => {
          await lease.query('BEGIN');
          await h.clock.sleep(8_000);
          await lease.query('COMMIT');
        })
        .catch(() => h.clock.sleep(100));
    }
  };
  const done = Promise.all(Array.from({ length: callers }, loop));
  return {
    stop: async () => {
      running = false;
      await pool.end();
      for (let i = 0; i < 20; i++) await h.clock.advance(1_000);
      await done;
    },
  };
}

const selects = (h: Harness): number => h.server.queries.filter((q) => q === 'SELECT 1').length;

async function saturatedPool(h: Harness) {
  const { spec, pool } = await startReady(h, {
    readLiveLimits: false,
    max: 2,
    minReady: 2,
    acquireTimeoutMs: 600_000,
  });
  const load = saturate(h, pool, 6);
  await h.clock.advance(100);
  expect(pool.stats).toMatchObject({ open: 2, idle: 0, waiting: 4 });
  return { spec, pool, load };
}

describe('postgresComponent check', () => {
  it('passes at once on a saturated pool whose queries are answered, without queueing a SELECT 1', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const { spec, pool, load } = await saturatedPool(h);
    const before = selects(h);
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      await h.clock.advance(INTERVAL_MS);
      expect(pool.stats).toMatchObject({ idle: 0, waiting: 4 });
      outcomes.push(await check(h, spec, pool));
    }
    expect(outcomes).toEqual(Array(6).fill('ok'));
    expect(selects(h)).toBe(before);
    await load.stop();
  });

  it('runs SELECT 1 when a connection is idle', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const { spec, pool } = await startReady(h, { readLiveLimits: false, max: 2, minReady: 2 });
    const before = selects(h);
    expect(await check(h, spec, pool)).toBe('ok');
    expect(selects(h)).toBe(before + 1);
    h.server.unanswered = () => true;
    expect(await check(h, spec, pool)).toBe('timeout');
    await pool.end();
  });

  it('fails once a saturated pool has gone dark: at most the next check still passes', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const { spec, pool, load } = await saturatedPool(h);
    await h.clock.advance(INTERVAL_MS);
    expect(await check(h, spec, pool)).toBe('ok');
    h.server.unanswered = () => true; // no reply, no reset: every connection stays lent out
    const outcomes: string[] = [];
    for (let round = 0; round < 4; round++) {
      await h.clock.advance(INTERVAL_MS);
      outcomes.push(await check(h, spec, pool));
    }
    expect(outcomes.slice(1)).toEqual(['timeout', 'timeout', 'timeout']);
    await load.stop();
  });

  it('fails when every connection of a saturated pool is lost and none can be opened', async () => {
    const h = harness((clock) => new FakePostgres(clock));
    const { spec, pool, load } = await saturatedPool(h);
    await h.clock.advance(INTERVAL_MS);
    expect(await check(h, spec, pool)).toBe('ok');
    h.server.failAttempt = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    h.server.kill(2);
    const outcomes: string[] = [];
    for (let round = 0; round < 3; round++) {
      await h.clock.advance(INTERVAL_MS);
      outcomes.push(await check(h, spec, pool));
    }
    expect(pool.open).toBe(0);
    expect(outcomes).toEqual(['timeout', 'timeout', 'timeout']);
    await load.stop();
  });
});
