/**
 * Global setup of the integration tests (vitest.config.ts, project "integration").
 *
 * - Postgres: TEST_DATABASE_URL when set (on a machine with a running server:
 *   postgres://postgres@127.0.0.1:5432/test); otherwise an embedded Postgres (trust auth, like that
 *   server) is started for the run and stopped in teardown. Either way the URL is provided as `databaseUrl` and exported as
 *   TEST_DATABASE_URL to the test workers and the processes they start.
 * - Redis: REDIS_URL or redis://127.0.0.1:6379, provided as `redisUrl`. It is pinged once; when no
 *   Redis answers, `redisProblem` says why and how to start one, and every Redis test fails with it
 *   (tests that need no Redis still run).
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from './helpers/embedded-postgres.js';
import { probeRedis, redisHelp } from './helpers/redis-probe.js';
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

  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisProblem = await probeRedis(redisUrl);
  if (redisProblem !== null) console.warn(`[global-setup] ${redisHelp(redisUrl, redisProblem)}`);
  project.provide('redisUrl', redisUrl);
  project.provide('redisProblem', redisProblem);

  return async () => {
    await embedded?.stop();
  };
}
