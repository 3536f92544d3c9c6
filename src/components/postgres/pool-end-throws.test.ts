import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../testing/fake-clock.js';
import { runUntilSettled } from '../../testing/run-until-settled.js';
import type { ConnectionFactory, PgConnection } from './connection.js';
import { FakePostgres } from './fake-postgres.js';
import { PostgresPool } from './pool.js';

type EndBehaviour = 'throws' | 'returns-nothing';

/**
 * A user's factory whose connections close the fake server's connection but then misbehave in
 * `end()`: throw synchronously, or return no promise (plain JavaScript callers).
 */
function misbehavingFactory(server: FakePostgres, behaviour: EndBehaviour): ConnectionFactory {
  return async (signal) => {
    const inner = await server.factory(signal);
    const connection: PgConnection = {
      query: (text, values) => inner.query(text, values),
      on: (event, listener) => inner.on?.(event, listener),
      end: () => {
        void inner.end();
        if (behaviour === 'throws') throw new Error('end() exploded');
        return undefined as unknown as Promise<void>;
      },
    };
    return connection;
  };
}

function setup(behaviour: EndBehaviour) {
  const clock = new FakeClock();
  const server = new FakePostgres(clock, { connectMs: 10 });
  const pool = new PostgresPool({
    factory: misbehavingFactory(server, behaviour),
    clock,
    max: 5,
    acquireTimeoutMs: 1_000,
    openTimeoutMs: 500,
  });
  return { clock, server, pool };
}

async function openOne(pool: PostgresPool, clock: FakeClock): Promise<void> {
  const result = await runUntilSettled(clock, pool.openConnection());
  expect(result.ok).toBe(true);
}

describe.each<EndBehaviour>(['throws', 'returns-nothing'])(
  "PostgresPool with a user's connection whose end() %s",
  (behaviour) => {
    it('a destroying release drops the connection without throwing', async () => {
      const { clock, server, pool } = setup(behaviour);
      await openOne(pool, clock);
      const lease = await pool.acquire();
      expect(() => lease.release(true)).not.toThrow();
      expect(pool.stats).toMatchObject({ open: 0, idle: 0 });
      expect(server.connections.size).toBe(0);
      await pool.end();
    });

    it('end() closes every connection and resolves', async () => {
      const { clock, server, pool } = setup(behaviour);
      await openOne(pool, clock);
      await openOne(pool, clock);
      const borrowed = await pool.acquire();
      const result = await runUntilSettled(clock, pool.end());
      expect(result).toEqual({ ok: true, value: undefined });
      expect(server.connections.size).toBe(0);
      expect(pool.stats.open).toBe(0);
      borrowed.release();
    });

    it('an open whose SELECT 1 times out rejects, and is no longer counted as opening', async () => {
      const { clock, server, pool } = setup(behaviour);
      server.unanswered = (text) => text === 'SELECT 1';
      const result = await runUntilSettled(clock, pool.openConnection());
      expect(result.ok).toBe(false);
      expect((result as { error: { code?: string } }).error.code).toBe('PG_ERR_ATTEMPT_TIMEOUT');
      expect(pool.stats).toMatchObject({ opening: 0, open: 0 });
      expect(server.connections.size).toBe(0);
      await pool.end();
    });
  },
);
