/**
 * The storm's database: a throwaway embedded Postgres (the integration tests' starter: its own data
 * directory under the OS temp dir, a free port on 127.0.0.1, SCRAM password authentication, the data
 * deleted on stop) with a low `max_connections`, and an ordinary login role for the fleet, so that
 * the reserved slots and the fair share apply to it as they do to the simulator's fleet.
 */

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  startEmbeddedPostgres,
  type EmbeddedPostgresServer,
} from '../../test/integration/helpers/embedded-postgres.js';

/** Options of {@link startStormDatabase}. */
export interface StormDatabaseOptions {
  /** `max_connections`. */
  readonly maxConnections: number;
  /** `superuser_reserved_connections`. */
  readonly reserved: number;
}

/** A running storm database. */
export interface StormDatabase {
  readonly server: EmbeddedPostgresServer;
  /** The superuser's URL (for the sampler and set-up; not through the proxy). */
  readonly adminUrl: string;
  /** The fleet role's URL (a non-superuser with a schema of its own). */
  readonly appUrl: string;
  /** Stop the server and delete its data. Idempotent. */
  stop(): Promise<void>;
}

/** The fleet's role; its schema has the same name, so the example's tables land there. */
export const FLEET_ROLE = 'storm_fleet';

/** Run `fn` on a fresh client of `url`, then close it. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'storm-admin' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Start the database (a few seconds: initdb, then start) and create the fleet's role and schema.
 *
 * @example
 * ```ts
 * const db = await startStormDatabase({ maxConnections: 40, reserved: 3 });
 * try { ... } finally { await db.stop(); }
 * ```
 */
export async function startStormDatabase(options: StormDatabaseOptions): Promise<StormDatabase> {
  const server = await startEmbeddedPostgres({
    database: 'storm',
    auth: 'password',
    settings: {
      max_connections: String(options.maxConnections),
      superuser_reserved_connections: String(options.reserved),
      // Counting connections is the sampler's job; logging each one would only add work.
      log_connections: 'off',
    },
  });
  try {
    const password = randomBytes(12).toString('hex');
    await withClient(server.url, async (client) => {
      const role = client.escapeIdentifier(FLEET_ROLE);
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD ${client.escapeLiteral(password)}`);
      await client.query(`CREATE SCHEMA ${role} AUTHORIZATION ${role}`);
    });
    return {
      server,
      adminUrl: server.url,
      appUrl: server.urlWith({ user: FLEET_ROLE, password }),
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
