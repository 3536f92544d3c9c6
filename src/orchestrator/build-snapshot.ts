/**
 * Builds an orchestrator's {@link StartupSnapshot} (the `/health` body) from its live state. Called
 * only when the {@link SnapshotCache} has seen a change.
 */
import { admissionOf, componentSnapshot } from './component-runtime.js';
import type { OrchestratorCore } from './core.js';
import type { StartupSnapshot } from './snapshot.js';

/** A fresh snapshot of `core` (redacted: errors go through `summarizeError`). Internal. */
export function buildSnapshot(core: OrchestratorCore): StartupSnapshot {
  const wall = (clockTime: number | null): number | null =>
    clockTime === null || core.startWall === null || core.startClock === null
      ? null
      : Math.round(core.startWall + clockTime - core.startClock);
  const runtimes = [...core.runtimes.values()];
  const admission = admissionOf(runtimes);
  return {
    status: core.status,
    availability: core.availability,
    startedAt: core.startWall === null ? null : Math.round(core.startWall),
    readyAt: core.readyWall === null ? null : Math.round(core.readyWall),
    phases: core.plan.phases.map((phase) => {
      const record = core.phases.get(phase.name)!;
      return {
        name: phase.name,
        state: record.state,
        startedAt: wall(record.startedAt),
        durationMs: record.durationMs === null ? null : Math.round(record.durationMs),
      };
    }),
    components: runtimes.map((r) => componentSnapshot(r, core.options.classify)),
    ...(admission ? { admission } : {}),
  };
}
