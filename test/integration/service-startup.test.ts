/**
 * Issue 3, service level: how the chat-backend example starts against a real Postgres that is
 * unreachable, refuses the password, is down then back (graceful mode), or is at its connection limit.
 */

import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, uniqueName } from './helpers/database.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from './helpers/embedded-postgres.js';
import { freePort } from './helpers/free-port.js';
import { waitUntil } from './helpers/wait-until.js';
import { TcpProxy, roleWithSchema, startChat, startupToExitMs, stopAllChats } from './service-harness.js';

afterEach(stopAllChats);

describe('configuration', () => {
  it('exits 78 on a bad variable, naming it and the fix, before anything starts', async () => {
    const chat = await startChat({ DATABASE_URL: databaseUrl(), DB_POOL_MAX: 'lots' });
    const exit = await chat.exited;
    expect(exit.code, chat.output()).toBe(78);
    const [error] = chat.events('service.config-error');
    const err = (error as { err: { path: string; message: string } }).err;
    expect(err.path).toBe('DB_POOL_MAX');
    expect(err.message).toContain('fix:');
    expect(chat.events('service.listening')).toEqual([]);
  });
});

describe('a DATA_DIR that is a file', () => {
  it('exits 78 naming DATA_DIR and the fix, not 1 as for a bug', async () => {
    const file = path.join(os.tmpdir(), uniqueName('phasegate-data-file'));
    await writeFile(file, 'not a directory');
    try {
      const chat = await startChat({ DATABASE_URL: databaseUrl(), DATA_DIR: path.join(file, 'sub') });
      const exit = await chat.exited;
      expect(exit.code, chat.output()).toBe(78);
      expect(chat.output()).toContain('Invalid configuration at DATA_DIR');
      expect(chat.output()).toContain('point DATA_DIR at a writable directory');
    } finally {
      await rm(file, { force: true });
    }
  });
});

describe('deterministic mode, database unreachable', () => {
  it('exits 3 within the startup budget (+1 s), and the waterfall names the database component and the class', async () => {
    const closed = await freePort(); // nothing listens there
    const budgetMs = 4_000;
    const chat = await startChat({
      DATABASE_URL: `postgres://postgres:not-a-secret-9@127.0.0.1:${closed}/test`,
      STARTUP_MODE: 'deterministic',
      STARTUP_BUDGET_MS: String(budgetMs),
    });
    const exit = await chat.exited;
    expect(exit.code, chat.output()).toBe(3);
    expect(startupToExitMs(chat, exit)).toBeLessThanOrEqual(budgetMs + 1_000);

    const out = chat.output();
    const waterfall = out.slice(out.indexOf('phasegate startup'));
    expect(waterfall).toMatch(/^\s+postgres\b.*transient/m);
    expect(waterfall).toMatch(/FAILED/);
    const failed = chat.events('service.startup-failed')[0];
    expect(failed).toMatchObject({ exitCode: 3, errorClass: 'transient' });
    expect(out).not.toContain('not-a-secret-9');
  });
});

describe('a wrong password (a server that checks passwords)', () => {
  let server: EmbeddedPostgresServer;
  beforeAll(async () => {
    server = await startEmbeddedPostgres();
  }, 120_000);
  afterAll(() => server?.stop());

  it('exits 78 in under 2 s, with exactly one connection attempt', async () => {
    const before = server.connectionsReceived();
    const chat = await startChat({
      DATABASE_URL: server.urlWith({ password: 'wrong-password-123' }),
      STARTUP_MODE: 'deterministic',
      STARTUP_BUDGET_MS: '30000',
    });
    const exit = await chat.exited;
    expect(exit.code, chat.output()).toBe(78);
    expect(startupToExitMs(chat, exit)).toBeLessThan(2_000);

    // One attempt as the instance recorded it, and one connection as the server saw it.
    const attempts = chat
      .events('orchestrator.component-attempt')
      .filter((line) => line.component === 'postgres');
    expect(attempts).toHaveLength(1);
    expect(chat.events('service.startup-failed')[0]).toMatchObject({ errorClass: 'permanent', exitCode: 78 });
    await waitUntil(() => server.connectionsReceived() > before, { message: 'server logged the attempt' });
    expect(server.connectionsReceived() - before).toBe(1);
    expect(chat.output()).not.toContain('wrong-password-123');
  });
});

describe('graceful mode, database down then back', () => {
  it('starts degraded and UNAVAILABLE (/startupz 200, /readyz 503) and recovers to FULL with /readyz 200, without a restart', async () => {
    const proxy = await TcpProxy.before(databaseUrl(), 5432);
    try {
      const chat = await startChat({
        DATABASE_URL: proxy.via(databaseUrl()),
        STARTUP_MODE: 'graceful',
        STARTUP_BUDGET_MS: '8000',
      });
      await chat.waitFor('/startupz', 200);
      expect(await chat.status('/readyz')).toBe(503);
      expect(await chat.status('/livez')).toBe(200);
      // Every API call needs the database: started, but unavailable (not ready even though the
      // example counts DEGRADED as ready).
      expect((await chat.request('GET', '/readyz')).body.trim()).toBe('unavailable');
      const degraded = JSON.parse((await chat.request('GET', '/health')).body) as Record<string, unknown>;
      expect(degraded).toMatchObject({ status: 'degraded', availability: 'UNAVAILABLE' });
      const post = await chat.request('POST', '/messages', {
        body: '{"text":"while down"}',
        headers: { 'content-type': 'application/json' },
      });
      expect(post.status).toBe(503);

      proxy.forward();
      await chat.waitFor('/readyz', 200, 45_000);
      const full = JSON.parse((await chat.request('GET', '/health')).body) as Record<string, unknown>;
      expect(full).toMatchObject({ status: 'ready', availability: 'FULL' });
      const created = await chat.request('POST', '/messages', {
        body: '{"text":"after recovery"}',
        headers: { 'content-type': 'application/json' },
      });
      expect(created.status).toBe(201);
      expect(chat.hasExited()).toBe(false);
      expect(chat.events('service.listening')).toHaveLength(1); // the same process all along
      // Log lines come through the child's stdout pipe, which may deliver them after an HTTP reply.
      await waitUntil(
        () => chat.events('orchestrator.component-recovered').some((line) => line.component === 'postgres'),
        { message: 'the recovery logged' },
      );
    } finally {
      await proxy.close();
    }
  });
});

describe('HOST', () => {
  it('binds only that address and still passes its self-check (which must call that address, not 127.0.0.1)', async () => {
    // Linux routes all of 127/8 to the loopback interface: a specific address 127.0.0.1 does not reach.
    const host = '127.0.0.2';
    const chat = await startChat({
      DATABASE_URL: databaseUrl(),
      HOST: host,
      FLEET_ADMISSION: 'local',
      STARTUP_BUDGET_MS: '8000',
    });
    const readyz = (on: string): Promise<number> =>
      chat.request('GET', '/readyz', { host: on }).then(
        (reply) => reply.status,
        () => 0,
      );
    await waitUntil(async () => chat.hasExited() || (await readyz(host)) === 200, {
      timeoutMs: 30_000,
      message: 'ready on HOST, or exited',
    });
    expect(chat.hasExited(), chat.output()).toBe(false);
    await waitUntil(() => chat.events('service.ready').length > 0, { message: 'the ready line logged' });
    expect(chat.events('service.ready')).toHaveLength(1);
    expect(await readyz('127.0.0.1')).toBe(0); // nothing listens there
  });
});

describe('Redis down (optional, degradable)', () => {
  for (const mode of ['graceful', 'deterministic'] as const) {
    it(`${mode} mode: ready and serving without it, and honest about it in /health`, async () => {
      const closed = await freePort(); // nothing listens there
      const chat = await startChat({
        DATABASE_URL: databaseUrl(),
        REDIS_URL: `redis://127.0.0.1:${closed}`,
        STARTUP_MODE: mode,
        STARTUP_BUDGET_MS: '8000',
      });
      await chat.waitFor('/readyz', 200, 20_000);
      const health = JSON.parse((await chat.request('GET', '/health')).body) as {
        status: string;
        availability: string;
        components: { name: string; state: string }[];
      };
      const redis = health.components.find((c) => c.name === 'redis');
      // Graceful: degraded and recovering in the background. Deterministic ignores `degradable`:
      // an optional component that failed is skipped and lowers nothing.
      expect([health.status, health.availability, redis?.state]).toEqual(
        mode === 'graceful' ? ['degraded', 'DEGRADED', 'degraded'] : ['ready', 'FULL', 'failed'],
      );
      const post = await chat.request('POST', '/messages', {
        body: '{"text":"no fan-out"}',
        headers: { 'content-type': 'application/json' },
      });
      expect(post.status).toBe(201);
    });
  }
});

describe('a role at its connection limit', () => {
  it('waits and backs off while the role is full, and becomes ready when a slot frees', async () => {
    const role = await roleWithSchema(2);
    const holders: pg.Client[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const client = new pg.Client({ connectionString: role.url, application_name: 'slot-holder' });
        client.on('error', () => undefined);
        await client.connect();
        holders.push(client);
      }
      const chat = await startChat({
        DATABASE_URL: role.url,
        STARTUP_MODE: 'deterministic',
        STARTUP_BUDGET_MS: '60000',
        DB_POOL_MAX: '2',
        DB_POOL_MIN_READY: '1',
        FLEET_ADMISSION: 'local',
      });
      // It keeps trying with backoff: capacity failures, more than one attempt, never an exit.
      await waitUntil(
        () =>
          chat
            .events('orchestrator.component-attempt-end')
            .filter((line) => line.component === 'postgres' && line.errorClass === 'capacity').length >= 2,
        { timeoutMs: 30_000, message: 'two capacity failures' },
      );
      expect(await chat.status('/readyz')).toBe(503);
      expect(chat.hasExited()).toBe(false);
      const failures = chat
        .events('orchestrator.component-attempt-end')
        .filter((line) => line.component === 'postgres' && line.outcome === 'error');
      const gaps = failures
        .slice(1)
        .map((line, i) => Date.parse(String(line.time)) - Date.parse(String(failures[i]!.time)));
      expect(gaps.every((gap) => gap >= 100)).toBe(true); // backed off between attempts, no hot loop

      await holders.pop()!.end();
      await chat.waitFor('/readyz', 200, 30_000);
      expect(chat.hasExited()).toBe(false);
    } finally {
      await Promise.all(holders.map((client) => client.end().catch(() => undefined)));
      await stopAllChats();
      await role.drop();
    }
  });
});
