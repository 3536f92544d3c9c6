import type { ErrorClass } from '../errors/classification.js';
import type { Availability } from './availability.js';

/** Lifecycle status of the service, as `/health` reports it. */
export type ServiceStatus = 'starting' | 'ready' | 'degraded' | 'draining' | 'stopped' | 'failed';

/** State of one phase. */
export type PhaseState = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/**
 * State of one component: `pending` (its phase has not reached it), `starting`, `ready`, `degraded`
 * (graceful mode, recovering), `unhealthy` (a health check failed), `failed`, `stopping`, `stopped`
 * (stopped, cut short, or never started because startup ended first).
 */
export type ComponentState =
  'pending' | 'starting' | 'ready' | 'degraded' | 'unhealthy' | 'failed' | 'stopping' | 'stopped';

/** Circuit-breaker state as reported. */
export type BreakerStateName = 'closed' | 'open' | 'half-open';

/** A redacted description of the last error a component saw. */
export interface ErrorSummary {
  /** The error's stable code: a `PG_ERR_*` code, a driver code (SQLSTATE, errno), or its name. */
  readonly code: string;
  /** How the error was classified (decides retries and the exit code). */
  readonly class: ErrorClass;
  /** Redacted: never contains a password or token. */
  readonly message: string;
}

/** Connection-pool figures of a pool component, in connections. */
export interface PoolSummary {
  /** Connections open (idle and in use). */
  readonly open: number;
  /** How many the pool aims to hold now (its fair share, capped by `max`). */
  readonly target: number;
  /** The configured ceiling. */
  readonly max: number;
  /** Open connections not in use; absent when the component does not report it. */
  readonly idle?: number;
  /** Callers waiting for a connection; absent when the component does not report it. */
  readonly waiting?: number;
}

/** One phase in a snapshot. */
export interface PhaseSnapshot {
  /** The phase's name, as in the plan. */
  readonly name: string;
  /** `pending`, `running`, `done`, `failed`, or `skipped` (startup ended before it). */
  readonly state: PhaseState;
  /** When the phase started, in epoch ms; null before it started (and for a skipped phase). */
  readonly startedAt: number | null;
  /** How long it ran, in ms; null while pending or running, and for a skipped phase. */
  readonly durationMs: number | null;
}

/** One component in a snapshot. */
export interface ComponentSnapshot {
  /** The component's name, unique in the plan. */
  readonly name: string;
  /** The phase it belongs to. */
  readonly phase: string;
  /** Whether readiness needs it (`ComponentSpec.critical`, true unless set to false). */
  readonly critical: boolean;
  /**
   * Where it is in its life: `pending` before its phase, `ready` when up, and so on. Once startup
   * has failed or been stopped, one that never started (a sibling failed fatally, its phase was
   * skipped) is `stopped` with 0 attempts, never left `pending`.
   */
  readonly state: ComponentState;
  /** Start attempts so far, background recovery included; 0 before the first. */
  readonly attempts: number;
  /**
   * The last error it saw (a failed attempt or health check), kept after it recovers; null if none.
   * Attempts count in the order they started: a start that settles after its attempt timed out (it
   * ignored its signal) does not replace the error of a later attempt or health check.
   */
  readonly lastError: ErrorSummary | null;
  /** State of the circuit breaker in its policy; null when its policy has no breaker. */
  readonly breaker: BreakerStateName | null;
  /** Pool figures; present only for a component that reports them (the Postgres component). */
  readonly pool?: PoolSummary;
}

/** Fleet admission figures. */
export interface AdmissionSnapshot {
  /** The admission backend (`postgres`, `redis`, `local`); several are joined with `,`. */
  readonly backend: string;
  /** Time spent waiting for admission slots, in ms, summed over the components that waited. */
  readonly waitedMs: number;
}

/**
 * The state of a service's startup and health at one moment: exactly the body of `GET /health`
 * (the README's "Contracts" section describes it field by field). Every string in it is redacted.
 */
export interface StartupSnapshot {
  /** The service's lifecycle status. */
  readonly status: ServiceStatus;
  /**
   * How much of the service works: the worst level over the components that are down while it is up
   * (`ready`/`degraded`); `UNAVAILABLE` while starting, draining, stopped or failed.
   */
  readonly availability: Availability;
  /** When startup began, in epoch ms; null before `start()`. */
  readonly startedAt: number | null;
  /** When startup finished (ready or degraded), in epoch ms; null until then and after a failure. */
  readonly readyAt: number | null;
  /** Every phase of the plan, in order. */
  readonly phases: readonly PhaseSnapshot[];
  /** Every component of the plan, in plan order. */
  readonly components: readonly ComponentSnapshot[];
  /** Present once a component has waited for a fleet admission slot. */
  readonly admission?: AdmissionSnapshot;
}

/** Anything that can report a {@link StartupSnapshot} (the orchestrator does). */
export interface SnapshotSource {
  /** The current snapshot. The health handler calls it on every request, so keep it cheap. */
  snapshot(): StartupSnapshot;
}
