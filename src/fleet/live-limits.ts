import type pg from 'pg';
import { lazyModule } from '../common/lazy-module.js';

const pgDriver = lazyModule<typeof pg>('pg');

/** Connection limits read from a running Postgres server. */
export interface LiveLimits {
  /** `max_connections`. */
  readonly maxConnections: number;
  /** `superuser_reserved_connections`. */
  readonly superuserReserved: number;
  /** `reserved_connections` (Postgres 16+; 0 on older servers). */
  readonly reservedConnections: number;
  /**
   * Client backends connected right now, not counting the one reading these limits. When the service
   * itself is running, its own connections are included: read the limits while it is down, or
   * override the count.
   */
  readonly otherClients: number;
  /** `server_version`, e.g. `15.20`. */
  readonly serverVersion: string;
}

/** Options of {@link readLiveLimits}. */
export interface ReadLiveLimitsOptions {
  /** Give up connecting after this long. @default 10000 */
  readonly connectTimeoutMs?: number;
}

const LIMITS_SQL = `
SELECT current_setting('max_connections')::int AS max_connections,
       current_setting('superuser_reserved_connections')::int AS superuser_reserved,
       coalesce(current_setting('reserved_connections', true), '0')::int AS reserved_connections,
       (SELECT count(*) FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())::int AS other_clients,
       current_setting('server_version') AS server_version`;

interface LimitsRow {
  max_connections: number;
  superuser_reserved: number;
  reserved_connections: number;
  other_clients: number;
  server_version: string;
}

/**
 * Read `max_connections`, the reserved slots and the number of other connected clients from a live
 * server, for `phasegate plan --database-url`. Opens one connection and closes it again. Errors are
 * the driver's own (classify them with `classify()`); none of them contains the password.
 *
 * @example
 * ```ts
 * const live = await readLiveLimits(process.env.DATABASE_URL!);
 * planConnectionBudget({
 *   instances: 4,
 *   pool: { max: 10 },
 *   maxConnections: live.maxConnections,
 *   superuserReserved: live.superuserReserved + live.reservedConnections,
 *   otherClients: live.otherClients,
 * });
 * ```
 */
export async function readLiveLimits(
  databaseUrl: string,
  options: ReadLiveLimitsOptions = {},
): Promise<LiveLimits> {
  const timeout = options.connectTimeoutMs ?? 10_000;
  const client = new (pgDriver().Client)({
    connectionString: databaseUrl,
    connectionTimeoutMillis: timeout,
    statement_timeout: timeout,
    application_name: 'phasegate-plan',
  });
  // An error event after the query (e.g. the server going away) must not crash the caller.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<LimitsRow>(LIMITS_SQL);
    const row = rows[0]!;
    return {
      maxConnections: row.max_connections,
      superuserReserved: row.superuser_reserved,
      reservedConnections: row.reserved_connections,
      otherClients: row.other_clients,
      serverVersion: row.server_version,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
