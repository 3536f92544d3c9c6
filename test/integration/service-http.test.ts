/**
 * Issue 3, service level: the chat-backend example's HTTP surface on one port: `/health` redacted
 * and detailed only for loopback or a bearer token, the chat API, and the WebSocket broadcast (across
 * instances through Redis).
 */

import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { databaseUrl, withAdmin, withCredentials } from './helpers/database.js';
import { requireRedis } from './helpers/redis.js';
import { waitUntil } from './helpers/wait-until.js';
import { TcpProxy, roleWithSchema, startChat, stopAllChats, type ChatInstance } from './service-harness.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const TOKEN = 'health-token-0123456789abcdef';

describe('/health: redacted, full detail only for loopback or the token', () => {
  let role: Awaited<ReturnType<typeof roleWithSchema>>;
  let chat: ChatInstance;
  const password = 'Sup3r-secret-pw-42';

  beforeAll(async () => {
    role = await roleWithSchema();
    // The role's real password is in the URL the instance gets; it must never be shown.
    await withAdmin((client) =>
      client.query(
        `ALTER ROLE ${client.escapeIdentifier(role.name)} PASSWORD ${client.escapeLiteral(password)}`,
      ),
    );
    chat = await startChat({
      DATABASE_URL: withCredentials(databaseUrl(), role.name, password),
      HEALTH_TOKEN: TOKEN,
    });
    await chat.waitFor('/readyz', 200);
  }, 90_000);
  afterAll(async () => {
    await stopAllChats();
    await role?.drop();
  });

  it('gives loopback callers the full snapshot, with no password anywhere', async () => {
    const reply = await chat.request('GET', '/health');
    expect(reply.status).toBe(200);
    const body = JSON.parse(reply.body) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ready', availability: 'FULL' });
    expect(Array.isArray(body.phases)).toBe(true);
    expect((body.components as Array<{ name: string }>).map((c) => c.name)).toContain('postgres');
    expect(reply.body).not.toContain(password);
    expect(chat.output()).not.toContain(password);
    expect(chat.output()).not.toContain(TOKEN);
  });

  it('gives a forwarded (non-loopback) caller only {status}, and the full snapshot with the bearer token', async () => {
    const forwarded = { 'x-forwarded-for': '203.0.113.7' };
    const anonymous = await chat.request('GET', '/health', { headers: forwarded });
    expect(JSON.parse(anonymous.body)).toEqual({ status: 'ready' });
    const wrong = await chat.request('GET', '/health', {
      headers: { ...forwarded, authorization: 'Bearer nope' },
    });
    expect(JSON.parse(wrong.body)).toEqual({ status: 'ready' });
    const withToken = await chat.request('GET', '/health', {
      headers: { ...forwarded, authorization: `Bearer ${TOKEN}` },
    });
    expect(Object.keys(JSON.parse(withToken.body) as object)).toEqual(
      expect.arrayContaining(['status', 'availability', 'phases', 'components']),
    );
    expect(withToken.body).not.toContain(password);
  });

  it('serves /metrics in Prometheus text format on the same port', async () => {
    const reply = await chat.request('GET', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatch(/^# (HELP|TYPE) /m);
    expect(reply.body).not.toContain(password);
  });
});

describe('the chat API and the WebSocket broadcast', () => {
  afterEach(stopAllChats);

  it('stores messages (201), lists them in id order after an id, rejects bad bodies with a reason, and broadcasts', async () => {
    const role = await roleWithSchema();
    try {
      const chat = await startChat({ DATABASE_URL: role.url });
      await chat.waitFor('/readyz', 200);
      const socket = new WebSocket(`ws://127.0.0.1:${chat.port}/ws`);
      const received: unknown[] = [];
      socket.on('message', (data) => received.push(JSON.parse(String(data))));
      await new Promise<void>((resolve, reject) =>
        socket.once('open', () => resolve()).once('error', reject),
      );

      const first = await chat.request('POST', '/messages', {
        body: '{"text":"hello"}',
        headers: JSON_HEADERS,
      });
      expect(first.status).toBe(201);
      const one = JSON.parse(first.body) as { id: number; text: string; createdAt: string };
      expect(one).toMatchObject({ text: 'hello' });
      expect(Number.isNaN(Date.parse(one.createdAt))).toBe(false);
      const second = JSON.parse(
        (await chat.request('POST', '/messages', { body: '{"text":"world"}', headers: JSON_HEADERS })).body,
      ) as { id: number };
      expect(second.id).toBeGreaterThan(one.id);

      const all = JSON.parse((await chat.request('GET', '/messages?after=0')).body) as Array<{ id: number }>;
      expect(all.map((m) => m.id)).toEqual([one.id, second.id]);
      const after = JSON.parse((await chat.request('GET', `/messages?after=${one.id}`)).body) as Array<{
        text: string;
      }>;
      expect(after.map((m) => m.text)).toEqual(['world']);

      for (const [body, reason] of [
        ['{"text":""}', 'empty'],
        [JSON.stringify({ text: 'x'.repeat(4001) }), '4000'],
        ['{"text":42}', 'string'],
        ['not json', 'JSON'],
      ] as const) {
        const bad = await chat.request('POST', '/messages', { body, headers: JSON_HEADERS });
        expect(bad.status, body).toBe(400);
        expect((JSON.parse(bad.body) as { error: string }).error).toContain(reason);
      }
      expect((await chat.request('GET', '/messages?after=abc')).status).toBe(400);

      await waitUntil(() => received.length === 2, { message: 'two broadcasts' });
      expect(received).toEqual([JSON.parse(first.body), expect.objectContaining({ text: 'world' })]);
      socket.close();
    } finally {
      await stopAllChats();
      await role.drop();
    }
  });

  /**
   * Two instances on one database and Redis (with `extra` settings for both): a message posted to
   * the first reaches a WebSocket client of the second, once.
   */
  async function expectFanOut(extra: Record<string, string>, text: string): Promise<void> {
    const redisUrl = requireRedis();
    const role = await roleWithSchema();
    try {
      const env = { DATABASE_URL: role.url, REDIS_URL: redisUrl, ...extra };
      const [a, b] = await Promise.all([startChat(env), startChat(env)]);
      await Promise.all([a!.waitFor('/readyz', 200), b!.waitFor('/readyz', 200)]);
      const socket = new WebSocket(`ws://127.0.0.1:${b!.port}/ws`);
      const received: Array<{ text: string }> = [];
      socket.on('message', (data) => received.push(JSON.parse(String(data)) as { text: string }));
      await new Promise<void>((resolve, reject) =>
        socket.once('open', () => resolve()).once('error', reject),
      );
      const posted = await a!.request('POST', '/messages', {
        body: JSON.stringify({ text }),
        headers: JSON_HEADERS,
      });
      expect(posted.status).toBe(201);
      await waitUntil(() => received.some((m) => m.text === text), {
        message: `fan-out of "${text}" to the other instance`,
      });
      expect(received).toHaveLength(1); // and not delivered twice
      socket.close();
    } finally {
      await stopAllChats();
      await role.drop();
    }
  }

  it('fans messages out across instances through Redis', async () => {
    await expectFanOut({}, 'via redis');
  });

  it('fans out between instances that share an APP_INSTANCE name (the same pid in every container)', async () => {
    // Each process's origin is unique even when the name is not: otherwise each drops the other's
    // messages as its own.
    await expectFanOut({ APP_INSTANCE: `chat-${process.pid}-same` }, 'same name');
  });

  it('keeps serving through a Redis outage after ready (deterministic: FULL, redis unhealthy) and fans out again after it', async () => {
    const redisUrl = requireRedis();
    const proxy = await TcpProxy.before(redisUrl, 6379);
    const role = await roleWithSchema();
    try {
      proxy.forward();
      const [a, b] = await Promise.all([
        startChat({ DATABASE_URL: role.url, REDIS_URL: proxy.via(redisUrl) }),
        startChat({ DATABASE_URL: role.url, REDIS_URL: redisUrl }),
      ]);
      await Promise.all([a!.waitFor('/readyz', 200), b!.waitFor('/readyz', 200)]);
      const redisOf = async (chat: ChatInstance) => {
        const health = JSON.parse((await chat.request('GET', '/health')).body) as {
          availability: string;
          components: Array<{ name: string; state: string }>;
        };
        return [health.availability, health.components.find((c) => c.name === 'redis')?.state];
      };

      // Down, and reconnects met by a reset mid-handshake (a proxy in front of a dead Redis).
      proxy.resetOnData();
      await waitUntil(async () => (await redisOf(a!))[1] === 'unhealthy', { message: 'redis unhealthy' });
      expect(await redisOf(a!)).toEqual(['FULL', 'unhealthy']);
      expect(await a!.status('/readyz')).toBe(200);
      for (const text of ['during 1', 'during 2', 'during 3']) {
        const during = await a!.request('POST', '/messages', {
          body: JSON.stringify({ text }),
          headers: JSON_HEADERS,
        });
        expect(during.status).toBe(201);
      }
      // Three failed publishes within 10 s: one warning, not one per message.
      await waitUntil(() => a!.events('chat.fanout-publish-failed').length > 0, {
        message: 'a fanout-publish-failed warning',
      });
      expect(a!.events('chat.fanout-publish-failed')).toEqual([
        expect.objectContaining({ level: 'warn', occurrences: 1 }),
      ]);

      proxy.forward();
      await waitUntil(async () => (await redisOf(a!))[1] === 'ready', {
        timeoutMs: 20_000,
        message: 'redis ready again on the instance behind the proxy',
      });
      const socket = new WebSocket(`ws://127.0.0.1:${b!.port}/ws`);
      const received: Array<{ text: string }> = [];
      socket.on('message', (data) => received.push(JSON.parse(String(data)) as { text: string }));
      await new Promise<void>((resolve, reject) =>
        socket.once('open', () => resolve()).once('error', reject),
      );
      const after = await a!.request('POST', '/messages', {
        body: '{"text":"after"}',
        headers: JSON_HEADERS,
      });
      expect(after.status).toBe(201);
      await waitUntil(() => received.some((m) => m.text === 'after'), {
        message: 'fan-out to the other instance after the outage',
      });
      socket.close();
    } finally {
      await stopAllChats();
      await proxy.close();
      await role.drop();
    }
  });
});
