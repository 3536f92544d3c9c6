import type { ErrorClass } from '../errors/classification.js';
import type { Availability } from './availability.js';
import type { PhaseState, ServiceStatus } from './snapshot.js';

/**
 * Every transition the orchestrator goes through, as a discriminated union on `type`. `at` is the
 * time on the orchestrator's clock. Errors are the original values (listeners may inspect them);
 * the timeline and `/health` only ever show redacted summaries.
 */
export type OrchestratorEvent =
  | StartupStartEvent
  | StartupEndEvent
  | PhaseStartEvent
  | PhaseEndEvent
  | ComponentAttemptEvent
  | ComponentAttemptEndEvent
  | ComponentReadyEvent
  | ComponentFailedEvent
  | ComponentDegradedEvent
  | ComponentRecoveredEvent
  | ComponentUnhealthyEvent
  | ComponentHealthyEvent
  | ComponentMarkEvent
  | ComponentStopEvent
  | AvailabilityChangeEvent
  | StatusChangeEvent;

/** The `type` of an {@link OrchestratorEvent}. */
export type OrchestratorEventType = OrchestratorEvent['type'];

/** The event of one `type`. */
export type OrchestratorEventOf<K extends OrchestratorEventType> = Extract<OrchestratorEvent, { type: K }>;

interface At {
  /** Time on the orchestrator's clock. */
  readonly at: number;
}

interface OfComponent extends At {
  readonly phase: string;
  readonly component: string;
}

/** `start()` began. */
export interface StartupStartEvent extends At {
  readonly type: 'startup-start';
  /** The total startup budget. */
  readonly budgetMs: number;
  /** Epoch ms from the orchestrator's wall clock, for display. */
  readonly wallTime: number;
  /** The phases of the plan, in order. */
  readonly phases: readonly string[];
}

/** `start()` settled. */
export interface StartupEndEvent extends At {
  readonly type: 'startup-end';
  /** `aborted`: cancelled from outside or by `stop()`. */
  readonly outcome: 'ready' | 'degraded' | 'failed' | 'aborted';
  readonly durationMs: number;
  readonly availability: Availability;
  /** The `StartupError` (failed) or abort reason (aborted). */
  readonly error?: unknown;
}

/** A phase began, with the budget it was given. */
export interface PhaseStartEvent extends At {
  readonly type: 'phase-start';
  readonly phase: string;
  readonly budgetMs: number;
  /** Absolute deadline on the clock. */
  readonly deadline: number;
}

/** A phase ended (`done`, `failed`, or `skipped` when startup failed earlier). */
export interface PhaseEndEvent extends At {
  readonly type: 'phase-end';
  readonly phase: string;
  readonly state: PhaseState;
  readonly durationMs: number;
}

/** One start attempt began. `recovery` is true for background recovery in graceful mode. */
export interface ComponentAttemptEvent extends OfComponent {
  readonly type: 'component-attempt';
  /** 1-based attempt number within this start (or this recovery round). */
  readonly attempt: number;
  readonly recovery: boolean;
}

/** One start attempt ended. */
export interface ComponentAttemptEndEvent extends OfComponent {
  readonly type: 'component-attempt-end';
  readonly attempt: number;
  readonly recovery: boolean;
  readonly outcome: 'ok' | 'error';
  readonly durationMs: number;
  readonly error?: unknown;
  readonly errorClass?: ErrorClass;
}

/** A component is up. */
export interface ComponentReadyEvent extends OfComponent {
  readonly type: 'component-ready';
  readonly attempts: number;
  /** From the first attempt to ready. */
  readonly durationMs: number;
}

/**
 * A component gave up. `fatal`: a critical failure that aborts startup; `skipped`: an optional
 * component left out; `aborted`: cancelled because startup was aborted (a sibling failed, `stop()`).
 */
export interface ComponentFailedEvent extends OfComponent {
  readonly type: 'component-failed';
  readonly outcome: 'fatal' | 'skipped' | 'aborted';
  readonly critical: boolean;
  readonly attempts: number;
  readonly durationMs: number;
  readonly error: unknown;
  readonly errorClass: ErrorClass;
}

/** Graceful mode: a degradable component is down; the service runs without it and recovers it. */
export interface ComponentDegradedEvent extends OfComponent {
  readonly type: 'component-degraded';
  readonly degradesTo: Availability;
  readonly attempts: number;
  readonly durationMs: number;
  readonly error: unknown;
  readonly errorClass: ErrorClass;
}

/** A degraded component came back. */
export interface ComponentRecoveredEvent extends OfComponent {
  readonly type: 'component-recovered';
  readonly attempts: number;
  /** How long it was down. */
  readonly downMs: number;
}

/** A post-start health check failed (threw, returned false, or timed out). */
export interface ComponentUnhealthyEvent extends OfComponent {
  readonly type: 'component-unhealthy';
  readonly error?: unknown;
}

/** An unhealthy component passed its health check again. */
export interface ComponentHealthyEvent extends OfComponent {
  readonly type: 'component-healthy';
}

/** A step a component recorded with `context.mark(name, data)` (e.g. `admission-wait`). */
export interface ComponentMarkEvent extends OfComponent {
  readonly type: 'component-mark';
  readonly name: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** A component was stopped (`timeout`: its stop did not finish within the stop timeout). */
export interface ComponentStopEvent extends OfComponent {
  readonly type: 'component-stop';
  readonly outcome: 'ok' | 'error' | 'timeout';
  readonly durationMs: number;
  readonly error?: unknown;
}

/** Availability changed. */
export interface AvailabilityChangeEvent extends At {
  readonly type: 'availability-change';
  readonly from: Availability;
  readonly to: Availability;
}

/** The service status changed. */
export interface StatusChangeEvent extends At {
  readonly type: 'status-change';
  readonly from: ServiceStatus;
  readonly to: ServiceStatus;
}
