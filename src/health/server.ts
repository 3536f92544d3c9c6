/**
 * The health endpoints on their own `node:http` server and port.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenConfigError } from '../common/listen-error.js';
import type { SnapshotSource } from '../orchestrator/snapshot.js';
import { createHealthHandler, type HealthHandler } from './handler.js';
import { resolveListenOptions, type HealthServerOptionsInput } from './options.js';

/** A running health server. */
export interface HealthServer extends AsyncDisposable {
  /** Base URL, e.g. `http://127.0.0.1:9000` (loopback when bound to every interface). */
  readonly url: string;
  /** The port it listens on (the real one when `port: 0` was asked). */
  readonly port: number;
  /** The handler serving the endpoints (shares its draining switch and metrics). */
  readonly handler: HealthHandler;
  /** Same as `handler.setDraining`: `/readyz` answers 503 from now on (or again 200 with `false`). */
  setDraining(draining?: boolean): void;
  /**
   * Stop listening, end every connection (keep-alive ones included), remove the server's listeners
   * and the metrics it registered (not ready-made ones it was given). Idempotent: later calls return
   * the same promise.
   */
  close(): Promise<void>;
}

const NOT_FOUND = 'not found\n';
const NOT_FOUND_HEADERS = {
  'content-type': 'text/plain; charset=utf-8',
  'content-length': Buffer.byteLength(NOT_FOUND),
  'cache-control': 'no-store',
};

/**
 * Start the health endpoints on their own port. Other paths answer 404.
 *
 * @throws {ConfigError} when the options are invalid, the port cannot be bound (in use, not
 *   permitted: `health.port`), or the host is not an address of this machine or does not resolve
 *   (`health.host`).
 *
 * @example
 * ```ts
 * await using health = await startHealthServer(orchestrator, { port: 9000 });
 * // ...later, on SIGTERM:
 * health.setDraining();
 * ```
 */
export async function startHealthServer(
  source: SnapshotSource,
  input: HealthServerOptionsInput = {},
): Promise<HealthServer> {
  const { port, host } = resolveListenOptions(input);
  const { port: _port, host: _host, ...handlerOptions } = input;
  const handler = createHealthHandler(source, handlerOptions);
  // Metrics the handler made (not a ready-made HealthMetrics passed in) come off their registry when
  // the server closes or fails to listen: it may be the application's, and starting again on it
  // would find the names taken.
  const ownMetrics = handler.metrics === input.metrics ? undefined : handler.metrics;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (handler(req, res)) return;
    res.writeHead(404, NOT_FOUND_HEADERS);
    res.end(req.method === 'HEAD' ? undefined : NOT_FOUND);
  };
  const server = createServer(onRequest);

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.removeListener('request', onRequest);
      ownMetrics?.dispose();
      reject(listenConfigError(error, port, host, { port: 'health.port', host: 'health.host' }) ?? error);
    };
    server.once('error', onError);
    server.listen({ port, host }, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  const shownHost =
    host === undefined || host === '0.0.0.0' || host === '::'
      ? '127.0.0.1'
      : address.family === 'IPv6'
        ? `[${address.address}]`
        : address.address;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => {
        server.removeListener('request', onRequest);
        ownMetrics?.dispose();
        resolve();
      });
      // Keep-alive and in-flight connections would hold close() open until their timeouts.
      server.closeAllConnections();
    });
    return closing;
  };

  return {
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    handler,
    setDraining: (draining = true) => handler.setDraining(draining),
    close,
    [Symbol.asyncDispose]: close,
  };
}
