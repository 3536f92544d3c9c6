/**
 * Fleet admission on a real Postgres: advisory-lock slots across many sessions and processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/common/clock.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { AdmissionClosedError } from '../../src/fleet/admission-closed-error.js';
import { AdmissionTimeoutError } from '../../src/fleet/admission-timeout-error.js';
import { PostgresAdmission, advisoryLockKey } from '../../src/fleet/postgres-admission.js';
import { pgConnectionFactory } from '../../src/components/postgres/connection.js';
import { PostgresPool } from '../../src/components/postgres/pool.js';
import { TcpProxy } from './service-harness.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const fastPoll = { initialDelayMs: 10, maxDelayMs: 60 };

const clients: pg.Client[] = [];
const children: ChildProcess[] = [];
let observer: pg.Pool;

async function connect(applicationName = 'phasegate-admission-test'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: DATABASE_URL, application_name: applicationName });
  client.on('error', () => undefined);
  await client.connect();
  clients.push(client);
  return client;
}

/** Advisory locks held on a namespace's key, as the server sees them (optionally for one backend). */
async function locksHeld(namespace: string, pid?: number): Promise<number> {
  const { rows } = await observer.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks
      WHERE locktype = 'advisory' AND granted AND classid = $1::int4::oid AND objsubid = 2
        AND ($2::int IS NULL OR pid = $2::int)`,
    [advisoryLockKey(namespace), pid ?? null],
  );
  return rows[0]!.n;
}

/** Connections the server has open under `applicationName` (a dedicated admission connection's). */
async function connectionsNamed(applicationName: string): Promise<number> {
  const { rows } = await observer.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  return rows[0]!.n;
}

async function backendPid(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0]!.pid;
}

/** Poll `condition` every 20 ms until it holds, failing after `timeoutMs`. */
async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const request = (firstConnection: unknown, deadline = Infinity, signal = new AbortController().signal) => ({
  signal,
  deadline,
  firstConnection,
});

/**
 * A namespace whose one slot is held (`held`, on a connection of its own) and an admission of width 1
 * that waits on a dedicated connection named `appName` (so pg_stat_activity can find it).
 */
async function slotHeldAndDedicatedWaiter() {
  const namespace = `pg-admission-${randomUUID()}`;
  const holder = await connect();
  const held = await new PostgresAdmission({ width: 1, namespace }).acquire(request(holder));
  const appName = `phasegate-admission-${randomUUID().slice(0, 8)}`;
  const admission = new PostgresAdmission({
    width: 1,
    namespace,
    poll: fastPoll,
    connection: { connectionString: DATABASE_URL, application_name: appName },
  });
  return { namespace, held, appName, admission };
}

beforeAll(async () => {
  observer = new pg.Pool({ connectionString: DATABASE_URL, max: 3 });
});

afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(clients.splice(0).map((client) => client.end().catch(() => undefined)));
});

afterAll(async () => {
  await observer.end();
});

describe('PostgresAdmission (real Postgres)', () => {
  it('never lets more than K of 10 concurrent contenders hold a slot', async () => {
    const namespace = `pg-admission-${randomUUID()}`;
    const width = 3;
    const admission = new PostgresAdmission({ width, namespace, poll: fastPoll });
    let holding = 0;
    let maxHolding = 0;
    let maxOnServer = 0;
    const slotsSeen = new Set<number>();
    const contenders = await Promise.all(Array.from({ length: 10 }, () => connect()));
    await Promise.all(
      contenders.map(async (client) => {
        const lease = await admission.acquire(request(client, systemClock.now() + 30_000));
        holding++;
        maxHolding = Math.max(maxHolding, holding);
        slotsSeen.add(lease.slot!);
        maxOnServer = Math.max(maxOnServer, await locksHeld(namespace));
        await systemClock.sleep(40);
        holding--;
        await lease.release();
      }),
    );
    expect(maxHolding).toBe(width);
    expect(maxOnServer).toBeLessThanOrEqual(width);
    expect([...slotsSeen].sort()).toEqual([0, 1, 2]);
    expect(await locksHeld(namespace)).toBe(0);
  });

  it('a dedicated connection per lease also bounds K, and is closed on release', async () => {
    const namespace = `pg-admission-${randomUUID()}`;
    const width = 2;
    const appName = `phasegate-admission-${randomUUID().slice(0, 8)}`;
    const admission = new PostgresAdmission({
      width,
      namespace,
      poll: fastPoll,
      connection: { connectionString: DATABASE_URL, application_name: appName },
    });
    let holding = 0;
    let maxHolding = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const lease = await admission.acquire(request(undefined, systemClock.now() + 30_000));
        holding++;
        maxHolding = Math.max(maxHolding, holding);
        await systemClock.sleep(20);
        holding--;
        await lease.release();
      }),
    );
    expect(maxHolding).toBe(width);
    const open = (): Promise<number> => connectionsNamed(appName);
    await waitFor(async () => (await open()) === 0, 5000, 'dedicated connections to close');
  });

  it('close() releases the leases held on dedicated connections and closes those connections', async () => {
    // close() did nothing: the dedicated connections stayed open with their locks, and kept the
    // process from exiting.
    const namespace = `pg-admission-${randomUUID()}`;
    const appName = `phasegate-admission-${randomUUID().slice(0, 8)}`;
    const admission = new PostgresAdmission({
      width: 2,
      namespace,
      connection: { connectionString: DATABASE_URL, application_name: appName },
    });
    const leases = [await admission.acquire(request(undefined)), await admission.acquire(request(undefined))];
    expect(await locksHeld(namespace)).toBe(2);
    await admission.close();
    expect(leases.map((lease) => lease.released)).toEqual([true, true]);
    expect(await locksHeld(namespace)).toBe(0);
    const open = (): Promise<number> => connectionsNamed(appName);
    await waitFor(async () => (await open()) === 0, 5000, 'dedicated connections to close');
  });

  it('close() while an acquire is connecting its dedicated connection leaves no lock or connection', async () => {
    // The acquire in flight was granted after close() returned: its dedicated connection stayed
    // open with its lock, and kept the process alive.
    const namespace = `pg-admission-${randomUUID()}`;
    const appName = `phasegate-admission-${randomUUID().slice(0, 8)}`;
    const admission = new PostgresAdmission({
      width: 1,
      namespace,
      connection: { connectionString: DATABASE_URL, application_name: appName },
    });
    const outcome = admission.acquire(request(undefined)).catch((error: unknown) => error);
    await admission.close();
    const result = await outcome;
    if (!(result instanceof Error)) await (result as { release(): Promise<void> }).release();
    expect(result).toBeInstanceOf(AdmissionClosedError);
    expect(await locksHeld(namespace)).toBe(0);
    const open = (): Promise<number> => connectionsNamed(appName);
    await waitFor(async () => (await open()) === 0, 5000, 'the dedicated connection to close');
  });

  it('a holder killed with SIGKILL frees its slot when its connection drops', async () => {
    const namespace = `pg-admission-${randomUUID()}`;
    const script = `
      import pg from 'pg';
      import { PostgresAdmission } from ${JSON.stringify(`${REPO}src/fleet/postgres-admission.ts`)};
      const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
      client.on('error', () => {});
      await client.connect();
      const admission = new PostgresAdmission({ width: 1, namespace: process.env.NAMESPACE });
      const lease = await admission.acquire({ signal: new AbortController().signal, deadline: Infinity, firstConnection: client });
      const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
      process.stdout.write(JSON.stringify({ slot: lease.slot, pid: rows[0].pid }) + '\\n');
      setInterval(() => {}, 1 << 30);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO,
      env: { ...process.env, DATABASE_URL, NAMESPACE: namespace },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
    });
    const holder = JSON.parse(firstLine) as { slot: number; pid: number };
    expect(holder.slot).toBe(0);
    expect(await locksHeld(namespace, holder.pid)).toBe(1);

    const admission = new PostgresAdmission({ width: 1, namespace, poll: fastPoll });
    const waiter = await connect();
    await expect(admission.acquire(request(waiter, systemClock.now() + 300))).rejects.toBeInstanceOf(
      AdmissionTimeoutError,
    );

    child.kill('SIGKILL');
    const lease = await admission.acquire(request(waiter, systemClock.now() + 15_000));
    expect(lease.slot).toBe(0);
    expect(await locksHeld(namespace, holder.pid)).toBe(0);
    expect(await locksHeld(namespace, await backendPid(waiter))).toBe(1);
    // What the slot cost to wait for after the kill: connection loss, not a timeout, frees it.
    expect(lease.waitedMs).toBeLessThan(15_000);
    await lease.release();
    expect(await locksHeld(namespace)).toBe(0);
  });

  it('abort during the wait leaves nothing behind: no advisory lock, no timer', async () => {
    const namespace = `pg-admission-${randomUUID()}`;
    const holder = await connect();
    const held = await new PostgresAdmission({ width: 1, namespace }).acquire(request(holder));

    const clock = new FakeClock();
    const waiting = new PostgresAdmission({
      width: 1,
      namespace,
      clock,
      poll: { initialDelayMs: 500, maxDelayMs: 500 },
    });
    const waiter = await connect();
    const waiterPid = await backendPid(waiter);
    const controller = new AbortController();
    const outcome = waiting
      .acquire(request(waiter, Infinity, controller.signal))
      .catch((error: unknown) => error);
    await waitFor(() => clock.pending === 1, 5000, 'the waiter to try and go to sleep');
    await clock.advance(500);
    await waitFor(() => clock.pending === 1, 5000, 'the second try');

    const reason = new Error('shutting down');
    controller.abort(reason);
    expect(await outcome).toBe(reason);
    expect(clock.pending).toBe(0);
    expect(await locksHeld(namespace, waiterPid)).toBe(0);
    expect(await locksHeld(namespace)).toBe(1);

    await held.release();
    await held.release();
    expect(await locksHeld(namespace)).toBe(0);
  });

  it('abort while a dedicated connection is waiting closes it', async () => {
    const { namespace, held, appName, admission } = await slotHeldAndDedicatedWaiter();
    const open = (): Promise<number> => connectionsNamed(appName);
    const controller = new AbortController();
    const outcome = admission
      .acquire(request(undefined, Infinity, controller.signal))
      .catch((e: unknown) => e);
    await waitFor(async () => (await open()) === 1, 5000, 'the dedicated connection');
    controller.abort(new Error('stop'));
    expect(await outcome).toMatchObject({ message: 'stop' });
    await waitFor(async () => (await open()) === 0, 5000, 'the dedicated connection to close');
    expect(await locksHeld(namespace)).toBe(1);
    await held.release();
  });

  it('release() on a dedicated connection whose path went dark ends after releaseTimeoutMs', async () => {
    // No reply, no reset: the unlock was never answered and release() never settled, so the lock
    // lived as long as that connection (and close/shutdown waiting on it hung).
    const proxy = await TcpProxy.before(DATABASE_URL, 5432);
    try {
      proxy.forward();
      const namespace = `pg-admission-${randomUUID()}`;
      const admission = new PostgresAdmission({
        width: 1,
        namespace,
        connection: proxy.via(DATABASE_URL),
        releaseTimeoutMs: 500,
      });
      const lease = await admission.acquire(request(undefined, systemClock.now() + 10_000));
      expect(await locksHeld(namespace)).toBe(1);
      proxy.stallOpen();
      const released = lease.release().then(() => 'released');
      const late = new Promise((resolve) =>
        setTimeout(() => resolve('still releasing after 3 s'), 3_000).unref(),
      );
      expect(await Promise.race([released, late])).toBe('released');
      expect(lease.released).toBe(true);
    } finally {
      await proxy.close(); // cuts the dark session the proxy still holds, and its lock with it
    }
  });

  it('a dedicated connection the server rejects fails at once with a permanent DependencyError', async () => {
    const url = new URL(DATABASE_URL);
    url.username = `no_such_role_${randomUUID().slice(0, 8)}`;
    url.password = 'hunter2';
    const admission = new PostgresAdmission({ width: 1, connection: url.toString() });
    const started = systemClock.now();
    const error = await admission.acquire(request(undefined, started + 10_000)).catch((e: unknown) => e);
    expect(systemClock.now() - started).toBeLessThan(5_000);
    // It was pg's own DatabaseError, with no classification and no hint of where it came from.
    expect(error).toMatchObject({
      code: 'PG_ERR_DEPENDENCY',
      dependency: 'postgres',
      classification: 'permanent',
      driverCode: '28000',
    });
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('a dedicated connection that is never answered ends at the deadline as unreachable, and on abort', async () => {
    // It hung past the deadline (pg's connect never settled once the client was ended); with the
    // wait bounded, it said "no slot free" (AdmissionTimeoutError, capacity) for a server out of reach.
    const proxy = await TcpProxy.before(DATABASE_URL, 5432);
    try {
      proxy.forward(0); // accept, never forward: a path gone dark
      const admission = new PostgresAdmission({
        width: 1,
        namespace: `pg-admission-${randomUUID()}`,
        connection: proxy.via(DATABASE_URL),
      });
      const error = await admission
        .acquire(request(undefined, systemClock.now() + 300))
        .catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(AdmissionTimeoutError);
      expect(error).toMatchObject({
        code: 'PG_ERR_DEPENDENCY',
        dependency: 'postgres',
        classification: 'transient',
        driverCode: 'ETIMEDOUT',
      });
      // An abort while connecting ends the wait too (pg never settles the connect of a client
      // ended mid-handshake, and the wait hung on it).
      const controller = new AbortController();
      const aborted = admission
        .acquire(request(undefined, Infinity, controller.signal))
        .catch((e: unknown) => e);
      setTimeout(() => controller.abort(new Error('stop')), 100);
      const late = new Promise((resolve) => setTimeout(() => resolve('still waiting after 3 s'), 3_000));
      expect(await Promise.race([aborted, late])).toMatchObject({ message: 'stop' });
    } finally {
      await proxy.close();
    }
  });

  it('a dedicated connection terminated while waiting ends the wait with a DependencyError', async () => {
    const { held, appName, admission } = await slotHeldAndDedicatedWaiter();
    const outcome = admission
      .acquire(request(undefined, systemClock.now() + 10_000))
      .catch((e: unknown) => e);
    const terminate = async (): Promise<number> =>
      (
        await observer.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1) t',
          [appName],
        )
      ).rows[0]!.n;
    await waitFor(async () => (await terminate()) === 1, 5000, 'the dedicated connection');
    // It was pg's raw error ("terminating connection due to administrator command" or "Connection
    // terminated unexpectedly"), with no classification and no word of which connection.
    expect(await outcome).toMatchObject({
      code: 'PG_ERR_DEPENDENCY',
      dependency: 'postgres',
      classification: 'transient',
    });
    await held.release();
  });

  it('gives up at the deadline with AdmissionTimeoutError and the time waited', async () => {
    const namespace = `pg-admission-${randomUUID()}`;
    const holder = await connect();
    const held = await new PostgresAdmission({ width: 1, namespace }).acquire(request(holder));
    const waiter = await connect();
    const started = systemClock.now();
    const error = await new PostgresAdmission({ width: 1, namespace, poll: fastPoll })
      .acquire(request(waiter, started + 250))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdmissionTimeoutError);
    expect((error as AdmissionTimeoutError).waitedMs).toBeGreaterThan(0);
    expect((error as AdmissionTimeoutError).waitedMs).toBeLessThanOrEqual(systemClock.now() - started);
    expect(await locksHeld(namespace, await backendPid(waiter))).toBe(0);
    await held.release();
  });

  it("sends its statements on the pool's first connection only between callers' transactions", async () => {
    // The pool lends its first connection to callers while the admission holds a session lock on it.
    // A statement sent while a caller's transaction had failed was refused (25P02): the unlock was
    // lost and the slot stayed taken by a live instance, and a try failed the whole admission wait.
    const namespace = `pg-admission-${randomUUID()}`;
    const pool = new PostgresPool({ factory: pgConnectionFactory(DATABASE_URL), clock: systemClock, max: 1 });
    try {
      await pool.openConnection();
      const admission = new PostgresAdmission({ width: 1, namespace, poll: fastPoll });
      const lease = await admission.acquire(request(pool.firstConnection()));
      expect(await locksHeld(namespace)).toBe(1);

      let released: Promise<void> | undefined;
      let retaken: Promise<unknown> | undefined;
      await pool.withConnection(async (c) => {
        await c.query('BEGIN');
        await c.query('SELECT 1/0').catch(() => undefined); // the caller's transaction has failed
        released = lease.release();
        await c.query('ROLLBACK');
      });
      await released;
      expect(await locksHeld(namespace)).toBe(0);

      await pool.withConnection(async (c) => {
        await c.query('BEGIN');
        await c.query('SELECT 1/0').catch(() => undefined);
        retaken = admission.acquire(request(pool.firstConnection(), systemClock.now() + 10_000));
        await c.query('ROLLBACK');
      });
      const again = (await retaken) as { release(): Promise<void> };
      expect(await locksHeld(namespace)).toBe(1);
      await again.release();
      expect(await locksHeld(namespace)).toBe(0);
    } finally {
      await pool.end();
    }
  });
});
