/**
 * How many connections one instance should hold: the smaller of the configured max and its fair
 * share of the server, read live through one of its own connections.
 */

import { ConfigError } from '../../errors/config-error.js';
import { untilAborted } from '../abort.js';
import type { PgConnection } from './connection.js';

/** Connection limits and current usage, read from the server. */
export interface ServerLimits {
  /** `max_connections`. */
  readonly maxConnections: number;
  /** `superuser_reserved_connections`. */
  readonly superuserReserved: number;
  /** `reserved_connections` (Postgres 16+; 0 before). */
  readonly reservedConnections: number;
  /** Client connections to the whole server, this instance's included. */
  readonly totalConnections: number;
  /** The role's `rolconnlimit`; -1 when unlimited. */
  readonly roleConnectionLimit: number;
  /** Client connections of the current role, across databases. */
  readonly roleConnections: number;
  /** The database's `datconnlimit`; -1 when unlimited. */
  readonly databaseConnectionLimit: number;
  /** Client connections to the current database, across roles. */
  readonly databaseConnections: number;
  /** Whether the role is a superuser (role and database limits do not apply to it). */
  readonly superuser: boolean;
}

/**
 * The `pg_stat_activity` rows that are client sessions, as any role can tell: `backend_type` is
 * `client backend`, or it is hidden (NULL) and the session has a role and a database. An ordinary
 * role (without `pg_read_all_stats`) sees other roles' sessions with most columns hidden,
 * `backend_type` among them, but their role and database shown; background processes have no
 * database. Counting only `client backend` rows, a service logged in as its own role saw none of the
 * other roles' connections and planned a fair share larger than the server has room for. A parallel
 * worker or a logical walsender of another role counts too: a little too many, never too few.
 *
 * @internal Shared with `readLiveLimits` (`phasegate plan --database-url`).
 */
export const CLIENT_SESSION_CONDITION = `(backend_type = 'client backend'
      OR (backend_type IS NULL AND usesysid IS NOT NULL AND datid IS NOT NULL))`;

/**
 * The usage query. Its column names are the contract with fake and simulated connections: a fake
 * answers any query that reads `pg_stat_activity` with one row carrying these names. Sessions
 * count as {@link CLIENT_SESSION_CONDITION} says.
 */
export const SERVER_USAGE_QUERY = `WITH clients AS (
  SELECT usesysid, datid FROM pg_stat_activity WHERE ${CLIENT_SESSION_CONDITION}
)
SELECT
  coalesce(current_setting('reserved_connections', true), '0')::int AS reserved_connections,
  (SELECT count(*)::int FROM clients) AS total_connections,
  (SELECT count(*)::int FROM clients
     WHERE usesysid = (SELECT oid FROM pg_roles WHERE rolname = current_user)) AS role_connections,
  (SELECT count(*)::int FROM clients
     WHERE datid = (SELECT oid FROM pg_database WHERE datname = current_database())) AS database_connections,
  (SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user) AS role_connection_limit,
  (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
  (SELECT datconnlimit FROM pg_database WHERE datname = current_database()) AS database_connection_limit`;

function integer(value: unknown, fallback: number): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(number) ? Math.trunc(number) : fallback;
}

async function show(connection: PgConnection, setting: string, signal?: AbortSignal): Promise<number> {
  const { rows } = await untilAborted(connection.query(`SHOW ${setting}`), signal);
  const value = integer(rows[0]?.[setting], NaN);
  if (Number.isNaN(value)) {
    // A Postgres server always answers with a number: the connection leads somewhere else.
    throw new ConfigError(
      'readServerLimits connection',
      `SHOW ${setting} returned no number`,
      'connect to a Postgres server (a proxy or a Postgres-compatible database may not answer SHOW), ' +
        'or turn live limits off (postgresComponent: readLiveLimits: false)',
    );
  }
  return value;
}

/**
 * Read the limits with three round trips: `SHOW max_connections`, `SHOW
 * superuser_reserved_connections`, and {@link SERVER_USAGE_QUERY} (counts from `pg_stat_activity`,
 * the role's and the database's connection limits). A column the server does not return counts as
 * "no limit" / 0.
 *
 * @param signal Abandons the wait (rejects with its reason); the query itself runs to its end.
 * @throws ConfigError (`PG_ERR_CONFIG`, exit 78) when `SHOW max_connections` or `SHOW
 *   superuser_reserved_connections` answers without a number: the connection does not lead to a
 *   Postgres server. Query errors are the driver's own (classify them with `classify()`).
 *
 * @example
 * ```ts
 * const connection = await pgConnectionFactory(process.env.DATABASE_URL!)(AbortSignal.timeout(10_000));
 * try {
 *   const limits = await readServerLimits(connection);
 *   const reserved = limits.superuserReserved + limits.reservedConnections;
 *   console.log(fairShare({ maxConnections: limits.maxConnections, reserved, headroom: 0, instances: 4 }));
 * } finally {
 *   await connection.end();
 * }
 * ```
 */
export async function readServerLimits(
  connection: PgConnection,
  signal?: AbortSignal,
): Promise<ServerLimits> {
  const maxConnections = await show(connection, 'max_connections', signal);
  const superuserReserved = await show(connection, 'superuser_reserved_connections', signal);
  const { rows } = await untilAborted(connection.query(SERVER_USAGE_QUERY), signal);
  const row = rows[0] ?? {};
  return {
    maxConnections,
    superuserReserved,
    reservedConnections: integer(row.reserved_connections, 0),
    totalConnections: integer(row.total_connections, 0),
    roleConnectionLimit: integer(row.role_connection_limit, -1),
    roleConnections: integer(row.role_connections, 0),
    databaseConnectionLimit: integer(row.database_connection_limit, -1),
    databaseConnections: integer(row.database_connections, 0),
    superuser: row.superuser === true || row.superuser === 't',
  };
}

/**
 * One instance's fair share of the server: `floor((max_connections - reserved - headroom) /
 * instances)`, never negative.
 *
 * @example
 * ```ts
 * fairShare({ maxConnections: 100, reserved: 3, headroom: 0, instances: 2 }); // 48
 * ```
 */
export function fairShare(input: {
  readonly maxConnections: number;
  readonly reserved: number;
  readonly headroom: number;
  readonly instances: number;
}): number {
  const usable = input.maxConnections - input.reserved - input.headroom;
  return Math.max(0, Math.floor(usable / Math.max(1, input.instances)));
}

/** What limited a pool's target. */
export type TargetLimit =
  | 'max'
  | 'server-share'
  | 'server-free'
  | 'role-share'
  | 'role-free'
  | 'database-share'
  | 'database-free'
  | 'min-ready';

/** The inputs of {@link decidePoolTarget}. */
export interface PoolTargetInput {
  /** The configured pool max. */
  readonly max: number;
  /** Connections needed before ready; the target never goes below it. */
  readonly minReady: number;
  /** Instances expected to share the server (this one included). */
  readonly expectedInstances: number;
  /** Connections left free for everyone else (admin, migrations). */
  readonly headroom: number;
  /** Connections this instance holds now (they are counted in the live figures). */
  readonly ownOpen: number;
  /** Live figures; without them the target is the configured max. */
  readonly limits?: ServerLimits | undefined;
}

/** The target and why. */
export interface PoolTargetDecision {
  /** Connections the pool aims for, between `minReady` and `max`. */
  readonly target: number;
  /** The instance's fair share of the server, or `null` without live limits. */
  readonly fairShare: number | null;
  /** Which cap decided the target. */
  readonly limitedBy: TargetLimit;
}

/**
 * The pool's target: the smallest of the configured max, the instance's fair share of the server
 * (and of the role's and the database's connection limit, when set and the role is no superuser),
 * and what is free right now on each of them plus what this instance already holds. Never below
 * `minReady`, never above `max`.
 */
export function decidePoolTarget(input: PoolTargetInput): PoolTargetDecision {
  const caps: Array<readonly [number, TargetLimit]> = [[input.max, 'max']];
  const instances = Math.max(1, input.expectedInstances);
  const live = input.limits;
  let share: number | null = null;
  if (live) {
    const reserved = live.superuserReserved + live.reservedConnections;
    share = fairShare({ maxConnections: live.maxConnections, reserved, headroom: input.headroom, instances });
    const usable = live.maxConnections - reserved - input.headroom;
    caps.push([share, 'server-share'], [input.ownOpen + usable - live.totalConnections, 'server-free']);
    if (!live.superuser && live.roleConnectionLimit >= 0) {
      const limit = live.roleConnectionLimit;
      caps.push([Math.floor(limit / instances), 'role-share']);
      caps.push([input.ownOpen + limit - live.roleConnections, 'role-free']);
    }
    if (!live.superuser && live.databaseConnectionLimit >= 0) {
      const limit = live.databaseConnectionLimit;
      caps.push([Math.floor(limit / instances), 'database-share']);
      caps.push([input.ownOpen + limit - live.databaseConnections, 'database-free']);
    }
  }
  let [target, limitedBy] = caps.reduce((a, b) => (b[0] < a[0] ? b : a));
  if (target < input.minReady) [target, limitedBy] = [input.minReady, 'min-ready'];
  return { target: Math.min(input.max, target), fairShare: share, limitedBy };
}
