/**
 * Two instances of the Postgres component under one PostgresAdmission slot on a real server: the
 * target each grows to is decided once it holds the slot, not at startup.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AdmissionProvider } from '../../src/components/admission-hook.js';
import type { PostgresPool } from '../../src/components/postgres/pool.js';
import { postgresComponent } from '../../src/components/postgres/postgres.js';
import { PostgresAdmission } from '../../src/fleet/postgres-admission.js';
import { testComponentContext } from '../../src/testing/component-context.js';
import { createTemporaryRole, uniqueName, withApplicationName } from './helpers/database.js';
import { waitUntil } from './helpers/wait-until.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('postgresComponent growth under PostgresAdmission (real Postgres)', () => {
  it('the second instance admitted decides with the first one grown: no 53300 at a role CONNECTION LIMIT', async () => {
    // 8 connections for the role; each instance may hold 6 and believes it is alone (expectedInstances
    // 1), so its share is the whole limit and only what is free keeps two of them under it.
    const role = await createTemporaryRole({ connectionLimit: 8 });
    cleanups.push(() => role.drop());
    const admission = new PostgresAdmission({
      width: 1,
      namespace: uniqueName('admitted-target'),
      poll: { initialDelayMs: 10, maxDelayMs: 60 },
    });
    // Neither grows before both are ready, so both decide at startup with only minReady open.
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const gated: AdmissionProvider = {
      backend: admission.backend,
      acquire: async (request) => {
        await gate;
        return admission.acquire(request);
      },
    };
    const instances = [0, 1].map(() => {
      const spec = postgresComponent({
        connection: withApplicationName(role.url, uniqueName('admitted-target')),
        max: 6,
        minReady: 2,
        maxConcurrentOpens: 1,
        openJitterMs: 10,
        admission: gated,
        targetRecheckMs: Infinity,
      });
      return { spec, t: testComponentContext({ name: spec.name }) };
    });
    const pools: PostgresPool[] = await Promise.all(instances.map(({ spec, t }) => spec.start(t.ctx)));
    cleanups.push(async () => {
      for (const { t } of instances) t.lifetime.abort();
      await Promise.all(pools.map((pool) => pool.end()));
    });
    for (const { t } of instances) expect(t.mark('pool-target')).toMatchObject({ target: 6 });

    openGate();
    await waitUntil(() => instances.every(({ t }) => t.mark('pool-at-target') !== undefined), {
      message: 'both pools at their target',
    });
    expect(pools.map((p) => p.target).sort((a, b) => a - b)).toEqual([2, 6]);
    expect(pools.map((p) => p.open).sort((a, b) => a - b)).toEqual([2, 6]);
    for (const { t } of instances) {
      expect(t.mark('pool-target-lowered')).toBeUndefined();
      expect(t.mark('pool-growth-gave-up')).toBeUndefined();
    }
  });
});
