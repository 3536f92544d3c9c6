/**
 * The Postgres admission's own options and request, checked before any lease is asked for.
 */
import type pg from 'pg';
import { checkPostgresUrlOption } from '../common/postgres-url.js';
import { ConfigError } from '../errors/config-error.js';
import type { SqlSession } from './postgres-admission.js';

const CONNECTION_HINT =
  'give a postgres://user:password@host:5432/database URL or a pg client config, or leave it unset to use the first connection';

/**
 * The dedicated `connection` option, checked before any lease is asked for: an empty string would
 * make pg fall back to PGHOST/PGUSER (locks taken on another server than the fleet's), and anything
 * but a URL or a config object would fail only at the first acquire.
 */
export function checkConnection(connection: unknown): string | pg.ClientConfig | undefined {
  if (connection === undefined) return undefined;
  if (typeof connection === 'string') {
    checkPostgresUrlOption('admission.connection', connection, CONNECTION_HINT);
    return connection;
  }
  if (typeof connection !== 'object' || connection === null || Array.isArray(connection)) {
    const got = connection === null ? 'null' : Array.isArray(connection) ? 'an array' : typeof connection;
    throw new ConfigError(
      'admission.connection',
      `must be a postgres:// URL or a pg client config, got ${got}`,
      CONNECTION_HINT,
    );
  }
  const { connectionString } = connection as { connectionString?: unknown };
  if (connectionString !== undefined) {
    checkPostgresUrlOption('admission.connection.connectionString', connectionString, CONNECTION_HINT);
  }
  return connection as pg.ClientConfig;
}

/** `releaseTimeoutMs`: a finite number > 0, and only with a dedicated `connection` (else it does nothing). */
export function checkReleaseTimeout(value: unknown, connection: unknown): number {
  if (value === undefined) return 10_000;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new ConfigError(
      'admission.releaseTimeoutMs',
      `must be a finite number of ms > 0, got ${String(value)}`,
      'e.g. 10000',
    );
  }
  if (connection === undefined) {
    throw new ConfigError(
      'admission.releaseTimeoutMs',
      'applies only to a dedicated `connection`; without one the unlock runs on `firstConnection`, whose owner bounds it',
      'give `connection` too, or leave releaseTimeoutMs unset',
    );
  }
  return value;
}

/** `request.firstConnection` as a session to take the lock on: anything with a `query` method. */
export function sessionOf(firstConnection: unknown): SqlSession {
  if (
    typeof firstConnection !== 'object' ||
    firstConnection === null ||
    typeof (firstConnection as { query?: unknown }).query !== 'function'
  ) {
    throw new ConfigError(
      'admission.firstConnection',
      'is not a pg client (it has no query method)',
      "pass the instance's first connection, or give the Postgres admission a dedicated `connection`",
    );
  }
  return firstConnection as SqlSession;
}
