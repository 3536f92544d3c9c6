/**
 * `GET /ws`: a WebSocket that receives each new message as JSON.
 */

import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Disposable } from '../../src/common/events.js';
import type { ChatService } from './chat-service.js';

/** The running broadcast. */
export interface Broadcast {
  /** Connected clients. */
  readonly clients: number;
  /** Close every client (1001 going away) and stop accepting upgrades. */
  close(): Promise<void>;
}

/** Path of the WebSocket endpoint. */
export const WS_PATH = '/ws';

/**
 * Accept WebSocket upgrades on `GET /ws` of `server` and send every message `chat` stores to every
 * client. Other upgrade paths are refused with 404.
 */
export function startBroadcast(server: Server, chat: ChatService): Broadcast {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  server.on('upgrade', onUpgrade);

  // Clients only listen; anything they send is ignored. Dead peers are found by the TCP stack.
  wss.on('connection', (ws: WebSocket) => ws.on('error', () => ws.terminate()));

  const subscription: Disposable = chat.onMessage((message) => {
    const frame = JSON.stringify(message);
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(frame);
    }
  });

  return {
    get clients() {
      return wss.clients.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        subscription.dispose();
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
      }),
  };
}
