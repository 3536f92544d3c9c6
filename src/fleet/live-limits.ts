import type pg from 'pg';
import { MAX_TIMER_MS } from '../common/clock.js';
import { lazyModule } from '../common/lazy-module.js';
import { CLIENT_SESSION_CONDITION } from '../components/postgres/limits.js';
import { ConfigError } from '../errors/config-error.js';
import type { ConnectionBudgetInput } from './connection-budget-options.js';

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
  /**
   * The `CONNECTION LIMIT` of the role the URL logs in as (`rolconnlimit`); `null` when it has none,
   * or when it is a superuser (exempt).
   */
  readonly roleConnectionLimit: number | null;
  /** Client backends of that role connected right now, not counting the one reading these limits. */
  readonly roleOtherClients: number;
  /** The `CONNECTION LIMIT` of the URL's database (`datconnlimit`); `null` as for the role's. */
  readonly databaseConnectionLimit: number | null;
  /** Client backends connected to that database right now, not counting this one. */
  readonly databaseOtherClients: number;
  /** `server_version`, e.g. `15.20`. */
  readonly serverVersion: string;
}

/** Options of {@link readLiveLimits}. */
export interface ReadLiveLimitsOptions {
  /**
   * Give up connecting after this long, in ms, and bound the query that reads the limits by the same
   * (a finite number > 0, at most 2^31 - 1: the driver reads 0 as no bound at all). @default 10000
   */
  readonly connectTimeoutMs?: number;
}

// Postgres checks a role's limit against the session's login role (session_user), and exempts
// superusers from both the role's and the database's limit; -1 means no limit. Other sessions count
// as the Postgres component counts them (CLIENT_SESSION_CONDITION: also those whose type an
// ordinary role cannot see).
const LIMITS_SQL = `
WITH others AS (
  SELECT usesysid, datid FROM pg_stat_activity
   WHERE pid <> pg_backend_pid() AND ${CLIENT_SESSION_CONDITION}
)
SELECT current_setting('max_connections')::int AS max_connections,
       current_setting('superuser_reserved_connections')::int AS superuser_reserved,
       coalesce(current_setting('reserved_connections', true), '0')::int AS reserved_connections,
       (SELECT count(*) FROM others)::int AS other_clients,
       CASE WHEN r.rolsuper OR r.rolconnlimit < 0 THEN NULL ELSE r.rolconnlimit END AS role_limit,
       (SELECT count(*) FROM others WHERE usesysid = r.oid)::int AS role_clients,
       CASE WHEN r.rolsuper OR d.datconnlimit < 0 THEN NULL ELSE d.datconnlimit END AS database_limit,
       (SELECT count(*) FROM others WHERE datid = d.oid)::int AS database_clients,
       current_setting('server_version') AS server_version
  FROM pg_roles r, pg_database d
 WHERE r.rolname = session_user AND d.datname = current_database()`;

interface LimitsRow {
  max_connections: number;
  superuser_reserved: number;
  reserved_connections: number;
  other_clients: number;
  role_limit: number | null;
  role_clients: number;
  database_limit: number | null;
  database_clients: number;
  server_version: string;
}

/**
 * Read `max_connections`, the reserved slots, the number of other connected clients and the
 * `CONNECTION LIMIT`s of the URL's role and database from a live server, for `phasegate plan
 * --database-url` (give it the service's own credentials: the role's limit is the login role's). Opens one connection and closes it again. Errors are
 * the driver's own (classify them with `classify()`); none of them contains the password. A bad
 * `connectTimeoutMs` rejects with a `ConfigError` before any connection is opened.
 *
 * @example
 * ```ts
 * const live = await readLiveLimits(process.env.DATABASE_URL!);
 * planConnectionBudget({ instances: 4, pool: { max: 10 }, ...liveBudgetInput(live) });
 * ```
 */
export async function readLiveLimits(
  databaseUrl: string,
  options: ReadLiveLimitsOptions = {},
): Promise<LiveLimits> {
  const timeout = options.connectTimeoutMs ?? 10_000;
  if (typeof timeout !== 'number' || !(timeout > 0) || timeout > MAX_TIMER_MS) {
    throw new ConfigError(
      'connectTimeoutMs',
      `must be a number of ms > 0 and at most ${MAX_TIMER_MS}, got ${String(timeout)}`,
      'e.g. 10000, or leave it out',
    );
  }
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
      roleConnectionLimit: row.role_limit,
      roleOtherClients: row.role_clients,
      databaseConnectionLimit: row.database_limit,
      databaseOtherClients: row.database_clients,
      serverVersion: row.server_version,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The budget inputs a live server gives: `maxConnections`, `superuserReserved` (both reserved
 * settings), `otherClients`, and the role's and database's `CONNECTION LIMIT` with the connections
 * others hold under each, when there is one.
 *
 * @example
 * ```ts
 * planConnectionBudget({ instances: 4, pool: { max: 10 }, ...liveBudgetInput(await readLiveLimits(url)) });
 * ```
 */
export function liveBudgetInput(
  live: LiveLimits,
): Pick<
  ConnectionBudgetInput,
  'maxConnections' | 'superuserReserved' | 'otherClients' | 'roleLimit' | 'databaseLimit'
> {
  return {
    maxConnections: live.maxConnections,
    superuserReserved: live.superuserReserved + live.reservedConnections,
    otherClients: live.otherClients,
    ...(live.roleConnectionLimit === null
      ? {}
      : { roleLimit: { limit: live.roleConnectionLimit, otherClients: live.roleOtherClients } }),
    ...(live.databaseConnectionLimit === null
      ? {}
      : { databaseLimit: { limit: live.databaseConnectionLimit, otherClients: live.databaseOtherClients } }),
  };
}
