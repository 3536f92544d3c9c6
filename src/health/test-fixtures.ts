import type { SnapshotSource, StartupSnapshot } from '../orchestrator/snapshot.js';

/** A started service with nothing in it: ready, FULL, no phases or components. */
export const readySnapshot: StartupSnapshot = {
  status: 'ready',
  availability: 'FULL',
  startedAt: 0,
  readyAt: 1,
  phases: [],
  components: [],
};

/** A source that always gives {@link readySnapshot}. */
export const readySource: SnapshotSource = { snapshot: () => readySnapshot };
