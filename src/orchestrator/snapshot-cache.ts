/**
 * The orchestrator's `/health` snapshot, rebuilt only when something it shows has changed, so that a
 * probe (`/readyz`, many times a second) costs a few dozen property reads and no allocation instead
 * of a rebuild (2 to 4 µs and a few kilobytes of garbage for a seven-phase plan).
 *
 * Two kinds of input, two ways of noticing a change:
 * - Phases and the start/ready times are written only by the orchestrator itself, which calls
 *   {@link SnapshotCache.invalidate} after each write (the version counter).
 * - Status, availability, and each component's state, attempts, last error, report and breaker are
 *   written from many places (core, phase runner, recovery, health checks, a component's `report()`,
 *   a policy's breaker), several of them without an event or after it: a component turns `stopped`
 *   after its `component-stop` event, `stopAll()` turns a degraded one `stopped` silently,
 *   `report()` emits nothing, recovery records a policy's error silently, and a breaker opens after
 *   the attempt's end event. A counter bumped by events would serve a stale `/health` after any of
 *   them, and each new write site would be one more bump to forget. So these values are compared
 *   with the ones the cached snapshot was built from, on every call.
 */
import type { ComponentRuntime } from './component-runtime.js';
import type { OrchestratorCore } from './core.js';
import type { Availability } from './availability.js';
import type { ServiceStatus, StartupSnapshot } from './snapshot.js';

/** A policy-tree object that has a `state` or `breakerState` (what `breakerStateOf` reads). */
type BreakerLike = { readonly breakerState?: unknown; readonly state?: unknown };

/** What one component's entry was built from. */
interface ComponentSeen {
  readonly runtime: ComponentRuntime;
  state: string;
  attempts: number;
  hasError: boolean;
  lastError: unknown;
  report: object;
  /** Breaker-like objects of its policy tree, with the `breakerState` / `state` last seen on each. */
  readonly breakers: { readonly source: BreakerLike; breakerState: unknown; state: unknown }[];
}

/**
 * The objects of a policy tree (the policy and, recursively, the `policies` it wraps, as
 * `breakerStateOf` walks them) that have a `state` or `breakerState` property, own or inherited.
 */
function breakerLikes(policy: unknown, out: BreakerLike[] = [], depth = 0): BreakerLike[] {
  if (typeof policy !== 'object' || policy === null || depth > 4) return out;
  if ('state' in policy || 'breakerState' in policy) out.push(policy as BreakerLike);
  const inner = (policy as { policies?: unknown }).policies;
  if (Array.isArray(inner)) for (const p of inner) breakerLikes(p, out, depth + 1);
  return out;
}

/** Freeze the snapshot's own objects (not the pool figures a component reported: those are its own). */
function freeze(snapshot: StartupSnapshot): StartupSnapshot {
  for (const phase of snapshot.phases) Object.freeze(phase);
  for (const component of snapshot.components) {
    if (component.lastError) Object.freeze(component.lastError);
    Object.freeze(component);
  }
  Object.freeze(snapshot.phases);
  Object.freeze(snapshot.components);
  if (snapshot.admission) Object.freeze(snapshot.admission);
  return Object.freeze(snapshot);
}

/**
 * A cached {@link StartupSnapshot} of one orchestrator. {@link SnapshotCache.get} returns the same
 * frozen object until a value it shows changes, then a new one. Holders of an older snapshot keep an
 * unchanged object, and callers can compare snapshots by identity (the health handler does, to skip
 * recomputing readiness).
 *
 * The shape of each policy tree (its `policies` arrays, and which objects in it have a `state`) is
 * read once, at construction. Internal: not exported from the package.
 */
export class SnapshotCache {
  /** Bumped by {@link invalidate} and by every rebuild. */
  version = 0;
  private current: StartupSnapshot | undefined;
  private status: ServiceStatus;
  private availability: Availability;
  private readonly components: readonly ComponentSeen[];

  constructor(
    private readonly core: OrchestratorCore,
    private readonly build: () => StartupSnapshot,
  ) {
    this.status = core.status;
    this.availability = core.availability;
    this.components = [...core.runtimes.values()].map((runtime) => ({
      runtime,
      state: runtime.state,
      attempts: runtime.attempts,
      hasError: runtime.hasError,
      lastError: runtime.lastError,
      report: runtime.report,
      breakers: breakerLikes(runtime.policy).map((source) => ({
        source,
        breakerState: source.breakerState,
        state: source.state,
      })),
    }));
  }

  /** The orchestrator changed a phase or a start/ready time: the next {@link get} rebuilds. */
  invalidate(): void {
    this.current = undefined;
    this.version += 1;
  }

  /** The snapshot: the cached one when nothing it shows has changed, otherwise a fresh one. */
  get(): StartupSnapshot {
    if (this.current === undefined || this.stale()) {
      this.record();
      this.current = freeze(this.build());
      this.version += 1;
    }
    return this.current;
  }

  /** True when a value the cached snapshot was built from has changed since. */
  private stale(): boolean {
    const { core } = this;
    if (this.status !== core.status || this.availability !== core.availability) return true;
    for (const seen of this.components) {
      const runtime = seen.runtime;
      if (
        seen.state !== runtime.state ||
        seen.attempts !== runtime.attempts ||
        seen.hasError !== runtime.hasError ||
        seen.lastError !== runtime.lastError ||
        seen.report !== runtime.report
      ) {
        return true;
      }
      for (const breaker of seen.breakers) {
        const source = breaker.source;
        if (breaker.state !== source.state || breaker.breakerState !== source.breakerState) return true;
      }
    }
    return false;
  }

  /** Remember the values a build made now reads. */
  private record(): void {
    const { core } = this;
    this.status = core.status;
    this.availability = core.availability;
    for (const seen of this.components) {
      const runtime = seen.runtime;
      seen.state = runtime.state;
      seen.attempts = runtime.attempts;
      seen.hasError = runtime.hasError;
      seen.lastError = runtime.lastError;
      seen.report = runtime.report;
      for (const breaker of seen.breakers) {
        breaker.state = breaker.source.state;
        breaker.breakerState = breaker.source.breakerState;
      }
    }
  }
}
