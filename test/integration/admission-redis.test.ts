/**
 * Fleet admission on a real Redis: the lease semaphore across many clients and processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/common/clock.js';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { AdmissionClosedError } from '../../src/fleet/admission-closed-error.js';
import { AdmissionTimeoutError } from '../../src/fleet/admission-timeout-error.js';
import { RedisAdmission, type RedisAdmissionLease } from '../../src/fleet/redis-admission.js';
import { TcpProxy } from './service-harness.js';

// The same source as test/integration/global-setup.ts uses.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const fastPoll = { initialDelayMs: 10, maxDelayMs: 60 };

let observer: Redis;
const admissions: RedisAdmission[] = [];
const children: ChildProcess[] = [];

function admission(
  options: Omit<ConstructorParameters<typeof RedisAdmission>[0], 'url' | 'redis'>,
): RedisAdmission {
  const created = new RedisAdmission({ url: REDIS_URL, poll: fastPoll, ...options });
  admissions.push(created);
  return created;
}

const keyOf = (namespace: string): string => `phasegate:admission:${namespace}`;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP proxy to Redis that `cut()` severs: open connections drop and new ones are refused. */
async function redisProxy(): Promise<{ url: string; cut: () => Promise<void> }> {
  const target = new URL(REDIS_URL);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port || 6379), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
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

const request = (deadline = Infinity, signal = new AbortController().signal) => ({
  signal,
  deadline,
  firstConnection: undefined,
});

beforeAll(() => {
  observer = new Redis(REDIS_URL);
});

afterEach(async () => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(admissions.splice(0).map((a) => a.close()));
});

afterAll(async () => {
  await observer.quit();
});

describe('RedisAdmission (real Redis)', () => {
  it('never lets more than K of 10 concurrent contenders (each with its own client) hold a lease', async () => {
    const namespace = `redis-admission-${randomUUID()}`;
    const width = 3;
    let holding = 0;
    let maxHolding = 0;
    let maxOnServer = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const lease = await admission({ width, namespace }).acquire(request(systemClock.now() + 30_000));
        holding++;
        maxHolding = Math.max(maxHolding, holding);
        maxOnServer = Math.max(maxOnServer, await observer.zcard(keyOf(namespace)));
        await systemClock.sleep(40);
        holding--;
        await lease.release();
      }),
    );
    expect(maxHolding).toBe(width);
    expect(maxOnServer).toBeLessThanOrEqual(width);
    expect(await observer.exists(keyOf(namespace))).toBe(0);
  });

  it('a holder killed with SIGKILL frees its slot when its lease expires', async () => {
    const namespace = `redis-admission-${randomUUID()}`;
    const leaseMs = 1500;
    const script = `
      import { RedisAdmission } from ${JSON.stringify(`${REPO}src/fleet/redis-admission.ts`)};
      const admission = new RedisAdmission({ width: 1, url: process.env.REDIS_URL, namespace: process.env.NAMESPACE, leaseMs: ${leaseMs} });
      const lease = await admission.acquire({ signal: new AbortController().signal, deadline: Infinity, firstConnection: undefined });
      process.stdout.write(JSON.stringify({ id: lease.id }) + '\\n');
      setInterval(() => {}, 1 << 30);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO,
      env: { ...process.env, REDIS_URL, NAMESPACE: namespace },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const holder = JSON.parse(
      await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout! }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
      }),
    ) as { id: string };
    expect(await observer.zrange(keyOf(namespace), 0, -1)).toEqual([holder.id]);

    const waiter = admission({ width: 1, namespace, leaseMs });
    // While the holder lives it refreshes its lease, so the slot stays taken for longer than leaseMs.
    await expect(waiter.acquire(request(systemClock.now() + leaseMs + 500))).rejects.toBeInstanceOf(
      AdmissionTimeoutError,
    );

    child.kill('SIGKILL');
    const lease = await waiter.acquire(request(systemClock.now() + 15_000));
    expect(lease.waitedMs).toBeLessThanOrEqual(leaseMs + 1000);
    expect(await observer.zrange(keyOf(namespace), 0, -1)).toEqual([lease.id]);
    await lease.release();
    expect(await observer.exists(keyOf(namespace))).toBe(0);
  });

  it('abort during the wait leaves nothing behind: no member, no key of its own, no timer', async () => {
    const namespace = `redis-admission-${randomUUID()}`;
    const held = await admission({ width: 1, namespace }).acquire(request());

    const clock = new FakeClock();
    const waiting = admission({ width: 1, namespace, clock, poll: { initialDelayMs: 500, maxDelayMs: 500 } });
    const controller = new AbortController();
    const outcome = waiting.acquire(request(Infinity, controller.signal)).catch((error: unknown) => error);
    await waitFor(() => clock.pending === 1, 5000, 'the waiter to try and go to sleep');
    await clock.advance(500);
    await waitFor(() => clock.pending === 1, 5000, 'the second try');

    const reason = new Error('shutting down');
    controller.abort(reason);
    expect(await outcome).toBe(reason);
    expect(clock.pending).toBe(0);
    expect(await observer.zrange(keyOf(namespace), 0, -1)).toEqual([(held as RedisAdmissionLease).id]);

    await held.release();
    expect(await observer.exists(keyOf(namespace))).toBe(0);
  });

  it('refreshes a held lease on its clock, and reports a lease that expired unrefreshed as lost', async () => {
    const namespace = `redis-admission-${randomUUID()}`;
    const clock = new FakeClock();
    const lost: string[] = [];
    const leaseMs = 300;
    const slow = admission({
      width: 1,
      namespace,
      clock,
      leaseMs,
      onLeaseLost: (lease) => lost.push(lease.id),
    });
    const lease = await slow.acquire(request());
    const firstExpiry = Number(await observer.zscore(keyOf(namespace), lease.id));
    expect(clock.pending).toBe(1); // the refresh timer

    // Refreshing (advancing the lease's clock) pushes the expiry forward on the server.
    // Lease times are Redis server time: let it move on by a few ms so a refresh is visible.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await clock.advance(100);
    await waitFor(
      async () => Number(await observer.zscore(keyOf(namespace), lease.id)) > firstExpiry,
      2000,
      'the refresh',
    );

    // Without refreshes (the clock stands still) the lease expires on Redis time and the slot is free.
    const other = admission({ width: 1, namespace });
    const taken = await other.acquire(request(systemClock.now() + 5000));
    expect(taken.waitedMs).toBeGreaterThan(0);
    await clock.advance(100);
    await waitFor(() => lease.lost, 2000, 'the lost lease to be noticed');
    expect(lost).toEqual([lease.id]);
    expect(clock.pending).toBe(0);
    await lease.release();
    expect(await observer.zrange(keyOf(namespace), 0, -1)).toEqual([taken.id]);
    await taken.release();
  });

  it('gives up at the deadline with AdmissionTimeoutError', async () => {
    const namespace = `redis-admission-${randomUUID()}`;
    const held = await admission({ width: 1, namespace }).acquire(request());
    const error = await admission({ width: 1, namespace })
      .acquire(request(systemClock.now() + 200))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdmissionTimeoutError);
    expect(error).toMatchObject({ code: 'PG_ERR_ADMISSION', backend: 'redis', width: 1 });
    expect(await observer.zcard(keyOf(namespace))).toBe(1);
    await held.release();
  });

  it('a key that holds another type fails as config, with a hint at the key setting', async () => {
    // WRONGTYPE was `internal` (exit 1, "a bug"): the key (or namespace) setting collides with a key
    // another program uses, which only a person can fix, and waiting never helps.
    const key = `redis-admission-${randomUUID()}`;
    await observer.set(key, 'not a sorted set', 'PX', 60_000);
    const created = new RedisAdmission({ width: 1, url: REDIS_URL, key });
    admissions.push(created);
    const error = await created.acquire(request()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', dependency: 'redis', classification: 'config' });
    expect((error as { hint?: string }).hint).toMatch(/key or namespace/);
    expect(await observer.get(key)).toBe('not a sorted set');
    await observer.del(key);
  });

  it('close() releases leases still held and closes its own client', async () => {
    const namespace = `redis-admission-${randomUUID()}`;
    const owner = new RedisAdmission({ width: 2, url: REDIS_URL, namespace });
    await owner.acquire(request());
    await owner.acquire(request());
    expect(await observer.zcard(keyOf(namespace))).toBe(2);
    await owner.close();
    expect(await observer.exists(keyOf(namespace))).toBe(0);
  });

  it.each<[string, boolean]>([
    ['a client it was given', true],
    ['its own client', false],
  ])('close() while an acquire is in flight (on %s) leaves no lease behind', async (_, given) => {
    // The acquire's command was already sent when close() ran: it was granted afterwards and its
    // lease stayed in the set, refreshed on a client the caller still owns.
    const namespace = `redis-admission-${randomUUID()}`;
    const redis = given ? new Redis(REDIS_URL) : undefined;
    try {
      await redis?.ping(); // connected, so the try is on the wire when close() runs
      const created = new RedisAdmission({
        width: 1,
        namespace,
        leaseMs: 1_000,
        ...(redis ? { redis } : { url: REDIS_URL }),
      });
      const outcome = created.acquire(request()).catch((error: unknown) => error);
      await created.close();
      const result = await outcome;
      if (!(result instanceof Error)) await (result as RedisAdmissionLease).release();
      expect(result).toBeInstanceOf(AdmissionClosedError);
      expect(await observer.zcard(keyOf(namespace))).toBe(0);
    } finally {
      await redis?.quit();
    }
  });

  it('close() on a path to Redis gone dark ends after leaseMs instead of hanging', async () => {
    // No reply, no reset: the releases and QUIT were never answered, and close() (shutdown) hung.
    const proxy = await TcpProxy.before(REDIS_URL, 6379);
    try {
      proxy.forward();
      const namespace = `redis-admission-${randomUUID()}`;
      const created = new RedisAdmission({ url: proxy.via(REDIS_URL), width: 2, namespace, leaseMs: 500 });
      const lease = await created.acquire(request());
      expect(await observer.zrange(keyOf(namespace), 0, -1)).toEqual([lease.id]);
      proxy.stallOpen();
      const closed = created.close().then(() => 'closed');
      const late = new Promise((resolve) =>
        setTimeout(() => resolve('still closing after 3 s'), 3_000).unref(),
      );
      expect(await Promise.race([closed, late])).toBe('closed');
      expect(lease.released).toBe(true);
      // The lease it could not remove expires on the server by itself (the key with it).
      await waitFor(
        async () => (await observer.exists(keyOf(namespace))) === 0,
        2_000,
        'the lease to expire',
      );
    } finally {
      await proxy.close();
    }
  });

  it('a Redis that accepts and never answers ends the wait with a DependencyError, not "no slot free"', async () => {
    // A dark path (no reply, no reset) timed out as AdmissionTimeoutError, `capacity`, with the hint
    // "other instances are warming": a Redis out of reach looked like a busy fleet.
    const proxy = await TcpProxy.before(REDIS_URL, 6379);
    try {
      proxy.forward(0); // accept, never forward
      const dark = new RedisAdmission({
        url: proxy.via('redis://app:hunter2@127.0.0.1:6379'),
        width: 1,
        namespace: `redis-admission-${randomUUID()}`,
      });
      admissions.push(dark);
      const error = await dark.acquire(request(systemClock.now() + 300)).catch((e: unknown) => e);
      expect(error).not.toBeInstanceOf(AdmissionTimeoutError);
      expect(error).toMatchObject({
        code: 'PG_ERR_DEPENDENCY',
        dependency: 'redis',
        classification: 'transient',
        driverCode: 'ETIMEDOUT',
      });
      expect((error as Error).message).toMatch(/no answer .* within \d+ ms/);
      expect((error as Error).message).not.toContain('hunter2');
    } finally {
      await proxy.close();
    }
  });

  it('notices a lease it cannot refresh for leaseMs (Redis unreachable) as lost, and stops its timer', async () => {
    const namespace = `redis-admission-${randomUUID()}`;
    const proxy = await redisProxy();
    const clock = new FakeClock();
    const lost: string[] = [];
    const created = new RedisAdmission({
      url: proxy.url,
      width: 1,
      namespace,
      clock,
      leaseMs: 300,
      onLeaseLost: (l) => lost.push(l.id),
    });
    admissions.push(created);
    const lease = await created.acquire(request());
    expect(await observer.zrange(keyOf(namespace), 0, -1)).toEqual([lease.id]);

    // The holder loses its way to Redis; the server expires the lease after 300 ms of its own time
    // and would give the slot to another instance. The holder must not go on believing it holds it.
    await proxy.cut();
    for (let i = 0; i < 3; i++) await clock.advance(100);
    expect(lease.lost).toBe(true);
    expect(lost).toEqual([lease.id]);
    expect(clock.pending).toBe(0);
    await lease.release();
  });

  it('a lease removed behind its back is lost, and an onLeaseLost that throws does not escape', async () => {
    const namespace = `redis-admission-${randomUUID()}`;
    const clock = new FakeClock();
    const seen: string[] = [];
    const holder = admission({
      width: 1,
      namespace,
      clock,
      onLeaseLost: (l) => {
        seen.push(l.id);
        throw new Error('listener bug');
      },
    });
    const lease = await holder.acquire(request());
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await observer.zrem(keyOf(namespace), lease.id); // as if it had expired and been reclaimed
      await clock.advance(Math.floor(10_000 / 3));
      await waitFor(() => lease.lost, 5000, 'the refresh to find the lease gone');
      await new Promise((resolve) => setImmediate(resolve));
      expect(seen).toEqual([lease.id]);
      expect(lease.signal.reason).toMatchObject({ code: 'PG_ERR_ADMISSION_LOST', backend: 'redis' });
      expect(unhandled).toEqual([]);
      expect(clock.pending).toBe(0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('Redis unreachable: acquire fails with a transient DependencyError without the password, nothing on stderr, and the process can exit', async () => {
    const port = await closedPort();
    const script = `
      import { RedisAdmission } from ${JSON.stringify(`${REPO}src/fleet/redis-admission.ts`)};
      const admission = new RedisAdmission({ width: 1, url: process.env.ADMISSION_URL, namespace: 'down' });
      const error = await admission
        .acquire({ signal: new AbortController().signal, deadline: Infinity, firstConnection: undefined })
        .then(() => undefined, (e) => e);
      process.stdout.write(JSON.stringify({ name: error?.constructor.name, code: error?.code, classification: error?.classification, message: error?.message }) + '\\n');
      await admission.close();
      // No explicit exit: the process must end on its own once the admission is closed.
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO,
      env: { ...process.env, ADMISSION_URL: `redis://app:hunter2@127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => void (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, 20_000, 'the process to exit');
    expect(await exited).toBe(0);
    const outcome = JSON.parse(stdout.trim()) as Record<string, string>;
    expect(outcome).toMatchObject({
      name: 'DependencyError',
      code: 'PG_ERR_DEPENDENCY',
      classification: 'transient',
    });
    expect(outcome.message).toContain('ECONNREFUSED');
    expect(stdout + stderr).not.toContain('hunter2');
    expect(stderr).not.toContain('Unhandled error event');
  });
});
