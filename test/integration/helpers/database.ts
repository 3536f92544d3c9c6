import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import './context.js';

/**
 * The Postgres URL of this test run: TEST_DATABASE_URL when set, otherwise the embedded server
 * that global-setup started. Trust or password auth depending on the server; tests of a wrong
 * password use {@link startEmbeddedPostgres} instead.
 */
export function databaseUrl(): string {
  return inject('databaseUrl');
}

/** A name unique to this test process and call, e.g. for `application_name` or a temporary role. */
export function uniqueName(prefix = 'phasegate-test'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** `url` with `application_name` set, so the test's connections can be found in pg_stat_activity. */
export function withApplicationName(url: string, applicationName: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', applicationName);
  return parsed.toString();
}

/** `url` pointing at another user (and password), same server and database. */
export function withCredentials(url: string, user: string, password?: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = password === undefined ? '' : encodeURIComponent(password);
  return parsed.toString();
}

/** Run `fn` with a fresh admin client on `url` (default: the run's database), then close it. */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>, url = databaseUrl()): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'phasegate-test-admin' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Connections the server holds for `applicationName` right now (the caller's own excluded). */
export function countConnections(applicationName: string, url = databaseUrl()): Promise<number> {
  return withAdmin(async (client) => {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
      [applicationName],
    );
    return rows[0]!.n;
  }, url);
}

/**
 * Create a login role for a test (with `CONNECTION LIMIT`, when given) and return its URL and a
 * `drop()` that terminates its sessions and drops it.
 */
export async function createTemporaryRole(options: {
  readonly connectionLimit?: number;
  readonly url?: string;
}): Promise<{ name: string; password: string; url: string; drop(): Promise<void> }> {
  const url = options.url ?? databaseUrl();
  const name = uniqueName('phasegate_role');
  const password = randomBytes(9).toString('hex');
  await withAdmin(async (client) => {
    const limit = options.connectionLimit ?? -1;
    await client.query(
      `CREATE ROLE ${client.escapeIdentifier(name)} LOGIN PASSWORD ${client.escapeLiteral(password)} CONNECTION LIMIT ${limit}`,
    );
  }, url);
  return {
    name,
    password,
    url: withCredentials(url, name, password),
    drop: () =>
      withAdmin(async (client) => {
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [
          name,
        ]);
        await client.query(`DROP ROLE IF EXISTS ${client.escapeIdentifier(name)}`);
      }, url),
  };
}
