/**
 * The health endpoints as Express middleware (Express 4 and 5, and Connect-style routers).
 *
 * Typed with `node:http` types only: Express's `Request`/`Response` extend them, so the middleware is
 * assignable wherever Express takes a handler, and phasegate needs neither `express` nor
 * `@types/express` at run time or in its published types.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SnapshotSource } from '../orchestrator/snapshot.js';
import { healthHandlerFor, isHealthHandler, type HealthHandler } from './handler.js';
import { requireSnapshotSource, type HealthOptionsInput } from './options.js';

/** A Connect/Express-style middleware. */
export type HealthMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Express middleware answering the health endpoints; any other path goes to `next()`. Paths are
 * matched against `req.url`, so `app.use('/ops', healthMiddleware(...))` serves `/ops/readyz`.
 *
 * @param health A handler from {@link createHealthHandler} (share it to call `setDraining()` on
 *   shutdown), or a snapshot source, for which a handler is made from `options`. Express has no
 *   close hook, so metrics made that way stay on their registry: with a registry you share, make
 *   the handler yourself and call `health.metrics?.dispose()` when the app closes.
 * @throws {ConfigError} when it is neither, or when `options` are invalid (naming
 *   `healthMiddleware options.<option>`).
 *
 * @example
 * ```ts
 * const health = createHealthHandler(orchestrator);
 * app.use(healthMiddleware(health));
 * process.once('SIGTERM', () => health.setDraining());
 * ```
 */
export function healthMiddleware(health: HealthHandler): HealthMiddleware;
export function healthMiddleware(source: SnapshotSource, options?: HealthOptionsInput): HealthMiddleware;
export function healthMiddleware(
  healthOrSource: HealthHandler | SnapshotSource,
  options: HealthOptionsInput = {},
): HealthMiddleware {
  let handler: HealthHandler;
  if (isHealthHandler(healthOrSource)) handler = healthOrSource;
  else {
    requireSnapshotSource(healthOrSource, 'healthMiddleware(source)');
    handler = healthHandlerFor(healthOrSource, options, 'healthMiddleware options');
  }
  return (req, res, next) => {
    if (!handler(req, res)) next();
  };
}
