/**
 * classify() on errors pg really makes, against the test run's Postgres: those that carry no
 * SQLSTATE and are recognised by their message.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/errors/classify.js';
import { databaseUrl, uniqueName, withApplicationName } from './helpers/database.js';

describe('classify: pg errors without a SQLSTATE', () => {
  it('query_timeout passing ("Query read timeout") is transient', async () => {
    const client = new pg.Client({ connectionString: databaseUrl(), query_timeout: 100 });
    await client.connect();
    try {
      const error = await client.query('SELECT pg_sleep(1)').catch((e: unknown) => e);
      expect((error as Error).message).toBe('Query read timeout');
      expect(classify(error)).toBe('transient');
    } finally {
      await client.end().catch(() => undefined);
    }
  });

  it('a query on a connection the server terminated is transient', async () => {
    const name = uniqueName('classify-terminated');
    const client = new pg.Client({ connectionString: withApplicationName(databaseUrl(), name) });
    client.on('error', () => undefined);
    await client.connect();
    const admin = new pg.Client({ connectionString: databaseUrl() });
    await admin.connect();
    try {
      const ended = new Promise((resolve) => client.once('end', resolve));
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [name],
      );
      await ended;
      const error = await client.query('SELECT 1').catch((e: unknown) => e);
      expect((error as Error).message).toBe('Client has encountered a connection error and is not queryable');
      expect(classify(error)).toBe('transient');
    } finally {
      await admin.end();
      await client.end().catch(() => undefined);
    }
  });
});
