/**
 * `runService(plan, options)`: the whole life of a service, from the first health probe to the exit
 * code. The exit codes and the health endpoints are listed in the README's "Contracts" section.
 */

import type { Logger } from './logger.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import type { Plan, PlanInput } from '../orchestrator/plan.js';
import type { StopSignal } from './process-hooks.js';
import type { RunServiceOptionsInput } from './run-service-options.js';
import { ServiceLifecycle } from './service-lifecycle.js';

/**
 * Where a service is in its life: `starting` (the plan runs), `listening` (`listen` runs), `running`,
 * `stopping` (drain, close, stop), `exited`.
 */
export type LifecycleState = 'starting' | 'listening' | 'running' | 'stopping' | 'exited';

/** A service started by {@link runService}. */
export interface RunningService {
  /** Resolves with the port once the server listens, or `undefined` if the service exits first. */
  readonly listening: Promise<number | undefined>;
  /** Resolves with the exit code after cleanup, right before `exit` is called. */
  readonly exited: Promise<number>;
  /** Where the lifecycle is now. */
  readonly state: LifecycleState;
  /** The orchestrator (undefined if the options or the plan were invalid). */
  readonly orchestrator: Orchestrator | undefined;
  /** Begin a shutdown as if `signal` had arrived; resolves with the exit code. */
  shutdown(signal?: StopSignal): Promise<number>;
}

/** What a plan factory is given. */
export interface PlanSetup {
  /** The service's logger (through the live view on a TTY). */
  readonly logger: Logger;
}

/**
 * A plan, the input of `definePlan`, or a function that builds one once the logger exists (its
 * errors exit like startup's: a ConfigError exits 78).
 */
export type PlanSource = Plan | PlanInput | ((setup: PlanSetup) => Plan | PlanInput);

/**
 * Run a service: serve the health endpoints at once (`/livez` 200, `/startupz` and `/readyz` 503),
 * start the plan within the startup budget, call `listen`, then serve until SIGTERM or SIGINT.
 *
 * On a stop signal: `/readyz` turns 503, the service keeps serving for the drain delay, then closes
 * the HTTP server and what `listen` returned, and stops the components in reverse order, all within
 * the grace period; a second signal exits at once. On exit the `/metrics` series it registered
 * (`health.metrics`, also on a registry you share) are removed again; a ready-made `HealthMetrics`
 * you passed stays yours. A signal during startup aborts it, cleans up and
 * exits 130 (SIGINT) or 143 (SIGTERM). A failed startup exits with `exitCodeFor(error)`: 3 for a
 * dependency, 78 for configuration. Setting up the logger, the live view and the process hooks is
 * part of startup: `loggerOptions` that pino refuses (a redact path it cannot parse) exit 78, a
 * `process` whose `on` throws exits 1, and neither leaves a listener behind. An unhandled rejection or uncaught exception is logged, cleaned
 * up, and exits 1. A stop signal during the cleanup of a failed startup or of a fatal error lets that
 * cleanup finish and keeps its exit code (a repeat of the signal forces the exit). Logs are JSON lines with secrets redacted; on a TTY a live view shows the phases;
 * the waterfall is printed when startup ends.
 *
 * @example
 * ```ts
 * runService(sevenPhasePlan({ database: [postgres], services: [api] }), {
 *   mode: 'deterministic',
 *   startupBudgetMs: 90_000,
 *   port: Number(process.env.PORT ?? 8080),
 *   listen: (ctx) => ctx.mount(createApp(ctx.get('postgres'))),
 * });
 * ```
 */
export function runService(plan: PlanSource, options: RunServiceOptionsInput = {}): RunningService {
  const lifecycle = new ServiceLifecycle(options);
  void lifecycle.run(plan);
  return lifecycle.handle();
}
