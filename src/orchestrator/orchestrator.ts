import type { Disposable, Event } from '../common/events.js';
import { AbortedError } from '../errors/aborted-error.js';
import { ConfigError } from '../errors/config-error.js';
import type { Availability } from './availability.js';
import { buildSnapshot } from './build-snapshot.js';
import { OrchestratorCore } from './core.js';
import { DependencyUnavailableError } from './dependency-unavailable-error.js';
import { HealthChecks } from './health-checks.js';
import { resolveOrchestratorOptions, type OrchestratorOptionsInput } from './orchestrator-options.js';
import type { OrchestratorEvent, OrchestratorEventOf, OrchestratorEventType } from './orchestrator-events.js';
import { definePlan, type Plan, type PlanInput } from './plan.js';
import type { ServiceStatus, SnapshotSource, StartupSnapshot } from './snapshot.js';
import { validatePlanBudget } from './phase-budget.js';
import { SnapshotCache } from './snapshot-cache.js';
import { StartupSequence } from './startup-sequence.js';
import type { Timeline } from './timeline.js';

/**
 * Runs a {@link Plan}: phases in order under one startup budget, the components of a phase
 * concurrently as their dependencies allow, each under its policy. See `start`, `stop` and the mode
 * rules on {@link OrchestratorOptionsInput.mode}.
 *
 * @example
 * ```ts
 * const orchestrator = createOrchestrator(plan, { budgetMs: 90_000, mode: 'graceful' });
 * try {
 *   await orchestrator.start(shutdownSignal);
 * } catch (error) {
 *   process.exitCode = exitCodeFor(error); // 3 for a dependency, 78 for configuration
 * }
 * const pool = orchestrator.get<Pool>('postgres');
 * ```
 */
export class Orchestrator implements SnapshotSource, AsyncDisposable {
  /** Every event, as it happens. */
  readonly onEvent: Event<OrchestratorEvent>;
  private readonly core: OrchestratorCore;
  private readonly checks: HealthChecks;
  private readonly snapshots: SnapshotCache;
  private readonly sequence: StartupSequence;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  /** @throws ConfigError for invalid options or phase budgets that do not fit the total budget. */
  constructor(plan: Plan, options: OrchestratorOptionsInput = {}) {
    const resolved = resolveOrchestratorOptions(options);
    validatePlanBudget(plan, resolved.budgetMs);
    this.core = new OrchestratorCore(plan, resolved);
    this.checks = new HealthChecks(this.core);
    const core = this.core;
    this.snapshots = new SnapshotCache(core, () => buildSnapshot(core));
    this.sequence = new StartupSequence(core, this.snapshots, this.checks);
    this.onEvent = this.core.emitter.event;
  }

  /** Subscribe to events of one type. */
  on<K extends OrchestratorEventType>(
    type: K,
    listener: (event: OrchestratorEventOf<K>) => void,
  ): Disposable {
    return this.core.emitter.event((event) => {
      if (event.type === type) listener(event as OrchestratorEventOf<K>);
    });
  }

  /**
   * The record of every event (see {@link Timeline.toJSON} and `formatWaterfall`); empty with
   * `recordTimeline: false`.
   */
  get timeline(): Timeline {
    return this.core.timeline;
  }

  /**
   * `starting`, then `ready` (availability FULL) or `degraded` (below it), following availability;
   * `failed` after a failed start (even after `stop()`), else `stopped` after `stop()` or an abort.
   */
  get status(): ServiceStatus {
    return this.core.status;
  }

  /**
   * What the service serves. While it is up (`ready` or `degraded`): the worst level over the
   * components that are down (a degradable one counts as its `degradesTo`, a critical one as
   * `UNAVAILABLE`, an optional one not at all), `FULL` when none is down. `UNAVAILABLE` while
   * starting, draining, stopped or failed.
   */
  get availability(): Availability {
    return this.core.availability;
  }

  /**
   * Run the plan. Resolves when every phase is done (status `ready`, or `degraded` in graceful mode).
   * Calling it again returns the same promise.
   *
   * @param signal Cancels startup (e.g. on SIGTERM): everything started is stopped in reverse order
   *   and the promise rejects with the signal's reason, unchanged, so `exitCodeFor` sees it.
   * @throws StartupError when a critical component fails (code, phase, component, attempts,
   *   classification, cause); everything started is stopped first, in reverse order.
   */
  start(signal?: AbortSignal): Promise<void> {
    this.starting ??= this.sequence.run(signal, this.stopping !== undefined);
    return this.starting;
  }

  /**
   * Stop: cancel a startup in flight, background recovery and health checks, then stop every up
   * component in reverse order of coming up, each bounded by `stopTimeoutMs`. Idempotent; never
   * rejects. Leaves nothing on the clock (a start that ignored its signal is stopped when it settles).
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** Alias of {@link Orchestrator.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /**
   * The `/health` body (redacted). The same frozen object is returned until something it shows
   * changes (status, availability, phases, times, a component's state, attempts, last error, report
   * or breaker), then a new one: compare snapshots by identity to tell whether anything changed.
   * Every write of a phase or a start/ready time (here and in {@link StartupSequence}) must call
   * `snapshots.invalidate()`.
   */
  snapshot(): StartupSnapshot {
    return this.snapshots.get();
  }

  /**
   * Whether the service should take traffic: status `ready` (or `degraded` when `degradedIsReady`)
   * and every critical component `ready` (or `degraded`, when allowed). A critical component that a
   * health check found unhealthy makes it false. `degradedIsReady` defaults to false.
   */
  isReady(options: { readonly degradedIsReady?: boolean } = {}): boolean {
    const allowDegraded = options.degradedIsReady ?? false;
    const status = this.core.status;
    if (status !== 'ready' && !(status === 'degraded' && allowDegraded)) return false;
    for (const runtime of this.core.runtimes.values()) {
      if (!runtime.critical || runtime.state === 'ready') continue;
      if (runtime.state === 'degraded' && allowDegraded) continue;
      return false;
    }
    return true;
  }

  /**
   * The handle of an up component (e.g. the pool of `postgres`).
   * @throws ConfigError for an unknown name; DependencyUnavailableError when it is not up.
   */
  get<T>(name: string): T {
    const runtime = this.core.runtimes.get(name);
    if (!runtime) {
      throw new ConfigError(
        `get(${JSON.stringify(name)})`,
        'no component has this name',
        `use one of ${[...this.core.runtimes.keys()].join(', ')}`,
      );
    }
    if (!runtime.hasHandle) {
      const errorClass = runtime.hasError ? this.core.options.classify(runtime.lastError) : 'transient';
      throw new DependencyUnavailableError(name, name, runtime.state, errorClass, runtime.lastError);
    }
    return runtime.handle as T;
  }

  /** The handle of an up component, or `undefined`. */
  tryGet<T>(name: string): T | undefined {
    const runtime = this.core.runtimes.get(name);
    return runtime?.hasHandle ? (runtime.handle as T) : undefined;
  }

  /**
   * Run one round of health checks now (the same as a scheduled round). When it overlaps a round in
   * flight, a component's state follows the check that started last.
   */
  checkNow(): Promise<void> {
    return this.checks.runRound();
  }

  private async shutdown(): Promise<void> {
    const { core } = this;
    if (this.sequence.running) {
      core.root?.abort(new AbortedError('Startup was stopped'));
      await this.starting?.catch(() => undefined);
    }
    const finalStatus: ServiceStatus = core.status === 'failed' ? 'failed' : 'stopped';
    if (core.status === 'ready' || core.status === 'degraded') core.setStatus('draining');
    await this.checks.stop();
    await core.stopAll();
    core.setStatus(finalStatus);
  }
}

/**
 * Validate `plan` (a {@link Plan} or the input of {@link definePlan}) and `options`, and return an
 * {@link Orchestrator}.
 *
 * @throws ConfigError naming the offending path and the fix.
 *
 * @example
 * ```ts
 * const orchestrator = createOrchestrator(
 *   { phases: [{ name: 'database', components: [postgresComponent({ connection: url, max: 10 })] }] },
 *   { mode: 'deterministic', budgetMs: 60_000 },
 * );
 * await orchestrator.start(); // rejects with a StartupError when postgres cannot come up
 * ```
 */
export function createOrchestrator(
  plan: Plan | PlanInput,
  options: OrchestratorOptionsInput = {},
): Orchestrator {
  const isPlan = (plan as Partial<Plan>).components instanceof Map;
  return new Orchestrator(isPlan ? (plan as Plan) : definePlan(plan), options);
}
