/**
 * What a service's `listen` callback is given once its plan has started.
 */

import type { RequestListener, Server } from 'node:http';
import type { HealthHandler } from '../health/handler.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import type { StartupSnapshot } from '../orchestrator/snapshot.js';
import type { Logger } from './logger.js';

/**
 * The context of `listen(ctx)`.
 *
 * @example
 * ```ts
 * runService(plan, {
 *   port: 8080,
 *   listen: (ctx) => {
 *     const pool = ctx.get<Pool>('postgres');
 *     ctx.mount(createApp(pool));
 *   },
 * });
 * ```
 */
export interface ServiceContext {
  /** The server the health endpoints are served on; it already listens. */
  readonly server: Server;
  /** The port it listens on. */
  readonly port: number;
  /** The service's logger (secrets are redacted by it). */
  readonly logger: Logger;
  /** The health handler (to mount into another server as well, or to flip draining by hand). */
  readonly health: HealthHandler;
  /** The orchestrator that ran the plan. */
  readonly orchestrator: Orchestrator;
  /**
   * Aborts when the service begins to shut down: a stop signal or a fatal error, also one that
   * arrives while `listen` still runs (so `listen` can give up what it waits for).
   */
  readonly signal: AbortSignal;
  /** Route every request that is not a health endpoint to `handler`. */
  mount(handler: RequestListener): void;
  /** The handle of an up component. @throws when it is unknown or not up. */
  get<T>(name: string): T;
  /** The handle of an up component, or undefined. */
  tryGet<T>(name: string): T | undefined;
  /** The current `/health` snapshot. */
  snapshot(): StartupSnapshot;
}
