/**
 * readLiveLimits against the real Postgres, logged in as an ordinary role as a service would be:
 * such a role sees other sessions in pg_stat_activity with most columns (backend_type among them)
 * hidden, and must still count them.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgConnectionFactory } from '../../src/components/postgres/connection.js';
import { readServerLimits } from '../../src/components/postgres/limits.js';
import { readLiveLimits } from '../../src/fleet/live-limits.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const role = `phasegate_live_${process.pid}_${Date.now()}`;

let admin: pg.Client;
beforeAll(async () => {
  admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE ROLE ${role} LOGIN CONNECTION LIMIT 10`);
});
afterAll(async () => {
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
  await admin.query(`DROP ROLE IF EXISTS ${role}`);
  await admin.end();
});

function urlAs(user: string): string {
  const url = new URL(DATABASE_URL);
  url.username = user;
  return url.toString();
}

describe('readLiveLimits as an ordinary role', () => {
  it("counts other roles' sessions as other clients, though their backend_type is hidden from it", async () => {
    // `admin` (a superuser session) is open throughout: at least one other client.
    const live = await readLiveLimits(urlAs(role));
    expect(live.otherClients).toBeGreaterThanOrEqual(1);
    expect(live.databaseOtherClients).toBeGreaterThanOrEqual(1);
  });

  it("reads the role's CONNECTION LIMIT and counts the role's other sessions", async () => {
    const held = new pg.Client({ connectionString: urlAs(role) });
    await held.connect();
    try {
      const live = await readLiveLimits(urlAs(role));
      expect(live).toMatchObject({
        roleConnectionLimit: 10,
        roleOtherClients: 1,
        databaseConnectionLimit: null,
      });
    } finally {
      await held.end();
    }
  });

  it('a superuser is exempt from CONNECTION LIMITs: none is reported', async () => {
    const live = await readLiveLimits(DATABASE_URL);
    expect(live.roleConnectionLimit).toBeNull();
    expect(live.databaseConnectionLimit).toBeNull();
  });
});

describe("the Postgres component's readServerLimits as an ordinary role", () => {
  it("counts other roles' client sessions, though their backend_type is hidden from it", async () => {
    // `admin` (a superuser session on this database) is open throughout, and one more of it here.
    const other = new pg.Client({ connectionString: DATABASE_URL });
    await other.connect();
    const connection = await pgConnectionFactory(urlAs(role))(AbortSignal.timeout(10_000));
    try {
      const limits = await readServerLimits(connection);
      // `admin`, `other` and itself at least (other test files' sessions come and go meanwhile).
      expect(limits.totalConnections).toBeGreaterThanOrEqual(3);
      expect(limits.databaseConnections).toBeGreaterThanOrEqual(3);
      // Its own role: this one connection, and its role's limit.
      expect(limits.roleConnections).toBe(1);
      expect(limits.roleConnectionLimit).toBe(10);
      expect(limits.superuser).toBe(false);
    } finally {
      await connection.end();
      await other.end();
    }
  });
});
