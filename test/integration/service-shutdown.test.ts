/**
 * Issue 3, service level: stopping the chat-backend example (SIGTERM during startup and after
 * ready, and SIGHUP from a closed terminal) leaves no connection behind, and a critical component
 * that goes unhealthy after ready turns /readyz to 503 (and back) while /livez stays 200.
 */

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { Agent, get } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseUrl, uniqueName } from './helpers/database.js';
import { freePort } from './helpers/free-port.js';
import { waitUntil } from './helpers/wait-until.js';
import { httpRequest } from './health-fixtures.js';
import {
  TcpProxy,
  connectionsOf,
  noConnectionsOf,
  roleWithSchema,
  startChat,
  stopAllChats,
  type ChatInstance,
} from './service-harness.js';

afterEach(stopAllChats);

// SIGHUP is what a closed terminal sends; it stops the service exactly like SIGTERM.
describe.each(['SIGTERM', 'SIGHUP'] as const)('%s leaves no connection of the instance behind', (signal) => {
  it('during startup: exits 143 and pg_stat_activity shows none of its connections', async () => {
    // The proxy lets one connection through and leaves the next hanging, while the instance needs
    // two before it is ready: startup holds one connection open and waits for the second (until its
    // attempt times out, about 10 s: a window the poll below cannot miss).
    const role = await roleWithSchema();
    const proxy = await TcpProxy.before(role.url, 5432);
    proxy.forward(1);
    try {
      const chat = await startChat({
        DATABASE_URL: proxy.via(role.url),
        STARTUP_BUDGET_MS: '60000',
        DB_POOL_MAX: '4',
        DB_POOL_MIN_READY: '2',
        FLEET_ADMISSION: 'local',
      });
      await waitUntil(async () => (await connectionsOf(chat.instance)) >= 1, {
        timeoutMs: 30_000,
        message: 'the instance holds a connection while starting',
      });
      expect(await chat.status('/startupz')).toBe(503);
      chat.signal(signal);
      const exit = await chat.exited;
      expect(exit.code, chat.output()).toBe(143);
      expect(chat.events('service.startup-aborted')).toHaveLength(1);
      await noConnectionsOf(chat.instance);
    } finally {
      await stopAllChats();
      await proxy.close();
      await role.drop();
    }
  });

  it('after ready: drains (/readyz 503, /livez 200), exits 0, and pg_stat_activity shows none of its connections', async () => {
    const chat = await startChat({ DATABASE_URL: databaseUrl(), DRAIN_DELAY_MS: '1500', DB_POOL_MAX: '4' });
    await chat.waitFor('/readyz', 200);
    await waitUntil(async () => (await connectionsOf(chat.instance)) >= 2, { message: 'pool open' });

    chat.signal(signal);
    await waitUntil(async () => (await chat.status('/readyz')) === 503, {
      message: `readiness drops on ${signal}`,
    });
    expect(await chat.status('/livez')).toBe(200);
    const exit = await chat.exited;
    expect(exit.code, chat.output()).toBe(0);
    expect(exit.signal).toBeNull();
    await noConnectionsOf(chat.instance);
    expect(chat.events('service.draining')).toHaveLength(1);
    expect(chat.events('service.forced-exit')).toEqual([]);
  });
});

/**
 * The example without a DATABASE_URL, so on its own embedded Postgres (in a fresh data directory the
 * test removes), ready; with the postmaster's pid, read from its pid file.
 */
async function startOnEmbeddedPostgres(name: string, env: Record<string, string> = {}) {
  const dataDir = path.join(os.tmpdir(), uniqueName(name));
  const chat = await startChat({
    DATABASE_URL: undefined,
    DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(await freePort()),
    FLEET_ADMISSION: 'local',
    ...env,
  });
  await chat.waitFor('/readyz', 200, 90_000);
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  const postmaster = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  return { chat, dataDir, pidFile, postmaster };
}

describe('SIGHUP from a closed terminal', () => {
  it('with no one left to read its output, stops the embedded Postgres and exits 0', async () => {
    // `npm start` in a terminal that is then closed: the output goes nowhere (writes fail) and
    // SIGHUP arrives. Without a DATABASE_URL the example runs its own Postgres, which must not be
    // left running.
    const { chat, dataDir, pidFile, postmaster } = await startOnEmbeddedPostgres('phasegate-hup');
    expect(alive(postmaster)).toBe(true);

    chat.child.stdout!.destroy();
    chat.child.stderr!.destroy();
    chat.signal('SIGHUP');
    const exit = await chat.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
    // A clean shutdown removes postmaster.pid; a killed or orphaned server leaves it behind.
    expect(alive(postmaster)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);
    await rm(dataDir, { recursive: true, force: true });
  }, 120_000);
});

describe('a forced exit (a second, different stop signal during the drain)', () => {
  it('still stops the embedded Postgres instead of leaving it running', async () => {
    const { chat, dataDir, pidFile, postmaster } = await startOnEmbeddedPostgres('phasegate-forced', {
      DRAIN_DELAY_MS: '20000',
      GRACE_PERIOD_MS: '25000',
    });

    chat.signal('SIGTERM');
    await waitUntil(() => chat.events('service.draining').length > 0, { message: 'draining' });
    chat.signal('SIGINT'); // not a duplicate of the first: exit now, skipping the orderly stop
    const exit = await chat.exited;
    expect(exit.code, chat.output()).toBe(130);
    expect(chat.events('service.forced-exit')).toHaveLength(1);
    await waitUntil(() => !alive(postmaster), { timeoutMs: 15_000, message: 'embedded Postgres stopped' });
    expect(existsSync(pidFile)).toBe(false); // a clean (fast) shutdown, not a kill
    await rm(dataDir, { recursive: true, force: true });
  }, 120_000);
});

describe('npm start (the main job as the README runs it)', () => {
  it('SIGTERM to npm reaches the service: it drains, exits 0, and nothing is left running', async () => {
    const port = await freePort();
    const npm = spawn('npm', ['start'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, DATABASE_URL: databaseUrl(), PORT: String(port), DRAIN_DELAY_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    npm.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => npm.on('close', (code) => resolve(code)));
    try {
      await waitUntil(async () => (await httpRequest(`http://127.0.0.1:${port}/readyz`)).status === 200, {
        timeoutMs: 60_000,
        message: 'ready',
      });
      const service = Number(/"pid":(\d+)/.exec(output)?.[1]);
      expect(service).not.toBe(npm.pid); // npm runs the service as its child
      npm.kill('SIGTERM');
      expect(await exited, output).toBe(0);
      expect(output).toContain('"event":"service.exit","exitCode":0');
      expect(alive(service)).toBe(false);
    } finally {
      npm.kill('SIGKILL');
    }
  }, 90_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A ready instance whose database, reached through `proxy`, then goes away (open connections are
 * cut, new ones reset), once its health check has noticed (`/readyz` 503).
 */
async function chatWhoseDatabaseWentAway(proxy: TcpProxy): Promise<ChatInstance> {
  proxy.forward();
  const chat = await startChat({ DATABASE_URL: proxy.via(databaseUrl()), HEALTH_CHECK_INTERVAL_MS: '300' });
  await chat.waitFor('/readyz', 200);
  proxy.refuse();
  await chat.waitFor('/readyz', 503, 20_000);
  return chat;
}

describe('a critical component going unhealthy after ready', () => {
  it('turns /readyz to 503 while /livez stays 200, and back to 200 when it recovers', async () => {
    const proxy = await TcpProxy.before(databaseUrl(), 5432);
    try {
      const chat = await chatWhoseDatabaseWentAway(proxy);
      expect(await chat.status('/livez')).toBe(200);
      const health = JSON.parse((await chat.request('GET', '/health')).body) as {
        components: Array<{ name: string; state: string }>;
      };
      expect(health.components.find((c) => c.name === 'postgres')?.state).toBe('unhealthy');

      proxy.forward();
      await chat.waitFor('/readyz', 200, 30_000);
      expect(chat.hasExited()).toBe(false);
      const reply = await chat.request('GET', '/messages?after=0');
      expect(reply.status).toBe(200);
    } finally {
      await proxy.close();
    }
  });
});

describe('the chat API while the database is unhealthy after ready', () => {
  it('answers 503 at once (database unavailable) instead of waiting out the pool for each request', async () => {
    const proxy = await TcpProxy.before(databaseUrl(), 5432);
    try {
      const chat = await chatWhoseDatabaseWentAway(proxy);
      const before = chat.events('http.error').length;
      for (const [method, path, body] of [
        ['GET', '/messages?after=0', undefined],
        ['POST', '/messages', '{"text":"while down"}'],
      ] as const) {
        const reply = await chat.request(method, path, {
          ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}),
        });
        expect(reply.status, `${method} ${path}`).toBe(503);
        expect(reply.headers['retry-after']).toBe('1');
      }
      // The log line travels through the child's stdout pipe, which may deliver it after the reply.
      await waitUntil(() => chat.events('http.error').length >= before + 2, {
        message: 'both errors logged',
      });
      const errors = chat.events('http.error').slice(before);
      expect(errors.map((line) => (line.err as { code?: string }).code)).toEqual([
        'CHAT_DATABASE_UNAVAILABLE',
        'CHAT_DATABASE_UNAVAILABLE',
      ]);

      proxy.forward();
      await chat.waitFor('/readyz', 200, 30_000);
      expect((await chat.request('GET', '/messages?after=0')).status).toBe(200);
    } finally {
      await proxy.close();
    }
  });
});

describe('connections are released on a clean stop even when clients are connected', () => {
  it('closes keep-alive HTTP clients and WebSocket clients within the grace period', async () => {
    const chat = await startChat({ DATABASE_URL: databaseUrl(), DRAIN_DELAY_MS: '100' });
    await chat.waitFor('/readyz', 200);
    // An idle keep-alive HTTP connection...
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) =>
      get({ host: '127.0.0.1', port: chat.port, path: '/livez', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject),
    );
    // ...and an open WebSocket.
    const { WebSocket } = await import('ws');
    const socket = new WebSocket(`ws://127.0.0.1:${chat.port}/ws`);
    await new Promise<void>((resolve, reject) => socket.once('open', () => resolve()).once('error', reject));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    const signalledAt = Date.now();
    chat.signal('SIGTERM');
    expect(await closed).toBe(1001);
    const exit = await chat.exited;
    expect(exit.code).toBe(0);
    // The WebSocket is closed before the HTTP server, so an open socket does not hold the close
    // until its timeout: the whole stop takes the drain delay plus a little.
    expect(exit.at - signalledAt).toBeLessThan(3_000);
    agent.destroy();
    await noConnectionsOf(chat.instance);
  });
});
