/**
 * What {@link runService} feeds its health endpoints: the snapshot as the platform should see it, and
 * a `/metrics` option wired to the orchestrator's events.
 */
import type { HealthMetrics, HealthMetricsOptionsInput } from '../health/metrics.js';
import type { HealthOptionsInput } from '../health/options.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import type { SnapshotSource, StartupSnapshot } from '../orchestrator/snapshot.js';

/**
 * The orchestrator's snapshot as the platform should see it while the service is up (`ready` or
 * `degraded`): until `listen` has finished (`running()` is false) it still shows as `starting` with
 * no `readyAt`, so no traffic arrives before the routes exist; once a stop has begun (`stopping()`)
 * it shows as `draining`. Either way nothing is served, so availability shows `UNAVAILABLE`. Like
 * the orchestrator, it hands back the same object until something changes, so the health handler's
 * identity cache keeps working. Internal.
 */
export class ServiceSnapshotSource implements SnapshotSource {
  /** The last snapshot shown differently, and the one it was made from. */
  private heldBack: { readonly from: StartupSnapshot; readonly shown: StartupSnapshot } | undefined;

  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly running: () => boolean,
    private readonly stopping: () => boolean = () => false,
  ) {}

  snapshot(): StartupSnapshot {
    const snapshot = this.orchestrator.snapshot();
    if (snapshot.status !== 'ready' && snapshot.status !== 'degraded') return snapshot;
    const status = this.stopping() ? 'draining' : this.running() ? undefined : 'starting';
    if (status === undefined) return snapshot;
    if (this.heldBack?.from !== snapshot || this.heldBack.shown.status !== status) {
      const shown: StartupSnapshot = Object.freeze({
        ...snapshot,
        status,
        availability: 'UNAVAILABLE' as const,
        ...(status === 'starting' ? { readyAt: null } : {}),
      });
      this.heldBack = { from: snapshot, shown };
    }
    return this.heldBack.shown;
  }
}

/**
 * The `/metrics` option with `orchestrator.onEvent` as its `events`, so the component start-duration
 * histogram fills itself: for `true` or nothing (the default), and for metrics options that name no
 * `events` of their own. A ready-made {@link HealthMetrics} and `false` are left as they are.
 */
export function metricsWithEvents(
  metrics: HealthOptionsInput['metrics'],
  orchestrator: Orchestrator,
): HealthOptionsInput['metrics'] {
  if (metrics === false) return false;
  if (metrics === undefined || metrics === true) return { events: orchestrator.onEvent };
  if (typeof (metrics as Partial<HealthMetrics>).render === 'function') return metrics;
  const options = metrics as HealthMetricsOptionsInput;
  return { ...options, events: options.events ?? orchestrator.onEvent };
}
