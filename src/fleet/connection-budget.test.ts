import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planConnectionBudget } from './connection-budget.js';
import { formatConnectionBudget } from './format-budget.js';
import type { ConnectionBudgetInput } from './connection-budget-options.js';
import { isConfigError } from '../errors/config-error.js';

const incident: ConnectionBudgetInput = {
  instances: 2,
  pool: { poolSize: 20, maxOverflow: 30 },
  maxConnections: 100,
  superuserReserved: 3,
};

function configErrorPath(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isConfigError(error)) return error.path;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('planConnectionBudget: the incident', () => {
  it('is overcommitted as soon as two instances run, and says by how much', () => {
    const plan = planConnectionBudget(incident);
    expect(plan.fits).toBe(false);
    expect(plan.perInstanceMax).toBe(50);
    expect(plan.peakConnections).toBe(100);
    expect(plan.availableConnections).toBe(97);
    expect(plan.overcommittedBy).toBe(3);
    expect(plan.maxInstancesThatFit).toBe(1);
    expect(plan.perInstanceFairShare).toBe(48);
    expect(plan.reasons.join('\n')).toContain('Overcommitted as soon as 2 instances run');
  });

  it('one instance of the same pool fits', () => {
    const plan = planConnectionBudget({ ...incident, instances: 1 });
    expect(plan.fits).toBe(true);
    expect(plan.overcommittedBy).toBe(0);
  });

  it('recommends numbers that fit, with headroom, minReady and an admission width', () => {
    const { recommended } = planConnectionBudget(incident);
    expect(recommended.feasible).toBe(true);
    expect(recommended.headroom).toBe(5); // max(2, ceil(97 × 0.05))
    expect(recommended.poolMax).toBe(46); // floor((97 − 5) / 2)
    expect(recommended.minReady).toBe(12); // ceil(46 × 0.25)
    expect(recommended.admissionWidth).toBe(2); // floor(50 / (2 × 1000 / 100)) = 2, clamped to 2 instances
    expect(recommended.startupBudgetMs).toBeNull();
    // Applying the recommendation makes the plan fit.
    const again = planConnectionBudget({ ...incident, pool: { max: recommended.poolMax } });
    expect(again.fits).toBe(true);
  });

  it('a rollout surge counts at peak: 3 instances of the staging pool through a 100 limit', () => {
    const plan = planConnectionBudget({ ...incident, instances: 2, maxInstances: 3, otherClients: 4 });
    expect(plan.peakConnections).toBe(3 * 50 + 4);
    expect(plan.availableConnections).toBe(93);
    expect(plan.overcommittedBy).toBe(154 - 97);
    expect(plan.perInstanceFairShare).toBe(31);
    expect(plan.recommended.poolMax).toBe(Math.floor((93 - 5) / 3));
  });
});

describe('planConnectionBudget: recommendation details', () => {
  it('keeps a smaller requested pool rather than inflating it to the fair share', () => {
    const plan = planConnectionBudget({ instances: 3, pool: { min: 2, max: 10 }, maxConnections: 100 });
    expect(plan.fits).toBe(true);
    expect(plan.recommended.poolMax).toBe(10);
    expect(plan.recommended.minReady).toBe(3);
  });

  it('derives the startup budget from the probe window with a 20 % margin', () => {
    const plan = planConnectionBudget({ ...incident, probe: { periodSeconds: 10, failureThreshold: 3 } });
    expect(plan.probeWindowMs).toBe(30_000);
    expect(plan.recommended.startupBudgetMs).toBe(24_000);
    const custom = planConnectionBudget({
      ...incident,
      probe: { periodSeconds: 240, failureThreshold: 1 },
      startupMargin: 0.1,
    });
    expect(custom.recommended.startupBudgetMs).toBe(216_000);
  });

  it('warns when the fleet cannot reach minReady within the startup budget at the setup rate', () => {
    const plan = planConnectionBudget({
      instances: 100,
      pool: { max: 8 },
      maxConnections: 2000,
      probe: { periodSeconds: 1, failureThreshold: 2 },
      setupRatePerSecond: 20,
    });
    expect(plan.estimates.allReadyMs).toBeGreaterThan(plan.recommended.startupBudgetMs!);
    expect(plan.reasons.join('\n')).toContain('more than the startup budget');
  });

  it('narrows the admission width when the setup rate is low', () => {
    const base = { instances: 10, pool: { max: 8 }, maxConnections: 500 } as const;
    expect(planConnectionBudget({ ...base, setupRatePerSecond: 1000 }).recommended.admissionWidth).toBe(10);
    expect(planConnectionBudget({ ...base, setupRatePerSecond: 60 }).recommended.admissionWidth).toBe(3);
    expect(planConnectionBudget({ ...base, setupRatePerSecond: 5 }).recommended.admissionWidth).toBe(1);
  });

  it('shrinks the headroom rather than leave an instance without a connection', () => {
    const plan = planConnectionBudget({ instances: 9, pool: { max: 5 }, maxConnections: 13 });
    expect(plan.availableConnections).toBe(10);
    expect(plan.recommended.headroom).toBe(1);
    expect(plan.recommended.poolMax).toBe(1);
  });

  it('says plainly when nothing fits', () => {
    const plan = planConnectionBudget({
      instances: 5,
      pool: { max: 5 },
      maxConnections: 25,
      otherClients: 20,
    });
    expect(plan.availableConnections).toBe(2);
    expect(plan.recommended).toMatchObject({ feasible: false, poolMax: 0, minReady: 0, admissionWidth: 1 });
    expect(plan.reasons.join('\n')).toContain('No setting fits');
  });
});

describe('planConnectionBudget: explanations', () => {
  it('says where DB_POOL_MIN_READY comes from: the share, the requested count, or the cap', () => {
    const why = (input: Partial<ConnectionBudgetInput>): string =>
      planConnectionBudget({ instances: 2, pool: { max: 10 }, maxConnections: 100, ...input }).reasons.find(
        (r) => r.startsWith('Recommended'),
      )!;
    expect(why({})).toContain('DB_POOL_MIN_READY 3 (25 % of it)');
    expect(why({ minReady: 2 })).toContain('DB_POOL_MIN_READY 2 (as requested)');
    expect(why({ minReady: 20 })).toContain(
      'DB_POOL_MIN_READY 10 (the requested 20, capped by the pool max)',
    );
  });

  it('never reports negative available connections when other clients exceed the limit', () => {
    const plan = planConnectionBudget({
      instances: 1,
      pool: { max: 20 },
      maxConnections: 100,
      otherClients: 200,
    });
    expect(plan.availableConnections).toBe(0);
    expect(plan.perInstanceFairShare).toBe(0);
    expect(plan.fits).toBe(false);
    expect(plan.overcommittedBy).toBe(123); // 20 + 200 − 97
    expect(plan.reasons.join('\n')).toContain('Other clients alone hold 200 connections, more than the 97');
    // Exactly as many as ordinary roles may hold is not more than that.
    const full = planConnectionBudget({
      instances: 1,
      pool: { max: 20 },
      maxConnections: 100,
      otherClients: 97,
    });
    expect(full.reasons.join('\n')).not.toContain('Other clients alone');
  });
});

describe('planConnectionBudget: role and database connection limits', () => {
  const fleet: ConnectionBudgetInput = { instances: 2, pool: { max: 10 }, maxConnections: 100 };

  it("a role's CONNECTION LIMIT below the server's free slots decides the verdict and the recommendation", () => {
    const plan = planConnectionBudget({ ...fleet, roleLimit: { limit: 18, otherClients: 3 } });
    expect(plan).toMatchObject({
      fits: false,
      limitedBy: 'role',
      availableConnections: 15,
      overcommittedBy: 5, // 2 × 10 − (18 − 3)
      maxInstancesThatFit: 1,
      perInstanceFairShare: 7,
    });
    expect(plan.reasons[0]).toContain("15 available (the role's connection limit 18 − 3 held by others)");
    // floor((15 − 2 headroom) / 2), and that fits under the role's limit when plugged back in.
    expect(plan.recommended.poolMax).toBe(6);
    const again = planConnectionBudget({
      ...fleet,
      pool: { max: plan.recommended.poolMax },
      roleLimit: { limit: 18, otherClients: 3 },
    });
    expect(again.fits).toBe(true);
  });

  it("a database's limit counts too; a limit looser than the server's changes nothing", () => {
    const db = planConnectionBudget({ ...fleet, databaseLimit: { limit: 12 } });
    expect(db).toMatchObject({
      fits: false,
      limitedBy: 'database',
      availableConnections: 12,
      overcommittedBy: 8,
    });
    const loose = planConnectionBudget({ ...fleet, roleLimit: { limit: 500 }, databaseLimit: { limit: 97 } });
    expect(loose).toEqual(planConnectionBudget(fleet));
  });

  it('CONNECTION LIMIT 0: nothing fits', () => {
    const plan = planConnectionBudget({ ...fleet, roleLimit: { limit: 0 } });
    expect(plan).toMatchObject({ fits: false, availableConnections: 0, overcommittedBy: 20 });
    expect(plan.recommended.feasible).toBe(false);
    expect(plan.reasons.join('\n')).toContain("raise the role's CONNECTION LIMIT, lower other clients");
    expect(plan.reasons.join('\n')).not.toContain('raise max_connections');
  });
});

describe('planConnectionBudget: estimates', () => {
  it('one instance needs ceil(minReady / warmupConcurrency) connect rounds to be ready', () => {
    const plan = planConnectionBudget({ instances: 1, pool: { max: 10 }, maxConnections: 100, minReady: 3 });
    expect(plan.recommended).toMatchObject({ poolMax: 10, minReady: 3, admissionWidth: 1 });
    // 2 rounds of 100 ms (3 connections, 2 at a time); then 7 more at 20/s: 350 ms.
    expect(plan.estimates).toEqual({ allReadyMs: 200, allWarmMs: 550 });
  });

  it('the fleet warms no faster than the setup rate, even one instance at a time', () => {
    const plan = planConnectionBudget({
      instances: 10,
      pool: { max: 8 },
      maxConnections: 500,
      setupRatePerSecond: 5,
    });
    expect(plan.recommended).toMatchObject({ poolMax: 8, minReady: 2, admissionWidth: 1 });
    // 10 × 2 connections at 5/s: 4 s; then 10 × 6 more at 5/s (one warmer would open 20/s): 12 s.
    expect(plan.estimates).toEqual({ allReadyMs: 4_000, allWarmMs: 16_000 });
  });
});

describe('planConnectionBudget: validation names the field', () => {
  it.each<[string, Partial<ConnectionBudgetInput> | Record<string, unknown>]>([
    ['instances', { instances: 0 }],
    ['instances', { instances: 1.5 }],
    ['maxInstances', { maxInstances: 1 }],
    ['maxConnections', { maxConnections: Number.NaN }],
    ['superuserReserved', { superuserReserved: 100 }],
    ['otherClients', { otherClients: -1 }],
    ['pool', { pool: { poolSize: 5, max: 10 } }],
    ['pool.poolSize', { pool: { maxOverflow: 10 } }],
    ['pool.poolSize', { pool: { poolSize: 0, maxOverflow: 0 } }],
    ['pool.maxOverflow', { pool: { poolSize: 5, maxOverflow: -2 } }],
    ['pool.max', { pool: { min: 2 } }],
    ['pool.min', { pool: { min: 20, max: 10 } }],
    ['probe.periodSeconds', { probe: { periodSeconds: 0, failureThreshold: 3 } }],
    ['probe.failureThreshold', { probe: { periodSeconds: 10, failureThreshold: 0 } }],
    ['startupMargin', { startupMargin: 1 }],
    ['minReadyFraction', { minReadyFraction: 0 }],
    ['minReady', { minReady: 0 }],
    ['minReady', { minReady: 2.5 }],
    ['minReady', { minReady: 2, minReadyFraction: 0.5 }],
    ['headroom', { headroom: -1 }],
    ['roleLimit.limit', { roleLimit: { limit: -1 } }],
    ['databaseLimit.otherClients', { databaseLimit: { limit: 5, otherClients: 0.5 } }],
    ['roleLimit', { roleLimit: 20 }],
    ['setupRatePerSecond', { setupRatePerSecond: 0 }],
    ['warmupConcurrency', { warmupConcurrency: 0.5 }],
    // Past 2^53 − 1 the arithmetic is no longer exact (2^53 + 1 reads as 2^53).
    ['instances', { instances: 2 ** 53 }],
    ['maxConnections', { maxConnections: 1e20 }],
    ['otherClients', { otherClients: 2 ** 53 + 2 }],
    ['pool.max', { pool: { max: 1e20 } }],
    // Each count is exact, but the rollout peak (2^50 × 50) is not: named by the count given.
    ['maxInstances', { maxInstances: 2 ** 50 }],
    ['instances', { instances: 2 ** 50 }],
    // A probe window past 2^53 − 1 ms would read as Infinity, and JSON prints that as null ("no probe").
    ['probe.periodSeconds', { probe: { periodSeconds: 1e300, failureThreshold: 3 } }],
  ])('%s', (path, patch) => {
    const input = { ...incident, ...patch } as ConnectionBudgetInput;
    expect(configErrorPath(() => planConnectionBudget(input))).toBe(path);
  });
});

describe('planConnectionBudget: properties', () => {
  const inputs = fc
    .record({
      instances: fc.integer({ min: 1, max: 200 }),
      surge: fc.integer({ min: 0, max: 50 }),
      max: fc.integer({ min: 1, max: 200 }),
      maxConnections: fc.integer({ min: 1, max: 10_000 }),
      reservedShare: fc.double({ min: 0, max: 0.99, noNaN: true }),
      otherClients: fc.integer({ min: 0, max: 500 }),
      headroom: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
      setupRatePerSecond: fc.integer({ min: 1, max: 5000 }),
      minReadyFraction: fc.double({ min: 0.01, max: 1, noNaN: true }),
      roleLimit: fc.option(
        fc.record({
          limit: fc.integer({ min: 0, max: 2000 }),
          otherClients: fc.integer({ min: 0, max: 100 }),
        }),
        { nil: undefined },
      ),
    })
    .map((r): ConnectionBudgetInput => ({
      instances: r.instances,
      maxInstances: r.instances + r.surge,
      pool: { max: r.max },
      maxConnections: r.maxConnections,
      superuserReserved: Math.floor(r.reservedShare * r.maxConnections),
      otherClients: r.otherClients,
      headroom: r.headroom,
      setupRatePerSecond: r.setupRatePerSecond,
      minReadyFraction: r.minReadyFraction,
      roleLimit: r.roleLimit,
    }));
  /** What the service's instances may hold together under every limit (negative when overfull). */
  const room = (input: ConnectionBudgetInput): number =>
    Math.min(
      input.maxConnections - (input.superuserReserved ?? 3) - (input.otherClients ?? 0),
      input.roleLimit ? input.roleLimit.limit - (input.roleLimit.otherClients ?? 0) : Infinity,
    );

  it('recommended numbers always fit when any do', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const plan = planConnectionBudget(input);
        const { recommended: r, maxInstances } = plan;
        const poolLimit = input.maxConnections - (input.superuserReserved ?? 3);
        expect(r.feasible).toBe(plan.availableConnections >= maxInstances);
        expect(r.admissionWidth).toBeGreaterThanOrEqual(1);
        expect(r.admissionWidth).toBeLessThanOrEqual(maxInstances);
        if (!r.feasible) return;
        expect(maxInstances * r.poolMax + (input.otherClients ?? 0)).toBeLessThanOrEqual(poolLimit);
        expect(maxInstances * r.poolMax).toBeLessThanOrEqual(room(input));
        expect(maxInstances * r.poolMax).toBeLessThanOrEqual(plan.availableConnections - r.headroom);
        expect(r.poolMax).toBeGreaterThanOrEqual(1);
        expect(r.poolMax).toBeLessThanOrEqual(plan.perInstanceMax);
        expect(r.poolMax).toBeLessThanOrEqual(plan.perInstanceFairShare);
        expect(r.minReady).toBeGreaterThanOrEqual(1);
        expect(r.minReady).toBeLessThanOrEqual(r.poolMax);
        // Applying the recommendation gives a plan that fits.
        expect(planConnectionBudget({ ...input, pool: { max: r.poolMax } }).fits).toBe(true);
      }),
    );
  });

  it('the verdict agrees with the arithmetic', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const plan = planConnectionBudget(input);
        const demand = plan.maxInstances * plan.perInstanceMax;
        expect(plan.fits).toBe(demand <= room(input));
        expect(plan.overcommittedBy).toBe(Math.max(0, demand - room(input)));
        expect(plan.availableConnections).toBe(Math.max(0, room(input)));
        if (!input.roleLimit) {
          const poolLimit = input.maxConnections - (input.superuserReserved ?? 3);
          expect(plan.fits).toBe(plan.peakConnections <= poolLimit);
          expect(plan.overcommittedBy).toBe(Math.max(0, plan.peakConnections - poolLimit));
        }
        expect(plan.fits).toBe(plan.maxInstancesThatFit >= plan.maxInstances);
        expect(plan.estimates.allWarmMs).toBeGreaterThanOrEqual(plan.estimates.allReadyMs);
      }),
    );
  });
});

describe('formatConnectionBudget wording', () => {
  it('says "1 connection", not "1 connections", when overcommitted by one', () => {
    // 2 × 49 = 98 > 97 available.
    const plan = planConnectionBudget({ ...incident, pool: { poolSize: 19, maxOverflow: 30 } });
    expect(plan.overcommittedBy).toBe(1);
    expect(formatConnectionBudget(plan)).toContain('OVERCOMMITTED by 1 connection at peak');
    expect(formatConnectionBudget(planConnectionBudget(incident))).toContain(
      'OVERCOMMITTED by 3 connections at peak',
    );
  });
});
