/**
 * Global setup of the integration tests (vitest.config.ts, project "integration").
 *
 * - Postgres: TEST_DATABASE_URL when set (on a machine with a running server:
 *   postgres://postgres@127.0.0.1:5432/test); otherwise an embedded Postgres (trust auth, like that
 *   server) is started for the run and stopped in teardown. Either way the URL is provided as `databaseUrl` and exported as
 *   TEST_DATABASE_URL to the test workers and the processes they start.
 * - Redis: REDIS_URL when set; otherwise redis://127.0.0.1:6379 when a server answers there, or else a
 *   `redis-server` from the PATH started for the run on a free port (stopped in teardown). The URL
 *   is provided as `redisUrl` and exported as REDIS_URL. When none answers, `redisProblem` says
 *   why and how to get one, and every Redis test fails with it (tests that need no Redis still run).
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from './helpers/embedded-postgres.js';
import { probeRedis, redisHelp } from './helpers/redis-probe.js';
import { startRedisServer, type TestRedisServer } from './helpers/redis-server.js';
import './helpers/context.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let embedded: EmbeddedPostgresServer | undefined;
  let databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) {
    // Trust auth, like the machine's own server: tests of bad credentials start their own server.
    embedded = await startEmbeddedPostgres({
      database: 'test',
      auth: 'trust',
      settings: { max_connections: '200' },
    });
    databaseUrl = embedded.url;
    process.env.TEST_DATABASE_URL = databaseUrl;
    console.log(
      `[global-setup] TEST_DATABASE_URL is unset: started an embedded Postgres on port ${embedded.port}`,
    );
  }
  project.provide('databaseUrl', databaseUrl);

  let redisServer: TestRedisServer | undefined;
  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let redisProblem = await probeRedis(redisUrl);
  if (redisProblem !== null && process.env.REDIS_URL === undefined) {
    redisServer = await startRedisServer();
    if (redisServer !== undefined) {
      redisUrl = redisServer.url;
      redisProblem = null;
      process.env.REDIS_URL = redisUrl;
      console.log(`[global-setup] no Redis on 6379: started redis-server on port ${redisServer.port}`);
    }
  }
  if (redisProblem !== null) console.warn(`[global-setup] ${redisHelp(redisUrl, redisProblem)}`);
  project.provide('redisUrl', redisUrl);
  project.provide('redisProblem', redisProblem);

  return async () => {
    await redisServer?.stop();
    await embedded?.stop();
  };
}
