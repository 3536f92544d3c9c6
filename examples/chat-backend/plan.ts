/**
 * The chat backend's startup plan, in the seven-phase shape:
 *
 * | phase        | components                                   |
 * |--------------|----------------------------------------------|
 * | init         | config (data directory, effective settings)  |
 * | dependencies | embedded-postgres (no DATABASE_URL), signing-key |
 * | database     | postgres (pool), migrations                  |
 * | cache        | redis (only with REDIS_URL; optional)        |
 * | services     | chat                                          |
 * | websocket    | broadcast                                     |
 * | finalize     | self-check                                    |
 *
 * In graceful mode the database components are degradable: without a database the service starts
 * (status `degraded`) at availability UNAVAILABLE, since every API call needs the database: `/readyz`
 * stays 503 and the API answers 503, until the database comes back and it recovers to FULL. Redis
 * is optional and degradable: without it the chat still works on this instance, only the fan-out to
 * other instances is missing. In graceful mode that is availability DEGRADED (which main.ts counts
 * as ready); deterministic mode skips an optional component that fails at startup (availability
 * stays FULL, no fan-out until a restart).
 */

import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import { pgConnectionFactory, describePostgresTarget } from '../../src/index.js';
import type { PostgresPool } from '../../src/index.js';
import { postgresComponent } from '../../src/index.js';
import { ConfigError, safeMessage } from '../../src/index.js';
import { createAdmission } from '../../src/index.js';
import type { FleetAdmission } from '../../src/index.js';
import type { Logger } from '../../src/index.js';
import type { ComponentSpec } from '../../src/index.js';
import type { Plan } from '../../src/index.js';
import { sevenPhasePlan } from '../../src/index.js';
import { PlannedAdmission } from './admission.js';
import { ChatService, checkRequiredTables, migrate } from './chat-service.js';
import { describeConfig, type ChatConfig } from './config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-db.js';
import { Emitter } from '../../src/index.js';
import type { MessageCache } from './cache.js';
import { cacheComponent } from './cache-component.js';
import { selfCheckHttp } from './self-check.js';
import type { Message } from './chat-service.js';
import { loadOrCreateSigningKey, type SigningKey } from './signing-key.js';
import { repeatedWarning } from './repeated-warning.js';
import { startBroadcast, type Broadcast } from './websocket.js';

/** What the plan's components share with each other and with `listen`. */
export interface ChatRuntime {
  databaseUrl: string | undefined;
  key: SigningKey | undefined;
  pool: PostgresPool | undefined;
  /**
   * Whether the pool's last health check failed. Until one passes again the API answers 503 at once
   * instead of making every request wait out the pool's acquire timeout (10 s) for a database that
   * `/readyz` already reports as gone.
   */
  poolUnhealthy: boolean;
  cache: MessageCache | undefined;
  chat: ChatService | undefined;
  broadcast: Broadcast | undefined;
  admission: FleetAdmission | undefined;
}

/** The plan and the state its components fill in. */
export interface ChatPlan {
  readonly plan: Plan;
  readonly runtime: ChatRuntime;
}

// The width rule lives in admission.ts; bench/storm/storm-config.ts imports it from here.
export { admissionWidth } from './admission.js';

/**
 * Build the plan from a validated configuration.
 *
 * @param server The server the service listens on (the broadcast and the self-check use it).
 */
export function buildChatPlan(config: ChatConfig, server: Server, logger: Logger): ChatPlan {
  const graceful = config.startupMode === 'graceful';
  // The database components: in graceful mode they may be down while the service runs, and then
  // nothing of the API works (every call needs the database).
  const UNAVAILABLE_WHILE_DOWN = graceful
    ? ({ degradable: true, degradesTo: 'UNAVAILABLE' } as const)
    : ({ degradable: false } as const);
  const runtime: ChatRuntime = {
    databaseUrl: config.databaseUrl,
    key: undefined,
    pool: undefined,
    poolUnhealthy: false,
    cache: undefined,
    chat: undefined,
    broadcast: undefined,
    admission: undefined,
  };
  /** Messages other instances published through Redis. */
  const remote = new Emitter<Message>();

  const configComponent: ComponentSpec<ChatConfig> = {
    name: 'config',
    start: async () => {
      const notWritable = (error: unknown): never => {
        throw new ConfigError(
          'DATA_DIR',
          `${config.dataDir} is not a writable directory (${safeMessage(error)})`,
          'point DATA_DIR at a writable directory',
          error,
        );
      };
      // A path that is a file, or under one (ENOTDIR, EEXIST), is a setting to fix, not a bug.
      await mkdir(config.dataDir, { recursive: true }).catch(notWritable);
      await access(config.dataDir, constants.W_OK).catch(notWritable);
      logger.info({ event: 'chat.config', config: describeConfig(config) }, 'configuration');
      return config;
    },
  };

  const embeddedComponent: ComponentSpec<EmbeddedDatabase> = {
    name: 'embedded-postgres',
    start: async ({ signal }) => {
      const embedded = await startEmbeddedPostgres({
        dataDir: config.dataDir,
        port: config.embeddedPgPort,
        logger,
        signal,
      });
      runtime.databaseUrl = embedded.url;
      return embedded;
    },
    stop: (db) => db.stop(),
  };

  const keyComponent: ComponentSpec<SigningKey> = {
    name: 'signing-key',
    start: async () => {
      const key = await loadOrCreateSigningKey(config.dataDir);
      logger.info(
        { event: 'chat.signing-key', file: key.file, generated: key.generated },
        'signing key ready',
      );
      runtime.key = key;
      return key;
    },
  };

  if (config.fleetAdmission !== 'redis' || config.redisUrl) {
    // K is what `phasegate plan` recommends for this configuration and the server's limits.
    runtime.admission = new PlannedAdmission({
      settings: config,
      backend: config.fleetAdmission,
      logger,
      create: (width) =>
        config.fleetAdmission === 'redis'
          ? createAdmission({ backend: 'redis', width, url: config.redisUrl!, namespace: 'chat-backend' })
          : config.fleetAdmission === 'postgres'
            ? createAdmission({ backend: 'postgres', width, namespace: 'chat-backend' })
            : createAdmission({ backend: 'local', width, maxStartDelayMs: 1_000 }),
    });
  }

  const connect = (signal: AbortSignal) =>
    pgConnectionFactory({ connectionString: runtime.databaseUrl!, application_name: config.instance })(
      signal,
    );
  const pool = postgresComponent({
    name: 'postgres',
    connectionFactory: connect,
    targetLabel: config.databaseUrl ? describePostgresTarget(config.databaseUrl) : 'embedded postgres',
    max: config.dbPoolMax,
    minReady: config.dbPoolMinReady,
    expectedInstances: config.fleetSize,
    ...(runtime.admission ? { admission: runtime.admission } : {}),
    ...(config.databaseUrl ? {} : { dependsOn: ['embedded-postgres'] }),
    ...UNAVAILABLE_WHILE_DOWN,
  });
  const poolComponent: ComponentSpec<PostgresPool> = {
    ...pool,
    start: async (ctx) => {
      const started = await pool.start(ctx);
      runtime.pool = started;
      runtime.poolUnhealthy = false;
      return started;
    },
    check: async (handle, ctx) => {
      try {
        await pool.check?.(handle, ctx);
        runtime.poolUnhealthy = false;
      } catch (error) {
        // Failed or timed out (the check's deadline aborts it): either way /readyz now says 503.
        runtime.poolUnhealthy = true;
        throw error;
      }
    },
    stop: async (handle, ctx) => {
      if (runtime.pool === handle) runtime.pool = undefined;
      await pool.stop?.(handle, ctx);
      // The pool has released its admission slot; close what the admission opened itself.
      await runtime.admission?.close();
    },
  };

  const migrations: ComponentSpec<true> = {
    name: 'migrations',
    dependsOn: ['postgres'],
    ...UNAVAILABLE_WHILE_DOWN,
    start: async () => {
      const db = runtime.pool!;
      await migrate(db);
      await checkRequiredTables(db);
      return true;
    },
  };

  const chatComponent: ComponentSpec<ChatService> = {
    name: 'chat',
    start: async () => {
      runtime.chat = new ChatService(() =>
        runtime.pool?.closed === false && !runtime.poolUnhealthy ? runtime.pool : undefined,
      );
      return runtime.chat;
    },
    stop: (chat) => chat.close(),
  };

  const broadcastComponent: ComponentSpec<Broadcast> = {
    name: 'broadcast',
    dependsOn: ['chat'],
    start: async () => {
      runtime.broadcast = startBroadcast(
        server,
        runtime.chat!,
        { remote: remote.event, publish: (message) => runtime.cache?.publish(message) },
        {
          onSlowClient: (bufferedBytes) =>
            logger.warn(
              { event: 'chat.ws-slow-client', bufferedBytes },
              'cut off a WebSocket client that stopped reading',
            ),
          // One line per 10 s while the database is down, not one per message heard of meanwhile.
          onReadError: repeatedWarning(logger, {
            event: 'chat.ws-catch-up-failed',
            message:
              'could not read the messages to send to WebSocket clients; they go out once the database answers',
          }),
        },
      );
      return runtime.broadcast;
    },
    stop: (broadcast) => broadcast.close(),
  };

  const selfCheck: ComponentSpec<true> = {
    name: 'self-check',
    dependsOn: ['migrations', 'broadcast', 'signing-key'],
    ...UNAVAILABLE_WHILE_DOWN,
    start: async ({ signal }) => {
      await selfCheckHttp(server, signal);
      await runtime.chat!.list(Number.MAX_SAFE_INTEGER, 1);
      const key = runtime.key!;
      if (key.sign('self-check') !== key.sign('self-check'))
        throw new Error('self-check: signing is not stable');
      return true;
    },
  };

  const plan = sevenPhasePlan(
    {
      init: [configComponent],
      dependencies: config.databaseUrl ? [keyComponent] : [embeddedComponent, keyComponent],
      database: [poolComponent, migrations],
      ...(config.redisUrl ? { cache: [cacheComponent(config, runtime, remote, logger)] } : {}),
      services: [chatComponent],
      websocket: [broadcastComponent],
      finalize: [selfCheck],
    },
    // The database gets most of the budget; time other phases leave unused flows forward.
    {
      budgets: {
        init: { share: 0.5 },
        dependencies: { share: 2 },
        database: { share: 6 },
        finalize: { share: 0.5 },
      },
    },
  );

  return { plan, runtime };
}
