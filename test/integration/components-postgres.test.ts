/**
 * The Postgres component against a real server (TEST_DATABASE_URL, or the embedded one of
 * global-setup). Every test names its connections with a unique application_name and checks in
 * pg_stat_activity that none is left.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { classify } from '../../src/errors/classify.js';
import { postgresComponent } from '../../src/components/postgres/postgres.js';
import type { PostgresComponentOptionsInput } from '../../src/components/postgres/options.js';
import type { PostgresPool } from '../../src/components/postgres/pool.js';
import { testComponentContext } from '../../src/testing/component-context.js';
import {
  countConnections,
  createTemporaryRole,
  databaseUrl,
  uniqueName,
  withAdmin,
  withApplicationName,
} from './helpers/database.js';
import { waitUntil } from './helpers/wait-until.js';
import { TcpProxy } from './service-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A component on `url` under a fresh application_name; its pool is stopped after the test. */
function setup(options: Partial<PostgresComponentOptionsInput> & { url?: string } = {}) {
  const app = uniqueName('pg-component');
  const { url = databaseUrl(), ...rest } = options;
  const spec = postgresComponent({
    connection: withApplicationName(url, app),
    openJitterMs: 20,
    growthBackoffMs: 20,
    growthBackoffCapMs: 200,
    ...rest,
  });
  const t = testComponentContext({ name: spec.name });
  const start = async (): Promise<PostgresPool> => {
    const pool = await spec.start(t.ctx);
    cleanups.push(async () => {
      t.lifetime.abort();
      await spec.stop!(pool, { signal: AbortSignal.timeout(5_000) });
    });
    return pool;
  };
  const connections = (): Promise<number> => countConnections(app);
  return { app, spec, t, start, connections };
}

/**
 * A component's pool of 3 reaching the real Postgres through a TCP proxy (so its path can go dark),
 * started and grown to 3. The proxy is closed first at cleanup, cutting what is left.
 */
async function grownBehindProxy(options: Partial<PostgresComponentOptionsInput> = {}) {
  const proxy = await TcpProxy.before(databaseUrl(), 5432);
  proxy.forward();
  const parts = setup({ url: proxy.via(databaseUrl()), max: 3, minReady: 1, ...options });
  const pool = await parts.start();
  cleanups.push(() => proxy.close());
  await waitUntil(() => pool.open === 3, { message: 'pool grown to 3' });
  return { ...parts, proxy, pool };
}

describe('postgresComponent (real Postgres)', () => {
  it('is ready with minReady verified connections, grows to its target in the background, and stop() closes all', async () => {
    const { spec, t, start, connections } = setup({ max: 6, minReady: 2, maxConcurrentOpens: 2 });
    const pool = await start();
    expect(t.mark('pool-ready')).toEqual({ open: 2, target: 6 });
    await waitUntil(() => pool.open === 6, { message: 'pool grown to 6' });
    expect(await connections()).toBe(6);
    expect(t.mark('pool-at-target')).toMatchObject({ open: 6, target: 6 });
    expect(t.reports.at(-1)?.pool).toMatchObject({ open: 6, target: 6, max: 6 });
    await expect(spec.check!(pool, { signal: AbortSignal.timeout(5_000) })).resolves.toBeUndefined();
    expect((await pool.query('SELECT 41 + 1 AS answer')).rows[0]).toEqual({ answer: 42 });

    await spec.stop!(pool, { signal: AbortSignal.timeout(5_000) });
    await waitUntil(async () => (await connections()) === 0, { message: 'no connection left' });
  });

  it('stop() during growth ends connections that are still being opened', async () => {
    const { spec, start, connections } = setup({
      max: 20,
      minReady: 1,
      maxConcurrentOpens: 4,
      openJitterMs: 0,
    });
    const pool = await start();
    await spec.stop!(pool, { signal: AbortSignal.timeout(5_000) });
    await waitUntil(async () => (await connections()) === 0, { message: 'no connection left' });
    expect(pool.stats).toMatchObject({ open: 0, opening: 0 });
  });

  it('an aborted start leaves no connection behind', async () => {
    const app = uniqueName('pg-abort');
    const spec = postgresComponent({
      connection: withApplicationName(databaseUrl(), app),
      max: 5,
      minReady: 5,
      maxConcurrentOpens: 1,
    });
    const t = testComponentContext({
      onMark: (event) => {
        if (event === 'pool-target') t.attempt.abort(new Error('attempt timed out'));
      },
    });
    await expect(spec.start(t.ctx)).rejects.toThrow('attempt timed out');
    await waitUntil(async () => (await countConnections(app)) === 0, { message: 'no connection left' });
  });

  it('sets its target from live limits: the fair share of a role CONNECTION LIMIT', async () => {
    const role = await createTemporaryRole({ connectionLimit: 12 });
    cleanups.push(() => role.drop());
    const { start, t } = setup({ url: role.url, max: 10, minReady: 1, expectedInstances: 3 });
    const pool = await start();
    expect(t.mark('pool-target')).toMatchObject({ target: 4, limitedBy: 'role-share' });
    await waitUntil(() => pool.open === 4, { message: 'pool grown to its fair share' });
    expect(t.marks.some((m) => m.event === 'pool-target-lowered')).toBe(false);
  });

  it('sets its target from live limits: the fair share of the server', async () => {
    const { max, reserved } = await withAdmin(async (client) => {
      const { rows } = await client.query<{ max: number; reserved: number }>(
        `SELECT current_setting('max_connections')::int AS max,
                current_setting('superuser_reserved_connections')::int
                  + coalesce(current_setting('reserved_connections', true), '0')::int AS reserved`,
      );
      return rows[0]!;
    });
    // Leave 9 usable connections for 3 instances: a fair share of 3.
    const { start, t } = setup({ max: 10, minReady: 1, expectedInstances: 3, headroom: max - reserved - 9 });
    const pool = await start();
    const decision = t.mark('pool-target')!;
    expect(decision.fairShare).toBe(3);
    expect(['server-share', 'server-free', 'min-ready']).toContain(decision.limitedBy);
    expect(pool.target).toBeLessThanOrEqual(3);
  });

  it('at a role CONNECTION LIMIT, growth hits 53300, lowers its target to what it holds and stays ready', async () => {
    // One open at a time: each new backend is checked against the limit only after the previous one
    // has been counted, so the first refusal comes with exactly the limit open.
    const role = await createTemporaryRole({ connectionLimit: 3 });
    cleanups.push(() => role.drop());
    const { spec, start, t, connections } = setup({
      url: role.url,
      max: 6,
      minReady: 1,
      readLiveLimits: false,
      maxGrowthRetries: 2,
      maxConcurrentOpens: 1,
    });
    const pool = await start();
    await waitUntil(() => t.mark('pool-growth-gave-up'), { message: 'growth settled' });
    expect(t.mark('pool-target-lowered')).toMatchObject({ from: 6, to: 3, code: '53300' });
    expect(pool.stats).toMatchObject({ open: 3, target: 3 });
    expect(await connections()).toBe(3);
    await expect(spec.check!(pool, { signal: AbortSignal.timeout(5_000) })).resolves.toBeUndefined();
  });

  it('at a role CONNECTION LIMIT with two opens in flight, lowers its target to what it holds at the 53300', async () => {
    // Two opens at a time (the default): when one is refused, the other may be refused too (both
    // backends saw each other starting), so the pool holds 2 or 3. Whatever it holds when the refusal
    // is handled is what the target is lowered to, never less than minReady and never above the limit.
    const role = await createTemporaryRole({ connectionLimit: 3 });
    cleanups.push(() => role.drop());
    const started: { pool?: PostgresPool } = {};
    const lowerings: Array<{ to: unknown; open: number; opening: number }> = [];
    const { app, spec, t } = setup({
      url: role.url,
      max: 6,
      minReady: 1,
      readLiveLimits: false,
      maxGrowthRetries: 2,
      maxConcurrentOpens: 2,
    });
    const ctx = {
      ...t.ctx,
      mark: (event: string, data?: Readonly<Record<string, unknown>>) => {
        t.ctx.mark(event, data);
        // Read at the moment the lowering is recorded (-1: before start returned, which fails below).
        const { pool } = started;
        if (event === 'pool-target-lowered') {
          lowerings.push({ to: data?.to, open: pool?.open ?? -1, opening: pool?.opening ?? -1 });
        }
      },
    };
    const pool = await spec.start(ctx);
    started.pool = pool;
    cleanups.push(async () => {
      t.lifetime.abort();
      await spec.stop!(pool, { signal: AbortSignal.timeout(5_000) });
    });
    await waitUntil(() => t.mark('pool-growth-gave-up'), { message: 'growth settled' });
    expect(t.mark('pool-target-lowered')).toMatchObject({ from: 6, code: '53300' });
    expect(lowerings.length).toBeGreaterThan(0);
    for (const lowering of lowerings) {
      expect(lowering.opening).toBe(0); // every open of the round has settled
      expect(lowering.to).toBe(lowering.open);
      expect(lowering.open).toBeGreaterThanOrEqual(2); // the first round's two opens fit (1 + 2 = 3)
      expect(lowering.open).toBeLessThanOrEqual(3);
    }
    const settled = pool.stats;
    expect(settled.target).toBe(settled.open);
    expect(settled.open).toBeLessThanOrEqual(3);
    expect(await countConnections(app)).toBe(settled.open);
    await expect(spec.check!(pool, { signal: AbortSignal.timeout(5_000) })).resolves.toBeUndefined();
  });

  it('replaces connections the server terminates, and check() passes again', async () => {
    const { app, spec, start } = setup({ max: 3, minReady: 2, growthBackoffCapMs: 100 });
    const pool = await start();
    await waitUntil(() => pool.open === 3, { message: 'pool at target' });
    const pids = (): Promise<number[]> =>
      withAdmin(async (client) => {
        const { rows } = await client.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
          [app],
        );
        return rows.map((row) => row.pid);
      });
    const before = await pids();
    expect(before).toHaveLength(3);
    await withAdmin((client) =>
      client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
        app,
      ]),
    );
    await waitUntil(
      async () => {
        const now = await pids();
        return pool.open === 3 && now.length === 3 && now.every((pid) => !before.includes(pid));
      },
      { message: 'pool refilled with new connections after its connections were terminated' },
    );
    await expect(spec.check!(pool, { signal: AbortSignal.timeout(5_000) })).resolves.toBeUndefined();
  });

  it('check() passes at once while every connection is held in a pg_sleep transaction and callers queue', async () => {
    // The check's SELECT 1 used to queue behind the callers and time out: a busy but working
    // instance turned unhealthy and left /readyz, and its traffic went to the rest of the fleet.
    const { app, spec, start } = setup({ max: 3, minReady: 3, readLiveLimits: false });
    const pool = await start();
    const hold = (): Promise<void> =>
      pool.withConnection(async (lease) => {
        await lease.query('BEGIN');
        await lease.query('SELECT pg_sleep(2)');
        await lease.query('COMMIT');
      });
    const holders = Promise.allSettled(Array.from({ length: 5 }, hold)); // never an unhandled rejection
    await waitUntil(
      async () => {
        const sleeping = await withAdmin(async (client) => {
          const { rows } = await client.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%pg_sleep%' AND state = 'active'",
            [app],
          );
          return rows[0]!.n;
        });
        return sleeping === 3 && pool.stats.idle === 0 && pool.stats.waiting === 2;
      },
      { message: 'every connection in pg_sleep, two callers queued' },
    );
    // Each sleep lasts 2 s: a check that queued could not get a connection within its 1 s.
    await expect(spec.check!(pool, { signal: AbortSignal.timeout(1_000) })).resolves.toBeUndefined();
    expect(pool.stats).toMatchObject({ idle: 0, waiting: 2 });
    expect((await holders).map((held) => held.status)).toEqual(Array(5).fill('fulfilled'));
  });

  it('stop() closes connections whose network path went dark at once, not when TCP gives up', async () => {
    // pg's end() sends Terminate and waits for the server's FIN, which a dark path never brings.
    const { spec, pool, proxy } = await grownBehindProxy({ readLiveLimits: false });
    proxy.stallOpen();
    const stopped = Promise.resolve(spec.stop!(pool, { signal: AbortSignal.timeout(5_000) })).then(
      () => 'stopped',
    );
    const late = new Promise((resolve) =>
      setTimeout(() => resolve('still stopping after 3 s'), 3_000).unref(),
    );
    expect(await Promise.race([stopped, late])).toBe('stopped');
    expect(pool.stats).toMatchObject({ open: 0, opening: 0 });
  });

  it('a recheck that meets a connection gone dark closes it after openTimeoutMs and the pool refills', async () => {
    // A failover that moves the address leaves connections that neither answer nor reset. The
    // recheck's limits read used to wait on such a connection for good (until TCP gave up, minutes
    // later), and the growth loop with it: no recheck, no refill.
    const { pool, proxy, connections } = await grownBehindProxy({ targetRecheckMs: 200, openTimeoutMs: 500 });
    proxy.stallOpen();
    // The server still holds the 3 dark sessions (the proxy keeps them); a 4th is a replacement.
    await waitUntil(async () => (await connections()) >= 4, {
      message: 'a connection opened to replace a dark one',
    });
    expect(pool.open).toBeLessThanOrEqual(3);
  });

  it('a host name that does not resolve (ENOTFOUND) is transient with the hint to check it, as for Redis', async () => {
    const unknown = new URL(databaseUrl());
    unknown.hostname = 'no-such-host.invalid';
    const { spec, t } = setup({ url: unknown.toString() });
    const error = await spec.start(t.ctx).catch((e: unknown) => e);
    expect(classify(error)).toBe('transient');
    expect(error).toMatchObject({
      code: 'PG_ERR_DEPENDENCY',
      driverCode: 'ENOTFOUND',
      dependency: 'postgres',
      hint: 'check the host name',
    });
  });

  it('fails permanent at once on an unknown database', async () => {
    const missing = new URL(databaseUrl());
    missing.pathname = `/${uniqueName('no_such_db')}`;
    const { spec, t } = setup({ url: missing.toString() });
    const error = await spec.start(t.ctx).catch((e: unknown) => e);
    expect(classify(error)).toBe('permanent');
    expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', driverCode: '3D000', dependency: 'postgres' });
  });
});
