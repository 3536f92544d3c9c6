/**
 * The small surface the Postgres pool needs from one connection, so the same pool, warm-up and
 * capacity logic runs on a real `pg.Client` in production and on a simulated database (virtual
 * time) in the simulator and the unit tests.
 */

import type pg from 'pg';
import { abortReason } from '../../common/abort-reason.js';
import { lazyModule } from '../../common/lazy-module.js';
import { postgresUrlParts } from '../../common/postgres-url.js';

const pgDriver = lazyModule<typeof pg>('pg');

/** Rows of a query, as `pg` returns them. */
export interface PgQueryResult {
  /** The rows, one object per row keyed by column name. */
  readonly rows: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

/**
 * One open connection. A `pg.Client` wrapped by {@link pgConnectionFactory} is one; so is the
 * simulator's connection.
 */
export interface PgConnection {
  /** Run one statement. Rejects with the server's error (it carries the SQLSTATE as `code`). */
  query(text: string, values?: readonly unknown[]): Promise<PgQueryResult>;
  /** Close the connection. Safe to call more than once. */
  end(): Promise<void>;
  /**
   * Listen for the connection dying while idle (server restart, network cut). Optional: a
   * connection without it is found broken on its next query instead.
   */
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Opens one connection. Must honour `signal`: when it aborts, stop connecting, close whatever was
 * opened, and reject with `signal.reason`.
 */
export type ConnectionFactory = (signal: AbortSignal) => Promise<PgConnection>;

/**
 * Close `connection`, and never throw or reject however its `end()` behaves: a connection from a
 * user's {@link ConnectionFactory} may throw synchronously, reject, or return no promise at all.
 * Callers close connections on paths (dropping a broken one, `end()` of the pool, an open cut
 * short) where a throw would leave the pool's own bookkeeping half done.
 *
 * @internal
 */
export function endQuietly(connection: PgConnection): Promise<void> {
  try {
    return Promise.resolve(connection.end()).catch(ignore);
  } catch {
    return Promise.resolve();
  }
}

function ignore(): void {}

/** Connection settings: a connection string, or a `pg` client configuration. */
export type PostgresConnectionConfig = string | pg.ClientConfig;

/** A `pg.Client` seen as a {@link PgConnection}. `client` is there for code that needs the driver. */
export class PgClientConnection implements PgConnection {
  /** Wraps a client that is already connected ({@link pgConnectionFactory} connects it first). */
  constructor(
    /** The underlying driver client. */
    readonly client: pg.Client,
  ) {}

  /** Run one statement through the client; rejects with the driver's error (SQLSTATE in `code`). */
  async query(text: string, values?: readonly unknown[]): Promise<PgQueryResult> {
    return this.client.query(text, values ? [...values] : undefined);
  }

  /**
   * Close the client: Terminate is sent, and the socket dropped once it is written. Never rejects,
   * and safe to call more than once.
   */
  end(): Promise<void> {
    return endClient(this.client);
  }

  /** Listen for the client's `error` event (the connection died while idle). */
  on(event: 'error', listener: (error: Error) => void): this {
    this.client.on(event, listener);
    return this;
  }
}

/** The socket under a `pg.Client` (not in pg's types). */
type ClientInternals = {
  connection?: { stream?: { destroy?: () => void; once?: (event: string, fn: () => void) => unknown } };
};

/** Close a client at once, even one still connecting (whose `end()` would wait for the socket). */
function destroyClient(client: pg.Client): void {
  client.end().catch(() => undefined);
  (client as unknown as ClientInternals).connection?.stream?.destroy?.();
}

/**
 * Close a connected client: `end()` sends Terminate, and the socket is dropped as soon as that is
 * written, rather than waiting for the server to close its side: on a network path that went dark
 * (no reply, no reset, as after a failover moved the address) that never happens, and `end()` alone
 * stayed pending until TCP gave up, minutes later. Never rejects.
 *
 * @internal Also closes the Postgres admission's dedicated connection.
 */
export function endClient(client: pg.Client): Promise<void> {
  const ending = client.end().catch(() => undefined);
  const stream = (client as unknown as ClientInternals).connection?.stream;
  stream?.once?.('finish', () => stream.destroy?.());
  return ending;
}

/** Normalise {@link PostgresConnectionConfig} into a `pg` client configuration. */
export function toClientConfig(config: PostgresConnectionConfig): pg.ClientConfig {
  return typeof config === 'string' ? { connectionString: config } : { ...config };
}

/**
 * The default {@link ConnectionFactory}: a new `pg.Client` per connection. An `error` listener is
 * attached before connecting, so a socket that dies never crashes the process. Aborting destroys
 * the socket at once and rejects with the abort reason.
 *
 * @example
 * ```ts
 * const factory = pgConnectionFactory({ connectionString: process.env.DATABASE_URL, application_name: 'api' });
 * const connection = await factory(AbortSignal.timeout(5000));
 * ```
 */
export function pgConnectionFactory(config: PostgresConnectionConfig): ConnectionFactory {
  const clientConfig = toClientConfig(config);
  return (signal) => {
    if (signal.aborted) return Promise.reject(abortReason(signal));
    const client = new (pgDriver().Client)(clientConfig);
    client.on('error', () => undefined);
    return new Promise<PgConnection>((resolve, reject) => {
      const onAbort = (): void => {
        destroyClient(client);
        reject(abortReason(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      client.connect().then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve(new PgClientConnection(client));
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          destroyClient(client);
          reject(error);
        },
      );
    });
  };
}

/**
 * A redacted description of where the settings point: `user@host:port/database`. Never contains
 * the password.
 */
export function describePostgresTarget(config: PostgresConnectionConfig): string {
  const clientConfig = toClientConfig(config);
  let { user, host, port, database } = clientConfig;
  if (clientConfig.connectionString) {
    try {
      const parts = postgresUrlParts(clientConfig.connectionString);
      user ??= parts.user;
      host ??= parts.host;
      port ??= parts.port;
      database ??= parts.database;
    } catch {
      return '(unparseable connection string)';
    }
  }
  const where = `${host ?? 'localhost'}:${port ?? 5432}/${database ?? user ?? 'postgres'}`;
  return user ? `${user}@${where}` : where;
}
