import type { ErrorClass } from '../errors/classification.js';
import type { Availability } from './availability.js';

/** Lifecycle status of the service, as `/health` reports it. */
export type ServiceStatus = 'starting' | 'ready' | 'degraded' | 'draining' | 'stopped' | 'failed';

/** State of one phase. */
export type PhaseState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** State of one component. */
export type ComponentState =
  | 'pending'
  | 'starting'
  | 'ready'
  | 'degraded'
  | 'recovering'
  | 'unhealthy'
  | 'failed'
  | 'stopping'
  | 'stopped';

/** Circuit-breaker state as reported. */
export type BreakerStateName = 'closed' | 'open' | 'half-open';

/** A redacted description of the last error a component saw. */
export interface ErrorSummary {
  readonly code: string;
  readonly class: ErrorClass;
  /** Redacted: never contains a password or token. */
  readonly message: string;
}

/** Connection-pool figures of a pool component. */
export interface PoolSummary {
  readonly open: number;
  readonly target: number;
  readonly max: number;
  readonly idle?: number;
  readonly waiting?: number;
}

/** One phase in a snapshot. */
export interface PhaseSnapshot {
  readonly name: string;
  readonly state: PhaseState;
  /** Epoch ms, or null before it started. */
  readonly startedAt: number | null;
  /** Null while running or pending. */
  readonly durationMs: number | null;
}

/** One component in a snapshot. */
export interface ComponentSnapshot {
  readonly name: string;
  readonly phase: string;
  readonly critical: boolean;
  readonly state: ComponentState;
  readonly attempts: number;
  readonly lastError: ErrorSummary | null;
  readonly breaker: BreakerStateName | null;
  readonly pool?: PoolSummary;
}

/** Fleet admission figures. */
export interface AdmissionSnapshot {
  readonly backend: string;
  readonly waitedMs: number;
}

/**
 * The state of a service's startup and health at one moment: exactly the body of `GET /health`
 * (see DESIGN.md). Every string in it is redacted.
 */
export interface StartupSnapshot {
  readonly status: ServiceStatus;
  readonly availability: Availability;
  /** Epoch ms. */
  readonly startedAt: number | null;
  /** Epoch ms, or null until ready. */
  readonly readyAt: number | null;
  readonly phases: readonly PhaseSnapshot[];
  readonly components: readonly ComponentSnapshot[];
  readonly admission?: AdmissionSnapshot;
}

/** Anything that can report a {@link StartupSnapshot} (the orchestrator does). */
export interface SnapshotSource {
  snapshot(): StartupSnapshot;
}
