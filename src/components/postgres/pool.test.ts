import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../testing/fake-clock.js';
import { isDependencyError } from '../dependency-error.js';
import { FakePostgres, sqlError } from './fake-postgres.js';
import { ConfigError } from '../../errors/config-error.js';
import { PostgresPool, type PoolStats, type PostgresPoolOptions } from './pool.js';

function setup(options: { max?: number; connectMs?: number } = {}) {
  const clock = new FakeClock();
  const server = new FakePostgres(clock, { connectMs: options.connectMs ?? 10 });
  const pool = new PostgresPool({
    factory: server.factory,
    clock,
    max: options.max ?? 5,
    acquireTimeoutMs: 1_000,
    openTimeoutMs: 500,
  });
  return { clock, server, pool };
}

async function open(pool: PostgresPool, clock: FakeClock, count: number): Promise<void> {
  const opens = Array.from({ length: count }, () => pool.openConnection());
  await clock.advance(100);
  await Promise.all(opens);
}

describe('PostgresPool', () => {
  it.each([
    ['max', { max: 0 }, /PostgresPool\.max: must be an integer >= 1, got 0/],
    ['max', { max: Number.NaN }, /PostgresPool\.max: must be an integer >= 1, got NaN/],
    ['max', { max: 2.5 }, /PostgresPool\.max: must be an integer >= 1, got 2\.5/],
    ['target', { target: -1 }, /PostgresPool\.target: must be an integer >= 0, got -1/],
    ['target', { target: Number.NaN }, /PostgresPool\.target: must be an integer >= 0, got NaN/],
    [
      'acquireTimeoutMs',
      { acquireTimeoutMs: 0 },
      /PostgresPool\.acquireTimeoutMs: must be a finite number > 0/,
    ],
    ['acquireTimeoutMs', { acquireTimeoutMs: Number.NaN }, /PostgresPool\.acquireTimeoutMs: .* got NaN/],
    [
      'openTimeoutMs',
      { openTimeoutMs: -5 },
      /PostgresPool\.openTimeoutMs: must be a finite number > 0, got -5/,
    ],
    ['openTimeoutMs', { openTimeoutMs: Infinity }, /PostgresPool\.openTimeoutMs: .* got Infinity/],
    [
      'backgroundStopMs',
      { backgroundStopMs: -1 },
      /PostgresPool\.backgroundStopMs: must be a finite number >= 0/,
    ],
    ['factory', { factory: undefined }, /PostgresPool\.factory: must be a function/],
    ['clock', { clock: {} }, /PostgresPool\.clock: must be a Clock/],
  ])('rejects an invalid %s (%o) with a ConfigError naming it and the fix', (path, override, message) => {
    const clock = new FakeClock();
    const server = new FakePostgres(clock);
    const options = { factory: server.factory, clock, max: 5, ...override } as PostgresPoolOptions;
    const build = (): PostgresPool => new PostgresPool(options);
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(message);
    expect(build).toThrow(expect.objectContaining({ path: `PostgresPool.${path}`, code: 'PG_ERR_CONFIG' }));
  });

  it('an option given as undefined takes its default, and a target above max is lowered to max', () => {
    const clock = new FakeClock();
    const server = new FakePostgres(clock);
    const pool = new PostgresPool({
      factory: server.factory,
      clock,
      max: 4,
      target: undefined as unknown as number,
      acquireTimeoutMs: undefined as unknown as number,
    });
    expect(pool.stats).toMatchObject({ target: 4, max: 4 });
    expect(new PostgresPool({ factory: server.factory, clock, max: 4, target: 9 }).stats.target).toBe(4);
  });

  it('verifies each new connection with a round trip before counting it', async () => {
    const { clock, server, pool } = setup();
    const opening = pool.openConnection();
    await clock.advance(5);
    expect(pool.stats).toMatchObject({ open: 0, opening: 1 });
    await clock.advance(20);
    await opening;
    expect(server.queries).toEqual(['SELECT 1']);
    expect(pool.stats).toEqual({ open: 1, idle: 1, waiting: 0, opening: 0, target: 5, max: 5 });
    await pool.end();
  });

  it('hands connections to waiters in arrival order and times out the ones left waiting', async () => {
    const { clock, pool } = setup();
    await open(pool, clock, 1);
    const first = await pool.acquire();
    const order: string[] = [];
    const second = pool.acquire().then((lease) => {
      order.push('second');
      return lease;
    });
    const third = pool.acquire().then((lease) => {
      order.push('third');
      lease.release();
    });
    await clock.advance(1);
    expect(pool.stats.waiting).toBe(2);
    first.release();
    (await second).release();
    await third;
    expect(order).toEqual(['second', 'third']);
    expect(pool.stats).toMatchObject({ waiting: 0, open: 1 });

    const busy = await pool.acquire();
    const late = pool.acquire();
    const settled = late.catch((error: unknown) => error);
    await clock.advance(1_000);
    const error = await settled;
    expect(isDependencyError(error)).toBe(true);
    expect((error as { classification: string }).classification).toBe('capacity');
    busy.release();
    await pool.end();
    expect(clock.pending).toBe(0);
  });

  it('removes an aborted waiter and leaves no timer behind', async () => {
    const { clock, pool } = setup();
    const controller = new AbortController();
    const waiting = pool.acquire(controller.signal).catch((error: unknown) => error);
    await clock.advance(1);
    expect(clock.pending).toBe(1);
    controller.abort(new Error('gave up'));
    expect(((await waiting) as Error).message).toBe('gave up');
    expect(pool.stats.waiting).toBe(0);
    expect(clock.pending).toBe(0);
    await pool.end();
  });

  it('drops a connection the server kills, and one whose query fails at the connection level', async () => {
    const { clock, server, pool } = setup();
    await open(pool, clock, 3);
    server.kill(1);
    expect(pool.stats.open).toBe(2);

    const lease = await pool.acquire();
    const failing = lease.connection as unknown as { query: (text: string) => Promise<unknown> };
    const original = failing.query.bind(lease.connection);
    failing.query = () => Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    await expect(lease.query('SELECT 1')).rejects.toThrow('socket hang up');
    failing.query = original;
    lease.release();
    expect(pool.stats.open).toBe(1);

    const kept = await pool.acquire();
    const statement = kept.connection as unknown as { query: (text: string) => Promise<unknown> };
    statement.query = () => Promise.reject(sqlError('42P01', 'relation "x" does not exist'));
    await expect(kept.query('SELECT * FROM x')).rejects.toThrow('does not exist');
    kept.release();
    expect(pool.stats).toMatchObject({ open: 1, idle: 1 });
    await pool.end();
    expect(server.open).toBe(0);
  });

  it('bounds one open by openTimeoutMs and leaves nothing open', async () => {
    const { clock, server, pool } = setup({ connectMs: 10_000 });
    const opening = pool.openConnection().catch((error: unknown) => error);
    await clock.advance(500);
    expect(((await opening) as { code: string }).code).toBe('PG_ERR_ATTEMPT_TIMEOUT');
    expect(pool.stats).toMatchObject({ open: 0, opening: 0 });
    expect(server.open).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('end() closes idle, borrowed and half-open connections and rejects waiters', async () => {
    const { clock, server, pool } = setup();
    await open(pool, clock, 2);
    const borrowed = await pool.acquire();
    const opening = pool.openConnection().catch((error: unknown) => error);
    await clock.advance(1);
    const other = await pool.acquire();
    const waiter = pool.acquire().catch((error: unknown) => error);
    await clock.advance(1);
    await pool.end();
    expect(((await waiter) as { code: string }).code).toBe('PG_ERR_ABORTED');
    expect(((await opening) as { code: string }).code).toBe('PG_ERR_ABORTED');
    borrowed.release();
    other.release();
    expect(server.open).toBe(0);
    expect(pool.stats).toMatchObject({ open: 0, idle: 0, waiting: 0, opening: 0 });
    expect(clock.pending).toBe(0);
    await expect(pool.acquire()).rejects.toThrow('closed');
  });

  it('closes a connection that a factory ignoring its signal hands over after the abort', async () => {
    const clock = new FakeClock();
    const server = new FakePostgres(clock, { connectMs: 100 });
    const deaf = () => server.factory(new AbortController().signal);
    const pool = new PostgresPool({ factory: deaf, clock, max: 2 });
    const controller = new AbortController();
    const opening = pool.openConnection(controller.signal).catch((error: unknown) => error);
    await clock.advance(10);
    controller.abort(new Error('stop'));
    expect(((await opening) as Error).message).toBe('stop');
    await clock.advance(100);
    expect(server.attempts).toBe(1);
    expect(server.open).toBe(0);
    expect(pool.open).toBe(0);
    await pool.end();
    expect(clock.pending).toBe(0);
  });

  it('closes a connection whose SELECT 1 fails, and an open aborted during its SELECT 1', async () => {
    const { clock, server, pool } = setup();
    const realFactory = server.factory;
    let failQuery = true;
    const factory = async (signal: AbortSignal) => {
      const connection = await realFactory(signal);
      if (failQuery) connection.query = () => Promise.reject(sqlError('57P01', 'terminating connection'));
      return connection;
    };
    const failing = new PostgresPool({ factory, clock, max: 2, openTimeoutMs: 500 });
    const opening = failing.openConnection().catch((error: unknown) => error);
    await clock.advance(20);
    expect(((await opening) as { code: string }).code).toBe('57P01');
    expect(server.open).toBe(0);

    failQuery = false;
    server.queryMs = 50;
    const controller = new AbortController();
    const verifying = failing.openConnection(controller.signal).catch((error: unknown) => error);
    await clock.advance(20);
    expect(server.open).toBe(1);
    controller.abort(new Error('gave up'));
    expect(((await verifying) as Error).message).toBe('gave up');
    expect(server.open).toBe(0);
    expect(failing.stats).toMatchObject({ open: 0, opening: 0 });
    await failing.end();
    await pool.end();
    await clock.advance(100); // the fake's own query sleep
    expect(clock.pending).toBe(0);
  });

  it('rejects an open whose signal is already aborted without calling the factory', async () => {
    const { server, pool } = setup();
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(pool.openConnection(controller.signal)).rejects.toThrow('too late');
    expect(server.attempts).toBe(0);
    await pool.end();
  });

  it('makes its lifetime signal on demand, aborted with the stop reason once ended', async () => {
    const { pool } = setup();
    const early = pool.lifetime;
    expect(early.aborted).toBe(false);
    await pool.end();
    expect(early.aborted).toBe(true);
    expect((early.reason as { code: string }).code).toBe('PG_ERR_ABORTED');

    const { pool: other } = setup();
    await other.end();
    expect(other.lifetime.aborted).toBe(true);
    expect((other.lifetime.reason as Error).message).toBe('The Postgres pool was stopped');
  });

  it('reports every change once', async () => {
    const { clock, pool } = setup();
    const seen: PoolStats[] = [];
    pool.onChange((stats) => seen.push(stats));
    await open(pool, clock, 1);
    pool.setTarget(3);
    pool.setTarget(3);
    pool.setTarget(99);
    expect(seen.map((s) => [s.opening, s.open, s.target])).toEqual([
      [1, 0, 5],
      [1, 1, 5],
      [0, 1, 5],
      [0, 1, 3],
      [0, 1, 5],
    ]);
    await pool.end();
  });

  it('refuses a target that is not a number, keeping the one it had', async () => {
    const { pool } = setup();
    for (const bad of [Number.NaN, '3' as unknown as number]) {
      expect(() => pool.setTarget(bad)).toThrow(
        expect.objectContaining({ code: 'PG_ERR_CONFIG', path: 'PostgresPool.setTarget' }),
      );
    }
    expect(pool.stats.target).toBe(5);
    pool.setTarget(-1);
    expect(pool.stats.target).toBe(0);
    await pool.end();
  });
});
