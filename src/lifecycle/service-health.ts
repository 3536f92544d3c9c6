/**
 * What {@link runService} feeds its health endpoints: the snapshot as the platform should see it, and
 * a `/metrics` option wired to the orchestrator's events.
 */
import type { HealthMetrics, HealthMetricsOptionsInput } from '../health/metrics.js';
import type { HealthOptionsInput } from '../health/options.js';
import type { Orchestrator } from '../orchestrator/orchestrator.js';
import type { SnapshotSource, StartupSnapshot } from '../orchestrator/snapshot.js';

/**
 * The orchestrator's snapshot, except that until `listen` has finished (`running()` is false) a
 * started plan still shows as `starting`, with no `readyAt` and availability `UNAVAILABLE`, so no
 * traffic arrives before the routes exist. (Draining is the health handler's `setDraining`.) Like the
 * orchestrator, it hands back the same object until something changes, so the health handler's
 * identity cache keeps working while `listen` runs. Internal.
 */
export class ServiceSnapshotSource implements SnapshotSource {
  /** The last ready snapshot shown as `starting`, and the one it was made from. */
  private heldBack: { readonly from: StartupSnapshot; readonly shown: StartupSnapshot } | undefined;

  constructor(
    private readonly orchestrator: Orchestrator,
    private readonly running: () => boolean,
  ) {}

  snapshot(): StartupSnapshot {
    const snapshot = this.orchestrator.snapshot();
    if (this.running() || (snapshot.status !== 'ready' && snapshot.status !== 'degraded')) return snapshot;
    if (this.heldBack?.from !== snapshot) {
      const shown = Object.freeze({
        ...snapshot,
        status: 'starting' as const,
        readyAt: null,
        availability: 'UNAVAILABLE' as const,
      });
      this.heldBack = { from: snapshot, shown };
    }
    return this.heldBack.shown;
  }
}

/**
 * The `/metrics` option with `orchestrator.onEvent` as its `events`, so the component start-duration
 * histogram fills itself: for `true` or nothing (the default), and for metrics options that name no
 * `events` of their own. A ready-made {@link HealthMetrics}, `false` and invalid values are left as
 * they are.
 */
export function metricsWithEvents(
  metrics: HealthOptionsInput['metrics'],
  orchestrator: Orchestrator,
): HealthOptionsInput['metrics'] {
  if (metrics === undefined || metrics === true) return { events: orchestrator.onEvent };
  // false, and anything that is not an options object (left for the health options' check to
  // reject by name: spreading a string or a number below would have made it a valid object).
  if (typeof metrics !== 'object' || metrics === null) return metrics;
  if (typeof (metrics as Partial<HealthMetrics>).render === 'function') return metrics;
  const options = metrics as HealthMetricsOptionsInput;
  return { ...options, events: options.events ?? orchestrator.onEvent };
}
