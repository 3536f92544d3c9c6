import { ConfigError } from '../errors/config-error.js';
import { redactUrl } from './redact.js';

/** What a Postgres connection URL names, read as the pg driver reads it. */
export interface PostgresUrlParts {
  /** `undefined` when the URL names none. */
  readonly user: string | undefined;
  /** The `?host=` parameter (a Unix socket directory) when given, else the URL's host; `undefined` when empty. */
  readonly host: string | undefined;
  /** The `?port=` parameter when given, else the URL's port; `undefined` when neither. */
  readonly port: number | undefined;
  /** `undefined` when the path is empty. */
  readonly database: string | undefined;
  /** Every query parameter (`sslmode`, `sslrootcert`, ...). */
  readonly params: URLSearchParams;
}

const SCHEMES = ['postgres:', 'postgresql:'];

/**
 * Parse a `postgres://` or `postgresql://` URL the way pg (pg-connection-string) does: the WHATWG
 * parser refuses a user with an empty host (`postgres://app@/orders?host=/run/postgresql`, a Unix
 * socket), which pg reads by parsing it again with a placeholder host; so does this. Query
 * parameters override the URL's host and port, as they do for pg.
 *
 * @throws TypeError (the URL parser's, whose `input` holds the whole URL: never pass it on) when
 *   the value does not parse either way.
 * @example
 * ```ts
 * postgresUrlParts('postgres://app@/orders?host=/run/postgresql').host; // '/run/postgresql'
 * ```
 */
export function postgresUrlParts(value: string): PostgresUrlParts {
  let url: URL;
  let placeholderHost = false;
  try {
    url = new URL(value);
  } catch (error) {
    if (!value.includes('@/')) throw error;
    url = new URL(value.replace('@/', '@placeholder.invalid/'));
    placeholderHost = true;
  }
  const params = url.searchParams;
  const host = params.get('host') || (placeholderHost ? '' : url.hostname) || undefined;
  const port = params.get('port') || url.port;
  return {
    user: decodeURIComponent(url.username) || undefined,
    host,
    port: port ? Number(port) : undefined,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    params,
  };
}

/**
 * Check a Postgres URL setting at `path`: a non-empty string with the `postgres:` or `postgresql:`
 * scheme that pg can read ({@link postgresUrlParts}), else a {@link ConfigError} with `hint`. The URL
 * is shown redacted and the parser's own error is not passed on.
 *
 * @returns `value`, unchanged.
 * @example
 * ```ts
 * checkPostgresUrlOption('--database-url', flags.databaseUrl, 'e.g. postgres://app@db:5432/orders');
 * ```
 */
export function checkPostgresUrlOption(path: string, value: unknown, hint: string): string {
  if (typeof value !== 'string') throw new ConfigError(path, `must be a URL, got ${typeof value}`, hint);
  if (value.trim() === '') throw new ConfigError(path, 'is empty', hint);
  try {
    postgresUrlParts(value);
  } catch {
    throw new ConfigError(path, `is not a valid URL: ${redactUrl(value)}`, hint);
  }
  // It parsed, so it starts with a scheme.
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(value)![0].toLowerCase();
  if (!SCHEMES.includes(scheme)) {
    throw new ConfigError(path, `must be a postgres:// or postgresql:// URL, not ${scheme}//`, hint);
  }
  return value;
}
