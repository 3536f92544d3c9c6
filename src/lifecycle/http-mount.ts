/**
 * One `node:http` server for the whole life of a service: the health endpoints answer from the
 * first moment, the application's routes only once it has started, and closing it is bounded.
 */

import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../common/clock.js';
import { listenConfigError } from '../common/listen-error.js';
import type { HealthHandler } from '../health/handler.js';

/** A server with the health endpoints mounted in front of the application. */
export interface MountedServer {
  readonly server: Server;
  /** The port it listens on (the real one when port 0 was asked). */
  readonly port: number;
  /** Route every non-health request to `handler` from now on. Until an app is mounted they get 503. */
  mount(handler: RequestListener): void;
  /**
   * Unless an app is mounted already, route non-health requests to the server's own request
   * listeners (those it had before mounting), or to `fallback` when it had none.
   */
  mountDefault(fallback: RequestListener): void;
  /** Ask keep-alive clients to go elsewhere: later responses carry `connection: close`. */
  setDraining(): void;
  /**
   * Stop accepting connections and wait for open ones to finish; after `timeoutMs`, cut the HTTP
   * connections left and stop waiting. Removes the listener this module added. Idempotent.
   */
  close(timeoutMs: number, clock: Clock): Promise<void>;
}

const STARTING_BODY = Buffer.from('{"error":"the service is starting"}');

function listen(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.removeListener('listening', onListening);
      reject(listenConfigError(error, port, host, { port: 'port', host: 'host' }) ?? error);
    };
    const onListening = (): void => {
      server.removeListener('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Mount `health` into `server` (or a new server) and listen on `port` unless it already listens.
 *
 * Request listeners the server already has (e.g. `http.createServer(app)`) are adopted as the
 * application: they receive requests once {@link MountedServer.mount} is called with them, or with
 * another handler.
 *
 * @throws ConfigError when the port cannot be bound.
 */
export async function mountServer(
  health: HealthHandler,
  options: {
    readonly server?: Server | undefined;
    readonly port: number;
    readonly host?: string | undefined;
  },
): Promise<MountedServer> {
  const server = options.server ?? createServer();
  const adopted = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  let app: RequestListener | undefined;
  let draining = false;

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (draining) res.setHeader('connection', 'close');
    if (health(req, res)) return;
    if (app) {
      app(req, res);
      return;
    }
    res.writeHead(503, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': STARTING_BODY.length,
      'retry-after': '1',
      'cache-control': 'no-store',
    });
    res.end(STARTING_BODY);
  };
  server.on('request', onRequest);

  if (!server.listening) {
    try {
      await listen(server, options.port, options.host);
    } catch (error) {
      server.removeListener('request', onRequest);
      for (const listener of adopted) server.on('request', listener);
      throw error;
    }
  }
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = (timeoutMs: number, clock: Clock): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      draining = true;
      let finished = false;
      const done = (): void => {
        if (finished) return;
        finished = true;
        cancel();
        server.removeListener('request', onRequest);
        resolve();
      };
      // At the deadline, cut every HTTP connection and stop waiting (upgraded sockets, which the
      // server no longer tracks, are the application's to close).
      const cancel = clock.timer(timeoutMs, () => {
        server.closeAllConnections();
        done();
      });
      if (!server.listening) {
        server.closeAllConnections();
        done();
        return;
      }
      server.close(() => done());
      server.closeIdleConnections();
    });
    return closing;
  };

  return {
    server,
    port,
    mount(handler) {
      app = handler;
    },
    mountDefault(fallback) {
      if (app) return;
      app = adopted.length > 0 ? (req, res) => adopted.forEach((l) => l.call(server, req, res)) : fallback;
    },
    setDraining() {
      draining = true;
    },
    close,
  };
}
