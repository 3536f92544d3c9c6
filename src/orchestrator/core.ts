import { Emitter } from '../common/events.js';
import { ConfigError } from '../errors/config-error.js';
import type { Policy } from '../policies/policy.js';
import type { Scope } from '../common/scope.js';
import type { Availability } from './availability.js';
import { worstAvailability } from './availability.js';
import { boundedCall } from './bounded-call.js';
import { availabilityContribution, createRuntime, type ComponentRuntime } from './component-runtime.js';
import type { OrchestratorOptions } from './orchestrator-options.js';
import type { OrchestratorEvent } from './orchestrator-events.js';
import type { Plan } from './plan.js';
import type { PhaseState, ServiceStatus } from './snapshot.js';
import { Timeline } from './timeline.js';

/** What the orchestrator records about a phase. */
export interface PhaseRecord {
  state: PhaseState;
  /** Clock time, or null before it started. */
  startedAt: number | null;
  durationMs: number | null;
}

/** Distributes an event as a value of one of the union's members. */
type EmitInput = OrchestratorEvent extends infer E
  ? E extends OrchestratorEvent
    ? Omit<E, 'at'>
    : never
  : never;

/**
 * The orchestrator's shared state and the operations every part of it (phase runner, recovery,
 * health checks, stop) uses. Internal: not exported from the package.
 */
export class OrchestratorCore {
  readonly emitter = new Emitter<OrchestratorEvent>();
  readonly timeline: Timeline;
  readonly runtimes = new Map<string, ComponentRuntime>();
  readonly phases = new Map<string, PhaseRecord>();
  /** Components holding a handle, in the order they came up (stop runs in reverse). */
  readonly upOrder: ComponentRuntime[] = [];
  /** Background work (recovery loops, late-handle disposal) that stop() waits for. */
  private readonly background = new Set<Promise<unknown>>();
  status: ServiceStatus = 'starting';
  /** What the components that are down leave of the service (FULL when none is). */
  componentAvailability: Availability = 'FULL';
  /**
   * The service's availability as reported (snapshot, `/health`, events, metrics): the components'
   * while the service is up (`ready` or `degraded`), UNAVAILABLE otherwise (starting, draining,
   * stopped, failed), since nothing is served then whatever the components are.
   */
  availability: Availability = 'UNAVAILABLE';
  /** Clock / wall time when start() began. */
  startClock: number | null = null;
  startWall: number | null = null;
  readyWall: number | null = null;
  /** True once start() has finished (ready or degraded); status then follows availability. */
  settled = false;
  /** The root scope of a running start(). */
  root: Scope | undefined;

  constructor(
    readonly plan: Plan,
    readonly options: OrchestratorOptions,
  ) {
    this.timeline = new Timeline({ classify: options.classify });
    for (const phase of plan.phases) {
      this.phases.set(phase.name, { state: 'pending', startedAt: null, durationMs: null });
      for (const spec of phase.components) {
        const policy =
          spec.policy ??
          options.defaultPolicy(spec, {
            phase: phase.name,
            clock: options.clock,
            random: options.random,
            classify: options.classify,
          });
        // Otherwise every start would fail later as an internal error (exit 1) of the component.
        if (typeof (policy as Partial<Policy> | null)?.execute !== 'function') {
          throw new ConfigError(
            'options.defaultPolicy',
            `returned no policy for component "${spec.name}"`,
            'return a policy (e.g. retry(...) or wrap(...)) for every component',
          );
        }
        this.runtimes.set(spec.name, createRuntime(spec, phase.name, policy, options.mode));
      }
    }
  }

  /** Clock time now. */
  now(): number {
    return this.options.clock.now();
  }

  /** Ms since start() began (0 before). */
  elapsed(): number {
    return this.startClock === null ? 0 : this.now() - this.startClock;
  }

  /**
   * Record and publish an event, stamped with the clock time. The object is stamped in place, not
   * copied (a storm simulation emits millions): pass a fresh one.
   */
  emit(event: EmitInput): void {
    (event as { at?: number }).at = this.now();
    const stamped = event as OrchestratorEvent;
    if (this.options.recordTimeline) this.timeline.record(stamped);
    this.emitter.emit(stamped);
  }

  /**
   * Change the status and, with it, the reported availability, before emitting either event: a
   * listener of `status-change` (the live view, a `/health` request) then never sees the new status
   * next to the availability of the old one (`ready` with UNAVAILABLE, `draining` with FULL).
   */
  setStatus(status: ServiceStatus): void {
    if (status === this.status) return;
    const from = this.status;
    this.status = status;
    const availabilityFrom = this.availability;
    this.availability = this.reportedAvailability();
    this.emit({ type: 'status-change', from, to: status });
    if (this.availability !== availabilityFrom) {
      this.emit({ type: 'availability-change', from: availabilityFrom, to: this.availability });
    }
  }

  /** The components' availability while the service is up, UNAVAILABLE otherwise. */
  private reportedAvailability(): Availability {
    const up = this.status === 'ready' || this.status === 'degraded';
    return up ? this.componentAvailability : 'UNAVAILABLE';
  }

  /** Emit an availability change when the reported availability moved. */
  private publishAvailability(): void {
    const next = this.reportedAvailability();
    if (next === this.availability) return;
    const from = this.availability;
    this.availability = next;
    this.emit({ type: 'availability-change', from, to: next });
  }

  /**
   * Recompute availability from the components that are down; once startup has settled, the status
   * follows it (`ready` at FULL, `degraded` below).
   */
  updateAvailability(): void {
    this.componentAvailability = worstAvailability([...this.runtimes.values()].map(availabilityContribution));
    if (this.settled && (this.status === 'ready' || this.status === 'degraded')) {
      this.setStatus(this.componentAvailability === 'FULL' ? 'ready' : 'degraded');
    }
    this.publishAvailability();
  }

  /** A component obtained its handle: it is up and will be stopped in reverse order. */
  markUp(runtime: ComponentRuntime, handle: unknown): void {
    runtime.handle = handle;
    runtime.hasHandle = true;
    runtime.state = 'ready';
    this.upOrder.push(runtime);
  }

  /** Keep track of background work so stop() can wait for it. */
  track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.background.add(settled);
    void settled.then(() => this.background.delete(settled));
  }

  /** Wait until no background work is left (work may start more work while we wait). */
  async drainBackground(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  /** Stop a handle nobody will use (it arrived after its start was given up). */
  discard(runtime: ComponentRuntime, handle: unknown): void {
    this.track(this.callStop(runtime, handle));
  }

  /** Stop one up component, bounded by the stop timeout. Idempotent. */
  async stopComponent(runtime: ComponentRuntime): Promise<void> {
    runtime.lifetime.abort();
    const index = this.upOrder.indexOf(runtime);
    if (index >= 0) this.upOrder.splice(index, 1);
    if (!runtime.hasHandle) return;
    const handle = runtime.handle;
    runtime.hasHandle = false;
    runtime.handle = undefined;
    runtime.state = 'stopping';
    await this.callStop(runtime, handle);
    runtime.state = 'stopped';
  }

  /**
   * End every component's lifetime (cancelling recovery and background work), wait for background
   * work, then stop every up component in reverse order of coming up, one at a time.
   *
   * Called once startup is over (failed, cancelled, or `stop()`), so components still pending turn
   * `stopped` (see {@link OrchestratorCore.retireNeverStarted}).
   */
  async stopAll(): Promise<void> {
    this.retireNeverStarted();
    for (const runtime of this.runtimes.values()) {
      runtime.lifetime.abort();
      if (runtime.state === 'degraded') runtime.state = 'stopped';
    }
    await this.drainBackground();
    while (this.upOrder.length > 0) await this.stopComponent(this.upOrder[this.upOrder.length - 1]!);
    await this.drainBackground();
  }

  /**
   * Startup is over without reaching them: components still `pending` (a sibling failed fatally or
   * startup was cancelled before they started, their phase was skipped, or `stop()` came before
   * `start()`) will never start. They turn `stopped` with 0 attempts, as a sibling whose start was
   * cut short does; `pending` would say they are still to come.
   */
  retireNeverStarted(): void {
    for (const runtime of this.runtimes.values()) if (runtime.state === 'pending') runtime.state = 'stopped';
  }

  private async callStop(runtime: ComponentRuntime, handle: unknown): Promise<void> {
    const stop = runtime.spec.stop;
    if (!stop) return;
    const began = this.now();
    const result = await boundedCall(this.options.clock, this.options.stopTimeoutMs, (signal) =>
      stop.call(runtime.spec, handle, { signal }),
    );
    this.emit({
      type: 'component-stop',
      phase: runtime.phase,
      component: runtime.spec.name,
      outcome: result.outcome === 'ok' ? 'ok' : result.outcome === 'timeout' ? 'timeout' : 'error',
      durationMs: this.now() - began,
      ...(result.outcome === 'ok' ? {} : { error: result.error }),
    });
  }

  /** The runtime of a component. */
  runtime(name: string): ComponentRuntime {
    const runtime = this.runtimes.get(name);
    if (!runtime) throw new RangeError(`unknown component "${name}"`);
    return runtime;
  }
}
