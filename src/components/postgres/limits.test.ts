import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../errors/config-error.js';
import { exitCodeFor } from '../../errors/exit-codes.js';
import { FakeClock } from '../../testing/fake-clock.js';
import type { PgConnection } from './connection.js';
import { FakePostgres } from './fake-postgres.js';
import { decidePoolTarget, fairShare, readServerLimits, type ServerLimits } from './limits.js';

const idle: ServerLimits = {
  maxConnections: 100,
  superuserReserved: 3,
  reservedConnections: 0,
  totalConnections: 1,
  roleConnectionLimit: -1,
  roleConnections: 1,
  databaseConnectionLimit: -1,
  databaseConnections: 1,
  superuser: false,
};

const base = { max: 50, minReady: 2, expectedInstances: 2, headroom: 0, ownOpen: 1 };

describe('fairShare', () => {
  it('splits what ordinary roles may use among the instances (the incident: 2 x 50 against 100)', () => {
    expect(fairShare({ maxConnections: 100, reserved: 3, headroom: 0, instances: 2 })).toBe(48);
    expect(fairShare({ maxConnections: 100, reserved: 3, headroom: 7, instances: 3 })).toBe(30);
    expect(fairShare({ maxConnections: 10, reserved: 3, headroom: 20, instances: 3 })).toBe(0);
  });
});

describe('decidePoolTarget', () => {
  it('uses the configured max without live limits', () => {
    expect(decidePoolTarget(base)).toEqual({ target: 50, fairShare: null, limitedBy: 'max' });
  });

  it('caps at the fair share of the server', () => {
    expect(decidePoolTarget({ ...base, limits: idle })).toEqual({
      target: 48,
      fairShare: 48,
      limitedBy: 'server-share',
    });
  });

  it('caps at what is free now, counting what this instance already holds', () => {
    const busy = { ...idle, totalConnections: 90 };
    expect(decidePoolTarget({ ...base, limits: busy })).toMatchObject({
      target: 8,
      limitedBy: 'server-free',
    });
  });

  it('caps at the role and database connection limits, shared among the instances', () => {
    const role = { ...idle, roleConnectionLimit: 10 };
    expect(decidePoolTarget({ ...base, limits: role })).toMatchObject({ target: 5, limitedBy: 'role-share' });
    const roleBusy = { ...role, roleConnections: 8 };
    expect(decidePoolTarget({ ...base, limits: roleBusy })).toMatchObject({
      target: 3,
      limitedBy: 'role-free',
    });
    const database = { ...idle, databaseConnectionLimit: 12, databaseConnections: 1 };
    expect(decidePoolTarget({ ...base, expectedInstances: 4, limits: database })).toMatchObject({
      target: 3,
      limitedBy: 'database-share',
    });
    const databaseBusy = { ...database, databaseConnections: 10 };
    expect(decidePoolTarget({ ...base, limits: databaseBusy })).toMatchObject({
      target: 3, // 1 held + 12 − 10
      limitedBy: 'database-free',
    });
  });

  it("leaves Postgres 16's reserved_connections out of the share, like the superuser slots", () => {
    const reserved = { ...idle, reservedConnections: 4 };
    expect(decidePoolTarget({ ...base, limits: reserved })).toEqual({
      target: 46, // floor((100 − 3 − 4) / 2)
      fairShare: 46,
      limitedBy: 'server-share',
    });
  });

  it('ignores role and database limits for a superuser, which Postgres does not apply to it', () => {
    const superuser = { ...idle, superuser: true, roleConnectionLimit: 1, databaseConnectionLimit: 1 };
    expect(decidePoolTarget({ ...base, limits: superuser }).target).toBe(48);
  });

  it('never goes below minReady', () => {
    const full = { ...idle, totalConnections: 97 };
    expect(decidePoolTarget({ ...base, limits: full })).toMatchObject({ target: 2, limitedBy: 'min-ready' });
  });

  it('stays within [minReady, max] and under every share when above minReady (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          max: fc.integer({ min: 1, max: 200 }),
          minReadyFraction: fc.double({ min: 0, max: 1, noNaN: true }),
          expectedInstances: fc.integer({ min: 1, max: 50 }),
          headroom: fc.integer({ min: 0, max: 20 }),
          ownOpen: fc.integer({ min: 0, max: 10 }),
          maxConnections: fc.integer({ min: 5, max: 1000 }),
          superuserReserved: fc.integer({ min: 0, max: 5 }),
          others: fc.integer({ min: 0, max: 1000 }),
          roleConnectionLimit: fc.integer({ min: -1, max: 100 }),
        }),
        (p) => {
          const minReady = Math.max(1, Math.round(p.max * p.minReadyFraction));
          const limits: ServerLimits = {
            ...idle,
            maxConnections: p.maxConnections,
            superuserReserved: p.superuserReserved,
            totalConnections: p.ownOpen + p.others,
            roleConnectionLimit: p.roleConnectionLimit,
            roleConnections: p.ownOpen,
          };
          const decision = decidePoolTarget({ ...p, minReady, limits });
          expect(decision.target).toBeGreaterThanOrEqual(minReady);
          expect(decision.target).toBeLessThanOrEqual(p.max);
          if (decision.target > minReady) {
            expect(decision.target).toBeLessThanOrEqual(decision.fairShare!);
            if (p.roleConnectionLimit >= 0) {
              expect(decision.target * p.expectedInstances).toBeLessThanOrEqual(p.roleConnectionLimit);
            }
          }
        },
      ),
    );
  });
});

describe('readServerLimits', () => {
  it('reads the settings and usage through the connection it is given', async () => {
    const clock = new FakeClock();
    const server = new FakePostgres(clock, {
      maxConnections: 40,
      superuserReserved: 2,
      roleConnectionLimit: 6,
      otherConnections: 3,
    });
    const connecting = server.factory(new AbortController().signal);
    await clock.advance(10);
    const connection = await connecting;
    const reading = readServerLimits(connection);
    await clock.advance(10);
    expect(await reading).toEqual({
      maxConnections: 40,
      superuserReserved: 2,
      reservedConnections: 0,
      totalConnections: 4,
      roleConnectionLimit: 6,
      roleConnections: 1,
      databaseConnectionLimit: -1,
      databaseConnections: 4,
      superuser: false,
    });
    await connection.end();
  });

  it('rejects with a ConfigError when the connection does not answer SHOW with a number', async () => {
    const notPostgres: PgConnection = {
      query: async () => ({ rows: [{ max_connections: 'unknown setting' }] }),
      end: async () => undefined,
    };
    const reading = readServerLimits(notPostgres);
    await expect(reading).rejects.toSatisfy(isConfigError);
    await expect(reading).rejects.toMatchObject({
      code: 'PG_ERR_CONFIG',
      classification: 'config',
      path: 'readServerLimits connection',
      problem: 'SHOW max_connections returned no number',
    });
    expect(exitCodeFor(await reading.catch((error: unknown) => error))).toBe(78);
  });
});
