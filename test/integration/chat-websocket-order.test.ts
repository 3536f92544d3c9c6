/**
 * The chat-backend example's WebSocket broadcast with two chat services on one Postgres (two
 * instances): a client receives every stored message in id order, once, whatever order the
 * notifications reach its instance in (its own posts at once, the other instance's later through
 * Redis, or never while Redis is down). A client that reconnects and catches up with
 * `GET /messages?after=<last id it got>` then misses nothing.
 */

import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  ChatService,
  migrate,
  type Database,
  type Message,
} from '../../examples/chat-backend/chat-service.js';
import { startBroadcast } from '../../examples/chat-backend/websocket.js';
import { Emitter } from '../../src/index.js';
import { waitUntil } from './helpers/wait-until.js';
import { roleWithSchema } from './service-harness.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** phasegate's `PostgresPool` as the chat service sees it, over a plain `pg.Pool`. */
function database(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined);
  cleanup.push(() => pool.end());
  return {
    query: (text, values) => pool.query(text, values as unknown[]),
    withConnection: async (fn) => {
      const client = await pool.connect();
      try {
        return await fn(client);
      } finally {
        client.release();
      }
    },
  };
}

describe('WebSocket broadcast across instances on one database', () => {
  let a: ChatService;
  let b: ChatService;
  /** What reaches instance A through Redis: the test decides when, and whether. */
  let remote: Emitter<Message>;
  let received: number[];

  beforeEach(async () => {
    const role = await roleWithSchema();
    cleanup.push(() => role.drop());
    const dbA = database(role.url);
    await migrate(dbA);
    a = new ChatService(() => dbA);
    const dbB = database(role.url);
    b = new ChatService(() => dbB);
    await b.post('before the client'); // the client is not owed this one

    remote = new Emitter<Message>();
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const broadcast = startBroadcast(server, a, { remote: remote.event, publish: () => undefined });
    cleanup.push(() => broadcast.close());
    const socket = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`);
    cleanup.push(() => socket.terminate());
    received = [];
    socket.on('message', (data) => received.push((JSON.parse(String(data)) as Message).id));
    await once(socket, 'open');
  });

  /** Post on A and wait until the client has it: by then it has everything sent before it. */
  async function postOnA(text: string): Promise<Message> {
    const message = await a.post(text);
    await waitUntil(() => received.includes(message.id), { message: `${text} (${message.id}) received` });
    return message;
  }

  it('sends a message of the other instance that arrives after a later one of its own before that one', async () => {
    const fromB = await b.post('from B'); // committed first: the smaller id
    const fromA = await postOnA('from A'); // announced at once; B's is still on its way
    expect(fromA.id).toBeGreaterThan(fromB.id);
    remote.emit(fromB); // B's publish arrives now
    const last = await postOnA('after both');
    // Not [A, B]: a client cut off after A's would catch up with after=A and never get B's.
    expect(received).toEqual([fromB.id, fromA.id, last.id]);
  });

  it("sends the other instance's messages that Redis lost (an outage) with the next one it hears of, and once", async () => {
    const lost = [await b.post('lost 1'), await b.post('lost 2')];
    const fromA = await postOnA('from A');
    expect(received).toEqual([...lost.map((m) => m.id), fromA.id]);
    // Redis was only slow: its copies come now, after the catch-up has sent them.
    for (const message of lost) remote.emit(message);
    const last = await postOnA('last');
    expect(received).toEqual([...lost.map((m) => m.id), fromA.id, last.id]);
  });
});
