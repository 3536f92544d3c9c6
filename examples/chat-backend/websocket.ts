/**
 * `GET /ws`: a WebSocket that receives each new message as JSON.
 */

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { systemClock, type CancelTimer, type Clock, type Disposable, type Event } from '../../src/index.js';
import type { ChatService, Message } from './chat-service.js';
import { startMessageFeed } from './message-feed.js';
import { requestUrl } from './request-target.js';

/** The running broadcast. */
export interface Broadcast {
  /** Connected clients. */
  readonly clients: number;
  /** Close every client (1001 going away) and stop accepting upgrades. Idempotent. */
  close(): Promise<void>;
}

/** Path of the WebSocket endpoint. */
export const WS_PATH = '/ws';

/** Where messages come from and go to besides this instance's own chat service. */
export interface Fanout {
  /** Messages other instances stored. */
  readonly remote: Event<Message>;
  /** Share a message this instance stored (no-op without a cache). */
  publish(message: Message): void;
}

/** How {@link startBroadcast} treats clients that do not keep up. */
export interface BroadcastOptions {
  /**
   * Bytes a client may have queued (sent to it, not yet taken by its TCP connection) before it is
   * cut off: a client that stops reading would otherwise keep every later message in this process's
   * memory. A client that was cut reconnects and catches up with `GET /messages?after=ID`.
   *
   * @default 1_048_576 (1 MiB: some 250 messages of 4,000 characters)
   */
  readonly maxBufferedBytes?: number;
  /** Called with a client's backlog, in bytes, when it is cut off for it (for a log line). */
  readonly onSlowClient?: (bufferedBytes: number) => void;
  /**
   * How often every client is pinged. A client that has not answered the previous ping by the next
   * one is cut off: a peer that vanished (a closed laptop, a dropped NAT mapping) would otherwise stay
   * connected for good in a quiet chat, and the pings keep idle connections open through proxies
   * that close them after a minute without traffic.
   *
   * @default 30_000
   */
  readonly heartbeatMs?: number;
  /** Clock of the heartbeat and of the bound on database reads (see message-feed.ts). @default systemClock */
  readonly clock?: Clock;
  /**
   * Called when the messages before one just heard of could not be read from the database (it is
   * down): they go out once a retry reads them (after 1 s, doubling up to 30 s) or with the next
   * message heard of, whichever comes first.
   */
  readonly onReadError?: (error: unknown) => void;
}

/**
 * Accept WebSocket upgrades on `GET /ws` of `server` and send every message `chat` stores, and every
 * message other instances share through `fanout`, to every client. Other upgrade paths get 404. A
 * client whose backlog passes {@link BroadcastOptions.maxBufferedBytes} is cut off.
 *
 * Each client gets the messages stored after it connected (and any stored before that this instance
 * had not heard of yet) in id order, each once, none left out (see message-feed.ts): one whose
 * announcement through `fanout` comes late, or never (Redis down), is read from the database when a
 * later one is heard of. A client that reconnects catches up with
 * `GET /messages?after=<the last id it got>`.
 */
export function startBroadcast(
  server: Server,
  chat: ChatService,
  fanout?: Fanout,
  options: BroadcastOptions = {},
): Broadcast {
  const {
    maxBufferedBytes = 1_048_576,
    onSlowClient,
    heartbeatMs = 30_000,
    clock = systemClock,
    onReadError,
  } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  const feed = startMessageFeed(chat, (message) => send(message), {
    clock,
    ...(onReadError ? { onReadError } : {}),
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // The same path the HTTP routes see (an absolute-form target included), so that `GET /ws`
    // without an upgrade (426) and with one do not disagree.
    if (requestUrl(req)?.pathname !== WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    // Not before the feed knows where it starts: a message stored before that would not be sent.
    void feed.started.then(() =>
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
    );
  };
  server.on('upgrade', onUpgrade);

  // Clients only listen; anything they send is ignored. Dead peers are found by the heartbeat.
  const unanswered = new WeakSet<WebSocket>();
  wss.on('connection', (ws: WebSocket) => {
    ws.on('error', () => ws.terminate());
    ws.on('pong', () => unanswered.delete(ws));
  });
  let cancelHeartbeat: CancelTimer;
  const heartbeat = (): void => {
    for (const client of wss.clients) {
      if (client.readyState !== WebSocket.OPEN) continue;
      if (unanswered.has(client)) {
        client.terminate();
        continue;
      }
      unanswered.add(client);
      client.ping();
    }
    cancelHeartbeat = clock.timer(heartbeatMs, heartbeat);
  };
  cancelHeartbeat = clock.timer(heartbeatMs, heartbeat);

  const send = (message: Message): void => {
    const frame = JSON.stringify(message);
    for (const client of wss.clients) {
      if (client.readyState !== WebSocket.OPEN) continue;
      if (client.bufferedAmount > maxBufferedBytes) {
        // Not a close frame: it would wait behind the backlog the client is not reading.
        onSlowClient?.(client.bufferedAmount);
        client.terminate();
        continue;
      }
      client.send(frame);
    }
  };
  const subscriptions: Disposable[] = [
    chat.onMessage((message) => {
      feed.heard(message);
      fanout?.publish(message);
    }),
  ];
  if (fanout) subscriptions.push(fanout.remote((message) => feed.heard(message)));

  let closing: Promise<void> | undefined;
  return {
    get clients() {
      return wss.clients.size;
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        cancelHeartbeat();
        for (const subscription of subscriptions) subscription.dispose();
        feed.close();
        server.off('upgrade', onUpgrade);
        for (const client of wss.clients) client.close(1001, 'server shutting down');
        // Give clients a moment to answer the close frame, then cut what is left.
        const cut = setTimeout(() => {
          for (const client of wss.clients) client.terminate();
        }, 1000);
        cut.unref();
        wss.close(() => {
          clearTimeout(cut);
          resolve();
        });
      })),
  };
}
