/**
 * The state of one run of {@link runService}, shared by the half that starts the service
 * ({@link ServiceLifecycle}) and the half that stops it ({@link ServiceShutdown}): where it is, what
 * it has started so far, and the promises its caller waits on.
 */

import type { Disposable } from '../common/events.js';
import type { HealthHandler } from '../health/handler.js';
import type { HealthMetrics } from '../health/metrics.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import type { MountedServer } from './http-mount.js';
import type { LiveView } from './live-view.js';
import type { Logger } from './logger.js';
import type { ProcessHooks } from './process-hooks.js';
import type { Closable, RunServiceOptions } from './run-service-options.js';
import type { LifecycleState } from './run-service.js';
import type { ServiceSnapshotSource } from './service-health.js';

/** A promise with its `resolve` at hand. Internal. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

/** A new {@link Deferred}. Internal. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * One run's state. The optional parts are set as startup gets to them, so they are undefined when a
 * stop comes earlier (invalid options, a signal during startup), and cleanup skips them. Internal.
 */
export class ServiceRun {
  /** Where the lifecycle is now (`RunningService.state`). */
  state: LifecycleState = 'starting';
  /** The resolved options; undefined until they are resolved (and when they are invalid). */
  options: RunServiceOptions | undefined;
  /** The logger: a provisional one until the options are resolved, then the service's. */
  logger: Logger;
  /** The live view, on a TTY. */
  liveView: LiveView | undefined;
  /** The process's signal and error listeners. */
  hooks: ProcessHooks | undefined;
  /** The orchestrator's event subscription (logs, live view). */
  subscription: Disposable | undefined;
  /** The orchestrator that runs the plan. */
  orchestrator: Orchestrator | undefined;
  /** What the health endpoints report. */
  source: ServiceSnapshotSource | undefined;
  /** The health endpoints. */
  health: HealthHandler | undefined;
  /**
   * The health handler's metrics when runService made them (not a ready-made `HealthMetrics` given
   * in its options), removed from their registry on exit.
   */
  ownMetrics: HealthMetrics | undefined;
  /** The HTTP server, once it listens. */
  mounted: MountedServer | undefined;
  /** What `listen` returned, closed in reverse order on shutdown. */
  closables: Closable[] = [];
  /** Whether `listen` has finished once (from then on, a ready plan shows as ready). */
  everRunning = false;
  /** Aborts the plan's start (a stop signal or a fatal error during startup). */
  readonly startup = new AbortController();
  /** `ctx.signal`: aborts when the service begins to shut down. */
  readonly stopping = new AbortController();
  /** `RunningService.exited`. */
  readonly exited = deferred<number>();
  /** `RunningService.listening`. */
  readonly listening = deferred<number | undefined>();

  constructor(logger: Logger) {
    this.logger = logger;
  }
}
