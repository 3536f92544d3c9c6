import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Emitter } from '../../src/index.js';
import { FakeClock } from '../../src/testing/index.js';
import { ChatService, type Database, type Message } from './chat-service.js';
import { startBroadcast, type Broadcast } from './websocket.js';

const opened: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await thing.close();
});

async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  opened.push({ close: () => new Promise((resolve) => server.close(resolve)) });
  return { server, port: (server.address() as AddressInfo).port };
}

/** A WebSocket client that completes the handshake and then never reads again. */
async function stalledClient(port: number, read = false, target = '/ws'): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    `GET ${target} HTTP/1.1\r\nhost: localhost\r\nupgrade: websocket\r\nconnection: Upgrade\r\n` +
      'sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n',
  );
  const [head] = (await once(socket, 'data')) as [Buffer];
  expect(String(head)).toMatch(/^HTTP\/1\.1 101 /);
  if (read) socket.resume();
  else socket.pause();
  opened.push({ close: () => socket.destroy() });
  return socket;
}

const message = (id: number): Message => ({
  id,
  text: 'x'.repeat(4000),
  createdAt: new Date(0).toISOString(),
});

describe('startBroadcast', () => {
  it('cuts a client that stops reading once its backlog passes the bound, and keeps serving the others', async () => {
    const { server, port } = await listening();
    const remote = new Emitter<Message>();
    const cut: number[] = [];
    const broadcast: Broadcast = startBroadcast(
      server,
      new ChatService(() => undefined),
      { remote: remote.event, publish: () => undefined },
      { maxBufferedBytes: 256 * 1024, onSlowClient: (buffered) => cut.push(buffered) },
    );
    opened.push(broadcast);

    const reader = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    opened.push(reader);
    let received = 0;
    reader.on('message', () => received++);
    await once(reader, 'open');
    await stalledClient(port);
    expect(broadcast.clients).toBe(2);

    // 40 MB at most; the kernel's socket buffers take a few of them before anything queues here.
    let sent = 0;
    while (sent < 10_000 && broadcast.clients === 2) {
      remote.emit(message(++sent));
      if (sent % 20 === 0) await nextTurn(); // let the reading client keep up
    }
    expect(broadcast.clients, `still 2 clients after ${sent} messages`).toBe(1);
    expect(cut).toHaveLength(1);
    expect(cut[0]).toBeGreaterThan(256 * 1024);

    // The reading client is not affected: it gets every message.
    while (received < sent) await nextTurn();
    expect(received).toBe(sent);
  });

  it('pings every client each heartbeat, and cuts one that did not answer the previous ping', async () => {
    const { server, port } = await listening();
    const clock = new FakeClock();
    const broadcast = startBroadcast(server, new ChatService(() => undefined), undefined, {
      heartbeatMs: 30_000,
      clock,
    });
    opened.push(broadcast);
    const answering = new WebSocket(`ws://127.0.0.1:${port}/ws`); // ws answers pings by itself
    opened.push(answering);
    await once(answering, 'open');
    await stalledClient(port, true); // reads, never answers (a peer that is gone)
    expect(broadcast.clients).toBe(2);

    const pinged = once(answering, 'ping');
    await clock.advance(30_000);
    await pinged;
    // The server answers our ping after it has read the pong sent before it: our pong has arrived.
    answering.ping();
    await once(answering, 'pong');
    expect(broadcast.clients).toBe(2);

    await clock.advance(30_000);
    for (let turn = 0; turn < 1_000 && broadcast.clients > 1; turn++) await nextTurn();
    expect(broadcast.clients).toBe(1);
    expect(answering.readyState).toBe(WebSocket.OPEN);
  });

  it('accepts clients once it knows which message it starts after, and sends them every one after it', async () => {
    const { server, port } = await listening();
    let startAt: (id: number) => void = () => undefined;
    const database: Database = {
      query: (text) =>
        text.includes('max(id)')
          ? new Promise((resolve) => (startAt = (id) => resolve({ rows: [{ id }] })))
          : Promise.resolve({ rows: [{ id: 8, text: 'eight', created_at: new Date(0) }] }),
      withConnection: () => Promise.reject(new Error('not used')),
    };
    const chat = new ChatService(() => database);
    const broadcast = startBroadcast(server, chat);
    opened.push(broadcast);
    const client = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    opened.push(client);
    const received: number[] = [];
    client.on('message', (data) => received.push((JSON.parse(String(data)) as Message).id));
    for (let turn = 0; turn < 100; turn++) await nextTurn();
    // Message 7 was stored meanwhile, and the database says 7 is the last: the client is not owed it.
    expect(broadcast.clients).toBe(0);
    startAt(7);
    await once(client, 'open');
    await chat.post('eight');
    while (received.length === 0) await nextTurn();
    expect(received).toEqual([8]);
  });

  it('accepts the absolute form of the target (RFC 9112 3.2.2), as the HTTP routes do', async () => {
    const { server, port } = await listening();
    const broadcast = startBroadcast(server, new ChatService(() => undefined));
    opened.push(broadcast);
    await stalledClient(port, true, 'http://localhost/ws?client=1');
    expect(broadcast.clients).toBe(1);
  });
});
