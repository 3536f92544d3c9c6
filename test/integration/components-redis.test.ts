/**
 * The Redis component against a real Redis (REDIS_URL or redis://127.0.0.1:6379). Each client is
 * named (CLIENT SETNAME) so the test can see in CLIENT LIST that none is left.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisComponent } from '../../src/components/redis.js';
import { classify } from '../../src/errors/classify.js';
import { exitCodeFor } from '../../src/errors/exit-codes.js';
import { createOrchestrator } from '../../src/orchestrator/index.js';
import { constantBackoff } from '../../src/policies/backoff/constant-backoff.js';
import type { Backoff } from '../../src/policies/backoff/backoff.js';
import { retry } from '../../src/policies/retry.js';
import { timeout } from '../../src/policies/timeout.js';
import { wrap } from '../../src/policies/wrap.js';
import { testComponentContext } from '../../src/testing/component-context.js';
import { uniqueName } from './helpers/database.js';
import { freePort } from './helpers/free-port.js';
import { requireRedis } from './helpers/redis.js';
import { startRedisServer } from './helpers/redis-server.js';
import { waitUntil } from './helpers/wait-until.js';
import { TcpProxy } from './service-harness.js';

let url: string;
let admin: Redis;

/** An IPv4 address of this machine other than loopback, for a client that is not local. */
const outsideAddress = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;

beforeAll(async () => {
  url = requireRedis();
  admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
});
afterAll(() => {
  admin?.disconnect();
});

async function clientsNamed(name: string): Promise<number> {
  const list = (await admin.client('LIST')) as string;
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

describe('redisComponent (real Redis)', () => {
  it('starts, checks with PING, and stop() leaves no connection', async () => {
    const connectionName = uniqueName('redis-component');
    const spec = redisComponent({ url, options: { connectionName } });
    const client = await spec.start(testComponentContext().ctx);
    expect(await clientsNamed(connectionName)).toBe(1);
    await expect(spec.check!(client, { signal: AbortSignal.timeout(5_000) })).resolves.toBeUndefined();
    await spec.stop!(client, { signal: AbortSignal.timeout(5_000) });
    await waitUntil(async () => (await clientsNamed(connectionName)) === 0, { message: 'client gone' });
  });

  it('with reconnect: false, stays closed after the server dropped it, until check reconnects', async () => {
    const connectionName = uniqueName('redis-reconnect');
    const spec = redisComponent({ url, options: { connectionName }, reconnect: false });
    const client = await spec.start(testComponentContext().ctx);
    await admin.call('CLIENT', 'KILL', 'ID', String(await client.client('ID')));
    await waitUntil(() => client.status === 'end', { message: 'client noticed the drop' });
    await expect(spec.check!(client, { signal: AbortSignal.timeout(5_000) })).resolves.toBeUndefined();
    expect(client.status).toBe('ready');
    await spec.stop!(client, { signal: AbortSignal.timeout(5_000) });
  });

  it("a reconnect Backoff without a usable duration waits 5 s, not ioredis's 1 ms loop", async () => {
    for (const duration of [Number.NaN, Infinity, -1, undefined, 2 ** 40]) {
      const backoff = { start: () => ({ duration, next: () => ({ duration }) }) } as unknown as Backoff;
      const spec = redisComponent({ url, reconnect: backoff });
      const client = await spec.start(testComponentContext().ctx);
      try {
        // The strategy ioredis calls when the started client's connection drops.
        const strategy = client.options.retryStrategy!;
        const expected = duration === 2 ** 40 ? 2 ** 31 - 1 : 5_000;
        expect([strategy(1), strategy(2)]).toEqual([expected, expected]);
      } finally {
        await spec.stop!(client, { signal: AbortSignal.timeout(5_000) });
      }
    }
  });

  it('reconnects on its own after the connection dropped; check says transient meanwhile', async () => {
    const proxy = await TcpProxy.before(url, 6379);
    try {
      proxy.forward();
      const spec = redisComponent({ url: proxy.via(url), reconnect: constantBackoff(50) });
      const client = await spec.start(testComponentContext().ctx);
      proxy.refuse(); // cuts the connection, and refuses the reconnects
      await waitUntil(() => client.status === 'reconnecting' || client.status === 'connecting', {
        message: 'client reconnecting',
      });
      const error: unknown = await Promise.resolve(
        spec.check!(client, { signal: AbortSignal.timeout(5_000) }),
      ).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(classify(error)).toBe('transient');
      expect((error as Error).message).toContain('reconnecting');
      proxy.forward();
      await waitUntil(() => client.status === 'ready', { message: 'reconnected without a check' });
      await expect(client.ping()).resolves.toBe('PONG');
      await expect(spec.check!(client, { signal: AbortSignal.timeout(5_000) })).resolves.toBeUndefined();
      await spec.stop!(client, { signal: AbortSignal.timeout(5_000) });
      // 'end' is where ioredis goes when it decided not to reconnect ('reconnecting' otherwise).
      await waitUntil(() => client.status === 'end', { message: 'client ended after stop' });
    } finally {
      await proxy.close();
    }
  });

  it('recovers after reconnect attempts that were accepted and then reset (mid-handshake)', async () => {
    // What a load balancer or proxy in front of a Redis that is down does. ioredis (enableReadyCheck
    // off) marked such an attempt 'ready' once its handshake commands failed: a closed stream that
    // no reconnect ever replaced, and every check failed from then on.
    const proxy = await TcpProxy.before(url, 6379);
    try {
      proxy.forward();
      const spec = redisComponent({ url: proxy.via(url), reconnect: constantBackoff(50) });
      const client = await spec.start(testComponentContext().ctx);
      let attempts = 0;
      client.on('reconnecting', () => attempts++);
      proxy.resetOnData();
      await waitUntil(() => attempts >= 2, { message: 'a reconnect attempt reset mid-handshake' });
      proxy.forward();
      await waitUntil(
        () =>
          Promise.resolve(spec.check!(client, { signal: AbortSignal.timeout(2_000) })).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 15_000, message: 'check passes again after the proxy forwards' },
      );
      await expect(client.ping()).resolves.toBe('PONG');
      await spec.stop!(client, { signal: AbortSignal.timeout(5_000) });
    } finally {
      await proxy.close();
    }
  });

  it('a check whose PING went unanswered drops the connection, so a dark one is replaced at once', async () => {
    // A network path that went dark (no reply, no reset) keeps the client 'ready' until TCP gives
    // up, minutes later: every check timed out meanwhile, and nothing reconnected it.
    for (const reconnect of [constantBackoff(50), false] as const) {
      const proxy = await TcpProxy.before(url, 6379);
      const connectionName = uniqueName('redis-dark');
      try {
        proxy.forward();
        const spec = redisComponent({ url: proxy.via(url), options: { connectionName }, reconnect });
        const client = await spec.start(testComponentContext().ctx);
        proxy.stallOpen();
        await expect(spec.check!(client, { signal: AbortSignal.timeout(200) })).rejects.toThrow();
        await waitUntil(
          () =>
            Promise.resolve(spec.check!(client, { signal: AbortSignal.timeout(1_000) })).then(
              () => true,
              () => false,
            ),
          {
            timeoutMs: 5_000,
            message: `check passes again on a new connection (reconnect: ${reconnect ? 'a backoff' : 'false'})`,
          },
        );
        await spec.stop!(client, { signal: AbortSignal.timeout(5_000) });
      } finally {
        await proxy.close(); // also cuts the dark connection, which Redis itself still holds
      }
      await waitUntil(async () => (await clientsNamed(connectionName)) === 0, { message: 'clients gone' });
    }
  });

  it('so does a check whose PING ran out of options.commandTimeout before the check’s own timeout', async () => {
    const proxy = await TcpProxy.before(url, 6379);
    const connectionName = uniqueName('redis-dark-command-timeout');
    try {
      proxy.forward();
      const spec = redisComponent({
        url: proxy.via(url),
        options: { connectionName, commandTimeout: 100 },
        reconnect: constantBackoff(50),
      });
      const client = await spec.start(testComponentContext().ctx);
      proxy.stallOpen();
      await expect(spec.check!(client, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow(
        /Command timed out/,
      );
      await waitUntil(
        () =>
          Promise.resolve(spec.check!(client, { signal: AbortSignal.timeout(1_000) })).then(
            () => true,
            () => false,
          ),
        { timeoutMs: 5_000, message: 'check passes again on a new connection' },
      );
      await spec.stop!(client, { signal: AbortSignal.timeout(5_000) });
    } finally {
      await proxy.close();
    }
    await waitUntil(async () => (await clientsNamed(connectionName)) === 0, { message: 'clients gone' });
  });

  it('a wrong password is permanent, and the password appears in no message', async () => {
    const user = uniqueName('phasegate_user');
    await admin.call('ACL', 'SETUSER', user, 'on', '>right-password-3d1', '~*', '+@all');
    try {
      const secret = 'wrong-password-77af';
      const spec = redisComponent({ url: url.replace('redis://', `redis://${user}:${secret}@`) });
      const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
      expect(classify(error)).toBe('permanent');
      expect(error).toMatchObject({
        code: 'PG_ERR_DEPENDENCY',
        driverCode: 'WRONGPASS',
        dependency: 'redis',
      });
      expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain(secret);
    } finally {
      await admin.call('ACL', 'DELUSER', user);
    }
  });

  it('a user the ACL does not allow PING is permanent (exit 78) with a hint, not a bug', async () => {
    const user = uniqueName('phasegate_noperm');
    await admin.call('ACL', 'SETUSER', user, 'on', '>right-password-5c2', '-@all');
    try {
      const spec = redisComponent({ url: url.replace('redis://', `redis://${user}:right-password-5c2@`) });
      const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', dependency: 'redis', driverCode: 'NOPERM' });
      expect((error as Error).message).toMatch(/no permissions to run the 'ping' command/);
      expect(classify(error)).toBe('permanent');
      expect(exitCodeFor(error)).toBe(78);
      expect((error as { hint?: string }).hint).toMatch(/ACL/);
    } finally {
      await admin.call('ACL', 'DELUSER', user);
    }
  });

  it.skipIf(outsideAddress === undefined)(
    'a server in protected mode refusing a client not on its loopback interface (DENIED) is permanent with a hint, not "Connection is closed"',
    async () => {
      // Redis in protected mode (the default, with no password for the default user) writes
      // "-DENIED ..." to such a client and closes. ioredis's CLIENT SETINFO writes draw the closed
      // socket's reset before the reply is read (and it drops the reply when it is read), so the
      // attempt saw "Connection is closed" or EPIPE; the component asks on a connection of its own.
      const address = outsideAddress!;
      const server = await startRedisServer(10_000, [
        '--bind',
        '127.0.0.1',
        address,
        '--protected-mode',
        'yes',
      ]);
      expect(server, 'redis-server must be installed').toBeDefined();
      try {
        const spec = redisComponent({ url: `redis://${address}:${server!.port}` });
        // Several attempts: before, one in a few happened to read the reply (and classed it internal).
        for (let attempt = 0; attempt < 10; attempt++) {
          const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
          expect(error).toMatchObject({
            code: 'PG_ERR_DEPENDENCY',
            dependency: 'redis',
            driverCode: 'DENIED',
          });
          expect((error as Error).message).toBe(
            `redis ${address}:${server!.port}/0: DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user.`,
          );
          expect(classify(error)).toBe('permanent');
          expect(exitCodeFor(error)).toBe(78);
          expect((error as { hint?: string }).hint).toMatch(/protected mode.*password.*protected-mode no/);
        }
      } finally {
        await server!.stop();
      }
    },
  );

  it('an unreachable server is transient (the policy retries it)', async () => {
    const port = await freePort();
    const spec = redisComponent({ url: `redis://127.0.0.1:${port}` });
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect(classify(error)).toBe('transient');
    expect(error).toMatchObject({ driverCode: 'ECONNREFUSED' });
  });

  it('an unreachable rediss:// server: the error says TLS was used, and never the password', async () => {
    const port = await freePort();
    const spec = redisComponent({ url: `rediss://app:hunter2@127.0.0.1:${port}/3` });
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', target: `rediss://127.0.0.1:${port}/3` });
    expect((error as Error).message).toContain(`redis rediss://127.0.0.1:${port}/3: `);
    expect(`${(error as Error).message} ${JSON.stringify(error)}`).not.toContain('hunter2');
  });

  it('a host name that does not resolve (ENOTFOUND) is transient, with the hint to check it', async () => {
    // Retried within the budget: at a cold start the name is often one that will resolve (a pod
    // not ready yet behind a headless service); a mistyped one ends at the deadline with the hint.
    const spec = redisComponent({ url: 'redis://no-such-host.invalid:6379' });
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', dependency: 'redis', driverCode: 'ENOTFOUND' });
    expect(classify(error)).toBe('transient');
    expect(exitCodeFor(error)).toBe(3);
    expect((error as { hint?: string }).hint).toBe('check the host name');
  });

  it('an address where something other than Redis answers is config (exit 78), not a bug', async () => {
    const web = http.createServer((_request, response) => response.writeHead(400).end());
    web.on('connection', (socket) => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = web.address() as net.AddressInfo;
      const spec = redisComponent({ url: `redis://127.0.0.1:${port}` });
      const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', dependency: 'redis' });
      expect(classify(error)).toBe('config');
      expect(exitCodeFor(error)).toBe(78);
      expect((error as { hint?: string }).hint).toMatch(/does not answer as Redis/);
    } finally {
      web.closeAllConnections();
      await new Promise<void>((resolve) => web.close(() => resolve()));
    }
  });

  it('rediss:// to a plain Redis times out at connectTimeoutMs, and the hint says to check the scheme', async () => {
    // The plain server reads the TLS ClientHello as the start of an inline command and waits for
    // the rest: no reply, so nothing fails faster than the connect timeout (no TLS handshake bound in
    // ioredis or node:tls). It stays transient: a TLS server that is slow looks the same.
    const tls = new URL(url);
    tls.protocol = 'rediss:';
    const spec = redisComponent({ url: tls.toString(), connectTimeoutMs: 300 });
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'PG_ERR_DEPENDENCY',
      dependency: 'redis',
      driverCode: 'ETIMEDOUT',
      classification: 'transient',
    });
    expect((error as { hint?: string }).hint).toContain('rediss:// to a server without TLS');
  });

  it('rediss:// to a plain Redis: the scheme hint also when the attempt timeout is no longer than connectTimeoutMs', async () => {
    // The default policy bounds a first attempt at 10 s, as long as the default connectTimeoutMs:
    // the attempt's timeout fired first and the hint never showed. Here both bounds are 1.5 s.
    const tls = new URL(url);
    tls.protocol = 'rediss:';
    const orchestrator = createOrchestrator(
      {
        phases: [
          {
            name: 'cache',
            components: [
              redisComponent({
                url: tls.toString(),
                connectTimeoutMs: 1_500,
                policy: wrap(retry({ maxAttempts: 1 }), timeout({ ms: 1_500 })),
              }),
            ],
          },
        ],
      },
      { mode: 'deterministic', budgetMs: 5_000 },
    );
    try {
      const error = await orchestrator.start().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PG_ERR_COMPONENT_FAILED', classification: 'transient' });
      expect((error as { hint?: string }).hint).toContain('rediss:// to a server without TLS');
      expect(orchestrator.snapshot().components[0]!.lastError).toMatchObject({ code: 'PG_ERR_DEPENDENCY' });
    } finally {
      await orchestrator.stop();
    }
  });

  it('a PING unanswered within options.commandTimeout is transient, and its socket is dropped', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      socket.resume();
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const spec = redisComponent({ url: `redis://127.0.0.1:${port}`, options: { commandTimeout: 200 } });
      const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', dependency: 'redis' });
      expect((error as Error).message).toContain('Command timed out');
      expect(classify(error)).toBe('transient');
      expect(exitCodeFor(error)).toBe(3);
      await waitUntil(() => sockets.size === 0, { message: 'socket closed after the failed attempt' });
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('honours the attempt signal: a server that never answers is dropped on abort', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      socket.resume(); // read (and ignore) what the client sends, as a real server would
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const spec = redisComponent({ url: `redis://127.0.0.1:${port}` });
      const t = testComponentContext();
      const starting = spec.start(t.ctx).catch((e: unknown) => e);
      await waitUntil(() => sockets.size === 1, { message: 'client connected' });
      t.attempt.abort(new Error('attempt timed out'));
      expect(((await starting) as Error).message).toBe('attempt timed out');
      await waitUntil(() => sockets.size === 0, { message: 'socket closed after abort' });
    } finally {
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('a server still loading its dataset fails the attempt as capacity (LOADING), not a hang', async () => {
    // A Redis of its own, made to load slowly: DEBUG RELOAD with a per-key delay keeps it answering
    // LOADING for seconds (the connection that sent DEBUG RELOAD waits until it is done).
    // DEBUG RELOAD writes dump.rdb into the server's directory: a temporary one, not the checkout.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'phasegate-redis-'));
    const server = await startRedisServer(10_000, ['--enable-debug-command', 'yes', '--dir', dir]);
    expect(server, 'redis-server must be installed').toBeDefined();
    const direct = { lazyConnect: true, maxRetriesPerRequest: 0, enableReadyCheck: false };
    const loader = new Redis(server!.url, direct);
    const watcher = new Redis(server!.url, direct);
    for (const client of [loader, watcher]) client.on('error', () => undefined);
    try {
      await Promise.all([loader.connect(), watcher.connect()]);
      await loader.call('DEBUG', 'POPULATE', '20000');
      await loader.call('CONFIG', 'SET', 'key-load-delay', '1000');
      await loader.call('CONFIG', 'SET', 'loading-process-events-interval-bytes', '1024');
      void loader.call('DEBUG', 'RELOAD').catch(() => undefined);
      await waitUntil(async () => /^LOADING/.test(await watcher.ping().catch((e: Error) => e.message)), {
        message: 'server loading',
      });

      const spec = redisComponent({ url: server!.url });
      const t = testComponentContext();
      // Without a LOADING answer the attempt would wait out the load: end it the way a timeout would.
      const bound = setTimeout(() => t.attempt.abort(new Error('attempt timed out')), 5_000);
      const error = await spec.start(t.ctx).catch((e: unknown) => e);
      clearTimeout(bound);
      expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', driverCode: 'LOADING', dependency: 'redis' });
      expect(classify(error)).toBe('capacity');
    } finally {
      loader.disconnect();
      watcher.disconnect();
      await server!.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
