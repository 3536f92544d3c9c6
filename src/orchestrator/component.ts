import type { Clock } from '../common/clock.js';
import type { Policy } from '../policies/policy.js';
import type { Availability } from './availability.js';
import type { AdmissionSnapshot, PoolSummary } from './snapshot.js';

/** Live figures a component reports while it runs; they show in `/health`, `/metrics` and the timeline. */
export interface ComponentReport {
  /** Pool figures (open, target, max, ...) of a pool component. */
  readonly pool?: PoolSummary;
  /** How long the component waited for a fleet admission slot, and through which backend. */
  readonly admission?: AdmissionSnapshot;
}

/** What a component's `start` is given. */
export interface ComponentContext {
  /** The component's name. */
  readonly name: string;
  /** The phase it belongs to. */
  readonly phase: string;
  /** The clock every wait must use. */
  readonly clock: Clock;
  /** 1-based attempt number of this start. */
  readonly attempt: number;
  /**
   * Aborts when this attempt must stop: its timeout, the phase deadline, or startup being aborted.
   * Created the first time it is read (a start that never looks at it costs no `AbortController`),
   * so it is a getter: a copy of the context made with `{ ...ctx }` does not carry it.
   */
  readonly signal: AbortSignal;
  /** Absolute deadline of this start on {@link ComponentContext.clock} (`Infinity` when unbounded). */
  readonly deadline: number;
  /**
   * Aborts when the component is stopped. Background work that outlives `start` (growing a pool,
   * recovering) must stop when this aborts.
   */
  readonly lifetime: AbortSignal;
  /** Milliseconds left before {@link ComponentContext.deadline}. */
  remaining(): number;
  /** Publish live figures (pool, admission). Later reports merge over earlier ones. */
  report(report: ComponentReport): void;
  /** Record a step in the timeline, e.g. `mark('admission-wait', { waitedMs: 1200 })`. */
  mark(event: string, data?: Readonly<Record<string, unknown>>): void;
}

/** What `stop` and `check` are given. */
export interface ComponentCallContext {
  /** Aborts when the call's own bound (stop timeout, check timeout) passes. */
  readonly signal: AbortSignal;
}

/**
 * One part of a service's startup: a database pool, a cache client, a listener.
 *
 * @typeParam H The handle `start` returns and `stop` / `check` receive.
 *
 * @example
 * ```ts
 * const cache: ComponentSpec<Redis> = {
 *   name: 'redis',
 *   critical: true,
 *   degradable: true,
 *   start: async ({ signal }) => connectRedis(url, signal),
 *   check: async (client) => { await client.ping(); },
 *   stop: async (client) => { await client.quit(); },
 * };
 * ```
 */
export interface ComponentSpec<H = unknown> {
  /** Unique name across the whole plan. */
  readonly name: string;
  /**
   * A critical component must be up for the service to be ready; an optional one (`false`) may fail
   * without affecting readiness. @default true
   */
  readonly critical?: boolean;
  /**
   * In `graceful` mode, a failed degradable component leaves the service up at a lower availability
   * and keeps recovering in the background. Ignored in `deterministic` mode. @default false
   */
  readonly degradable?: boolean;
  /** Availability while this component is down (graceful mode). @default 'DEGRADED' */
  readonly degradesTo?: Availability;
  /**
   * Names of components (in this or earlier phases) that must be up before this one starts; if one
   * is down, this one does not start (`DependencyUnavailableError`). @default [] (it waits only for
   * its phase to begin)
   */
  readonly dependsOn?: readonly string[];
  /** Start the component and return its handle. Must honour `context.signal`. */
  start(context: ComponentContext): Promise<H>;
  /** Release everything `start` acquired. Bounded by the orchestrator's stop timeout. */
  stop?(handle: H, context: ComponentCallContext): Promise<void> | void;
  /** Health check after startup: throw (or return `false`) when unhealthy. */
  check?(handle: H, context: ComponentCallContext): Promise<boolean | void> | boolean | void;
  /**
   * The policy each start attempt runs under.
   * @default the orchestrator's `defaultPolicy` (`defaultComponentPolicy` unless set)
   */
  readonly policy?: Policy;
}
