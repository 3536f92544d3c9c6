/**
 * Issue 3, the storm: 8 instances of the chat-backend example start at once against one real
 * Postgres whose role allows fewer connections (30) than 8 × DB_POOL_MAX (64). All must become
 * ready, none may exit, and the role's connections, sampled from pg_stat_activity through the whole
 * run, must never exceed the limit.
 */

import { afterAll, describe, expect, it } from 'vitest';
import { withAdmin } from './helpers/database.js';
import {
  noConnectionsOf,
  roleWithSchema,
  startChat,
  stopAllChats,
  type ChatInstance,
} from './service-harness.js';

const INSTANCES = 8;
const ROLE_LIMIT = 30;
const POOL_MAX = 8;

/** Samples the role's connections every `intervalMs` until stopped. */
function sampleRole(role: string, intervalMs = 100): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = withAdmin(async (client) => {
    while (running) {
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1',
        [role],
      );
      samples.push(rows[0]!.n);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  });
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

describe('storm: 8 instances against a role limited to fewer connections than they would ask for', () => {
  afterAll(stopAllChats);

  it('all 8 become ready, none exits, and the role never exceeds its connection limit', async () => {
    expect(INSTANCES * POOL_MAX).toBeGreaterThan(ROLE_LIMIT);
    const role = await roleWithSchema(ROLE_LIMIT);
    const sampler = sampleRole(role.name);
    let samples: number[] = [];
    try {
      const env = {
        DATABASE_URL: role.url,
        STARTUP_MODE: 'deterministic',
        STARTUP_BUDGET_MS: '120000',
        DB_POOL_MAX: String(POOL_MAX),
        DB_POOL_MIN_READY: '2',
        FLEET_SIZE: String(INSTANCES),
        FLEET_ADMISSION: 'postgres',
        LOG_LEVEL: 'info',
      };
      const instances: ChatInstance[] = await Promise.all(
        Array.from({ length: INSTANCES }, () => startChat(env)),
      );

      await Promise.all(instances.map((chat) => chat.waitFor('/readyz', 200, 150_000)));
      // Let background growth run on for a while after the last one is ready.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(instances.filter((chat) => chat.hasExited())).toEqual([]);

      const pools = await Promise.all(
        instances.map(async (chat) => {
          const health = JSON.parse((await chat.request('GET', '/health')).body) as {
            components: Array<{ name: string; pool?: { open: number; target: number } }>;
          };
          return health.components.find((c) => c.name === 'postgres')!.pool!;
        }),
      );
      expect(pools.reduce((sum, pool) => sum + pool.target, 0)).toBeLessThanOrEqual(ROLE_LIMIT);
      expect(pools.every((pool) => pool.open >= 2)).toBe(true);

      samples = await sampler.stop();
      const capacityErrors = instances.reduce(
        (sum, chat) =>
          sum +
          chat.events('orchestrator.component-attempt-end').filter((l) => l.errorClass === 'capacity').length,
        0,
      );
      console.info(
        `[storm] ${INSTANCES} ready; role connections peak ${Math.max(...samples)} / limit ${ROLE_LIMIT} ` +
          `(${samples.length} samples); pool targets ${pools.map((p) => p.target).join(',')}; ` +
          `open ${pools.map((p) => p.open).join(',')}; capacity errors during startup ${capacityErrors}`,
      );
      expect(samples.length).toBeGreaterThan(10);
      expect(Math.max(...samples)).toBeLessThanOrEqual(ROLE_LIMIT);

      // And they all stop cleanly, leaving nothing behind.
      for (const chat of instances) chat.signal('SIGTERM');
      const exits = await Promise.all(instances.map((chat) => chat.exited));
      expect(exits.map((exit) => exit.code)).toEqual(Array(INSTANCES).fill(0));
      for (const chat of instances) await noConnectionsOf(chat.instance);
    } finally {
      if (samples.length === 0) await sampler.stop();
      await stopAllChats();
      await role.drop();
    }
  }, 240_000);
});
