/**
 * A fleet admission slot lost while a real pool grows (real Postgres, real Redis): two instances
 * share K = 1. Instance A takes the slot and grows; its opens past minReady wait at a gate the test
 * controls. The slot is then taken from A behind its back (its lock's backend terminated, or its
 * Redis lease deleted), B gets the slot and grows to its target; A must stop growing at once and
 * stay at what it has (refilled to minReady at most), so only one instance grows at a time.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { abortReason } from '../../src/common/abort-reason.js';
import { pgConnectionFactory, type ConnectionFactory } from '../../src/components/postgres/connection.js';
import type { PostgresPool } from '../../src/components/postgres/pool.js';
import { postgresComponent } from '../../src/components/postgres/postgres.js';
import type { AdmissionProvider } from '../../src/components/admission-hook.js';
import { PostgresAdmission, advisoryLockKey } from '../../src/fleet/postgres-admission.js';
import { RedisAdmission } from '../../src/fleet/redis-admission.js';
import { testComponentContext } from '../../src/testing/component-context.js';
import {
  countConnections,
  databaseUrl,
  uniqueName,
  withAdmin,
  withApplicationName,
} from './helpers/database.js';
import { requireRedis } from './helpers/redis.js';
import { waitUntil } from './helpers/wait-until.js';

const MIN_READY = 2;
const MAX = 5;
const fastPoll = { initialDelayMs: 10, maxDelayMs: 60 };
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A factory whose opens past the first `free` wait until `open()` is called (or their abort). */
function gatedFactory(inner: ConnectionFactory, free: number) {
  let calls = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const state = { waiting: 0, aborted: 0, open: () => release() };
  const factory: ConnectionFactory = async (signal) => {
    if (++calls > free) {
      state.waiting++;
      try {
        await new Promise<void>((resolve, reject) => {
          const onAbort = (): void => reject(abortReason(signal));
          signal.addEventListener('abort', onAbort, { once: true });
          void gate.then(() => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          });
        });
      } catch (error) {
        state.aborted++;
        throw error;
      } finally {
        state.waiting--;
      }
    }
    return inner(signal);
  };
  return { factory, state };
}

/** One instance: a Postgres component under `admission`, its connections named `app`. */
async function instance(admission: AdmissionProvider, gated: boolean) {
  const app = uniqueName('lease-lost');
  const real = pgConnectionFactory(withApplicationName(databaseUrl(), app));
  const gate = gatedFactory(real, gated ? MIN_READY : Infinity);
  const spec = postgresComponent({
    connectionFactory: gate.factory,
    max: MAX,
    minReady: MIN_READY,
    maxConcurrentOpens: 1,
    openJitterMs: 5,
    readLiveLimits: false,
    admission,
  });
  const t = testComponentContext({ name: 'postgres' });
  const pool: PostgresPool = await spec.start(t.ctx);
  cleanups.push(async () => {
    gate.state.open();
    t.lifetime.abort();
    await spec.stop!(pool, { signal: AbortSignal.timeout(5_000) });
  });
  const events = (): string[] => t.marks.map((m) => m.event);
  return { app, pool, gate: gate.state, t, events };
}

/**
 * Wait until A holds the slot, before B starts: started together, B's first try could reach a
 * loaded server before A's (a Redis client still connecting), and the test is about A's slot.
 */
async function aHoldsTheSlot(a: Awaited<ReturnType<typeof instance>>): Promise<void> {
  await waitUntil(() => a.events().includes('admission-wait'), { message: 'A to take the slot' });
}

/**
 * Take the slot from A (`steal`), then check that A stopped growing while B took the slot and grew:
 * A never holds more than minReady again, and ends there with nothing in flight.
 */
async function takeSlotFromA(
  a: Awaited<ReturnType<typeof instance>>,
  b: Awaited<ReturnType<typeof instance>>,
  steal: () => Promise<void>,
): Promise<void> {
  await waitUntil(() => a.events().includes('admission-wait') && a.gate.waiting === 1, {
    message: 'A to hold the slot with an open waiting at its gate',
  });
  expect(b.events()).not.toContain('admission-wait'); // K = 1: B waits for the slot
  let aMostAfterLoss = 0;
  a.pool.onChange((stats) => {
    if (a.events().includes('admission-lost')) aMostAfterLoss = Math.max(aMostAfterLoss, stats.open);
  });

  await steal();
  await waitUntil(() => b.events().includes('admission-wait'), { message: 'B to take the freed slot' });
  // B holds the slot now: were A to go on opening connections, two instances would grow at once.
  await waitUntil(() => a.events().includes('admission-lost'), {
    message: 'A to notice its slot lost (B holds it)',
  });
  expect(a.gate.aborted).toBe(1); // the open in flight was cut short
  a.gate.open(); // from now on A could open as many connections as it liked

  await waitUntil(() => b.pool.open === MAX && b.events().includes('pool-at-target'), {
    message: 'B to take the slot and grow to its target',
  });
  await waitUntil(() => a.pool.open === MIN_READY && a.pool.opening === 0, {
    message: 'A back at minReady (its lock connection refilled) with nothing in flight',
  });
  expect(a.pool.target).toBe(MIN_READY);
  expect(aMostAfterLoss).toBeLessThanOrEqual(MIN_READY);
  expect(await countConnections(a.app)).toBe(MIN_READY);
  expect(a.events()).toContain('pool-growth-gave-up');
}

describe('a slot lost while the pool grows (real servers)', () => {
  it('Postgres: the lock-holding backend terminated stops growth; the other instance grows alone', async () => {
    const namespace = uniqueName('lease-lost-pg');
    const admission = (): PostgresAdmission => new PostgresAdmission({ width: 1, namespace, poll: fastPoll });
    const a = await instance(admission(), true);
    await aHoldsTheSlot(a);
    const b = await instance(admission(), false);
    const lockPid = async (): Promise<number | undefined> =>
      withAdmin(async (client) => {
        const { rows } = await client.query<{ pid: number }>(
          `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity s USING (pid)
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::int4::oid AND s.application_name = $2`,
          [advisoryLockKey(namespace), a.app],
        );
        return rows[0]?.pid;
      });
    await takeSlotFromA(a, b, async () => {
      const pid = await waitUntil(lockPid, { message: "A's advisory lock on the server" });
      await withAdmin((client) => client.query('SELECT pg_terminate_backend($1)', [pid]));
    });
    expect(a.t.mark('admission-lost')).toMatchObject({ backend: 'postgres' });
  });

  it('Redis: the lease deleted behind its back stops growth; the other instance grows alone', async () => {
    const url = requireRedis();
    const namespace = uniqueName('lease-lost-redis');
    const admissions: RedisAdmission[] = [];
    const admission = (): RedisAdmission => {
      const created = new RedisAdmission({
        width: 1,
        namespace,
        url,
        poll: fastPoll,
        leaseMs: 3_000,
        refreshMs: 50,
      });
      admissions.push(created);
      return created;
    };
    cleanups.push(async () => {
      for (const created of admissions) await created.close();
    });
    const a = await instance(admission(), true);
    await aHoldsTheSlot(a);
    const b = await instance(admission(), false);
    const observer = new Redis(url);
    cleanups.push(async () => void (await observer.quit()));
    await takeSlotFromA(a, b, async () => {
      // As if A's lease had expired and been reclaimed (only A's member is in the set).
      expect(await observer.zcard(admissions[0]!.key)).toBe(1);
      await observer.del(admissions[0]!.key);
    });
    expect(a.t.mark('admission-lost')).toMatchObject({ backend: 'redis' });
  });

  it('PostgresAdmission: a lease is lost when its session ends (a pg.Client, a dedicated connection)', async () => {
    const namespace = uniqueName('lease-lost-session');
    const app = uniqueName('lease-lost-session');
    const url = withApplicationName(databaseUrl(), app);
    const terminate = (): Promise<unknown> =>
      withAdmin((client) =>
        client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
          app,
        ]),
      );
    const request = { signal: new AbortController().signal, deadline: Infinity };

    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    cleanups.push(() => client.end().catch(() => undefined));
    const onClient = await new PostgresAdmission({ width: 1, namespace }).acquire({
      ...request,
      firstConnection: client,
    });
    expect(onClient.signal.aborted).toBe(false);
    await terminate();
    await waitUntil(() => onClient.signal.aborted, { message: 'the lease on the client to be lost' });
    expect(onClient.signal.reason).toMatchObject({ code: 'PG_ERR_ADMISSION_LOST', backend: 'postgres' });
    await onClient.release(); // does not throw for a slot already lost

    const dedicated = new PostgresAdmission({ width: 1, namespace, connection: url });
    const onDedicated = await dedicated.acquire({ ...request, firstConnection: undefined });
    await terminate();
    await waitUntil(() => onDedicated.signal.aborted, { message: 'the dedicated lease to be lost' });
    // The slot is free for another instance.
    const other = new pg.Client({ connectionString: databaseUrl() });
    other.on('error', () => undefined);
    await other.connect();
    cleanups.push(() => other.end().catch(() => undefined));
    const next = await new PostgresAdmission({ width: 1, namespace, poll: fastPoll }).acquire({
      ...request,
      deadline: Date.now() + 10_000,
      firstConnection: other,
    });
    expect(next.slot).toBe(0);
    await next.release();
    await onDedicated.release();
  });
});
