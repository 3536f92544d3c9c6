/**
 * The chat-backend example's API against unusual but legal input, on a real instance and Postgres:
 * bodies written with JSON escapes, request targets the URL parser does not take as a path, and
 * content types that only start like `application/json`.
 */

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_ORDER_LOCK } from '../../examples/chat-backend/chat-service.js';
import { withAdmin } from './helpers/database.js';
import { waitUntil } from './helpers/wait-until.js';
import { roleWithSchema, startChat, stopAllChats, type ChatInstance } from './service-harness.js';

const JSON_HEADERS = { 'content-type': 'application/json' };
const LIMIT = 4000;

/** `value` as JSON with every non-ASCII character escaped (`\u00e9`, `\ud83d\ude00`), as many encoders write it. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u0080-\uffff]/g,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Send one raw HTTP/1.1 request (a target `http.request` would not send as is); the status line. */
async function rawStatusLine(port: number, target: string): Promise<string> {
  const head = await rawExchange(
    port,
    `GET ${target} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n`,
  );
  return head.split('\r\n')[0] ?? '';
}

/**
 * Write `request` as is on a new connection and resolve with the answer's head (status line and
 * headers) as soon as it has come (the request may be unfinished), or with what came when the
 * server closed.
 */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString();
      if (answer.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer.split('\r\n\r\n')[0] ?? ''));
  });
}

describe('the chat API with unusual input', () => {
  let role: Awaited<ReturnType<typeof roleWithSchema>>;
  let chat: ChatInstance;

  beforeAll(async () => {
    role = await roleWithSchema();
    chat = await startChat({ DATABASE_URL: role.url });
    await chat.waitFor('/readyz', 200);
  }, 90_000);
  afterAll(async () => {
    await stopAllChats();
    await role?.drop();
  });

  const post = (body: string, headers: Record<string, string> = JSON_HEADERS) =>
    chat.request('POST', '/messages', { body, headers });

  it('accepts 4,000 characters written with JSON escapes, and rejects 4,001 with the reason, not 413', async () => {
    for (const character of ['é', '😀']) {
      const text = character.repeat(LIMIT);
      const stored = await post(asciiJson({ text }));
      expect(stored.status, `${LIMIT} x ${character}`).toBe(201);
      expect((JSON.parse(stored.body) as { text: string }).text).toBe(text);

      const tooLong = await post(asciiJson({ text: character.repeat(LIMIT + 1) }));
      expect(tooLong.status, `${LIMIT + 1} x ${character}`).toBe(400);
      expect((JSON.parse(tooLong.body) as { error: string }).error).toContain(`${LIMIT} characters`);
    }
    // Far past any message: refused, and the connection closed (Node does so for a body left unread)
    // rather than the rest read and dropped.
    const huge = await post(JSON.stringify({ text: 'x'.repeat(200_000) }));
    expect(huge.status).toBe(413);
    expect(huge.headers.connection).toBe('close');
  });

  it('refuses a body whose content-length is past the limit at once, without waiting for the body', async () => {
    // Only the head is sent: the answer must not wait for 10 MB that will never come.
    const head =
      'POST /messages HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n' +
      'content-length: 10000000\r\n\r\n{"text":"';
    const answer = (await rawExchange(chat.port, head)).split('\r\n');
    expect(answer[0]).toBe('HTTP/1.1 413 Payload Too Large');
    // And the connection is not kept alive, which would mean reading the 10 MB to skip them.
    expect(answer.map((line) => line.toLowerCase())).toContain('connection: close');
  });

  it('takes a client that hangs up in the middle of its body for what it is, not a failed request', async () => {
    const socket = connect(chat.port, '127.0.0.1', () =>
      socket.write(
        'POST /messages HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n' +
          'content-length: 100\r\n\r\n{"text":"cut',
        () => setTimeout(() => socket.destroy(), 100),
      ),
    );
    socket.on('error', () => undefined);
    const seen = () => chat.events('http.client-gone').length + chat.events('http.error').length;
    await waitUntil(() => seen() > 0, { message: 'the server noticed the client leave' });
    // Before: an `error` line "request failed" with status 503, for a reply nobody was there to get.
    expect(chat.events('http.error')).toEqual([]);
    expect(chat.events('http.client-gone')).toMatchObject([{ level: 'debug', method: 'POST' }]);
  });

  it('answers GET /ws without a WebSocket upgrade with 426 and what it takes, not 404', async () => {
    const reply = await chat.request('GET', '/ws');
    expect(reply.status).toBe(426);
    expect(reply.headers.upgrade).toBe('websocket');
    expect((JSON.parse(reply.body) as { error: string }).error).toContain('WebSocket');
  });

  it('refuses a lone surrogate with 400 instead of storing U+FFFD in its place', async () => {
    const reply = await post('{"text":"a\\ud800b"}');
    expect(reply.status).toBe(400);
    expect((JSON.parse(reply.body) as { error: string }).error).toContain('valid Unicode');
  });

  it('takes only application/json (with parameters) as the content type, not types that start like it', async () => {
    const body = '{"text":"typed"}';
    for (const type of [
      'application/json',
      'Application/JSON; charset=utf-8',
      'application/json ;charset=UTF-8',
    ]) {
      expect((await post(body, { 'content-type': type })).status, type).toBe(201);
    }
    for (const type of ['application/json-seq', 'application/jsonp', 'application/json.x', 'text/plain']) {
      const reply = await post(body, { 'content-type': type });
      expect(reply.status, type).toBe(415);
      expect((JSON.parse(reply.body) as { error: string }).error).toContain('application/json');
    }
  });

  it('answers request targets that are not a plain path with 4xx, never 500, and routes by the whole path', async () => {
    // `//[` is no URL; `//messages` is a path, not the host "messages"; `*` is for OPTIONS only.
    for (const target of ['//[', '//messages', '*']) {
      expect(await rawStatusLine(chat.port, target), target).toMatch(/^HTTP\/1\.1 4\d\d /);
    }
    expect(await rawStatusLine(chat.port, '//messages')).toContain(' 404 ');
    // The absolute form (RFC 9112 3.2.2) names the same resource as its path.
    expect(await rawStatusLine(chat.port, 'http://localhost/messages?after=0')).toContain(' 200 ');
    expect(chat.events('http.error')).toEqual([]);
  });

  it('pages GET /messages: at most `limit` (1 to 500, default 100) after `after`, and says so for 0', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((JSON.parse((await post(`{"text":"page ${i}"}`)).body) as { id: number }).id);
    }
    const page = JSON.parse(
      (await chat.request('GET', `/messages?after=${ids[0]! - 1}&limit=2`)).body,
    ) as Array<{
      id: number;
    }>;
    expect(page.map((m) => m.id)).toEqual(ids.slice(0, 2));
    for (const query of ['after=1&after=2', 'after=0&limit=5&limit=500']) {
      const reply = await chat.request('GET', `/messages?${query}`);
      expect(reply.status, query).toBe(400);
      expect((JSON.parse(reply.body) as { error: string }).error, query).toMatch(
        /^(after|limit) must be given once, got 2 values$/,
      );
    }
    for (const limit of ['0', '501', '-1', 'ten']) {
      const reply = await chat.request('GET', `/messages?after=0&limit=${limit}`);
      expect(reply.status, limit).toBe(400);
      expect((JSON.parse(reply.body) as { error: string }).error).toBe(
        'limit must be an integer between 1 and 500',
      );
    }
  });

  it('never lists a message while one with a smaller id is still being stored (after=ID is a safe cursor)', async () => {
    await withAdmin(async (other) => {
      // Another instance's insert, holding its id but not committed yet.
      await other.query('BEGIN');
      const { rows } = await other.query<{ id: string }>(
        `WITH ordered AS (SELECT pg_advisory_xact_lock($2)) INSERT INTO ${other.escapeIdentifier(role.name)}.messages (text) SELECT $1::text FROM ordered RETURNING id`,
        ['in flight', MESSAGE_ORDER_LOCK],
      );
      const inFlight = Number(rows[0]!.id);
      let posted: { status: number; body: string } | undefined;
      const posting = post('{"text":"after it"}').then((reply) => (posted = reply));
      // Either the POST is done, or it waits for the insert in flight.
      await waitUntil(
        async () =>
          posted !== undefined ||
          (
            await other.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND wait_event_type = 'Lock'",
              [role.name],
            )
          ).rows[0]!.n > 0,
        { message: 'the POST stored or waiting' },
      );
      const listed = JSON.parse(
        (await chat.request('GET', `/messages?after=${inFlight - 1}`)).body,
      ) as Array<{
        id: number;
      }>;
      expect(listed.map((m) => m.id)).toEqual([]); // not the later message without the one before it
      await other.query('COMMIT');
      await posting;
      expect(posted!.status).toBe(201);
      const later = (JSON.parse(posted!.body) as { id: number }).id;
      expect(later).toBeGreaterThan(inFlight);
      const all = JSON.parse((await chat.request('GET', `/messages?after=${inFlight - 1}`)).body) as Array<{
        id: number;
      }>;
      expect(all.map((m) => m.id)).toEqual([inFlight, later]);
    });
  });
});
