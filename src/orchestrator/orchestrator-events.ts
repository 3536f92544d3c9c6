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

/** Fields of every event. */
interface At {
  /** Time on the orchestrator's clock. */
  readonly at: number;
}

/** Fields of every component event. */
interface OfComponent extends At {
  /** The phase the component belongs to. */
  readonly phase: string;
  /** The component's name. */
  readonly component: string;
}

/** `start()` began. */
export interface StartupStartEvent extends At {
  /** Discriminant. */
  readonly type: 'startup-start';
  /** The total startup budget, in ms. */
  readonly budgetMs: number;
  /** Epoch ms from the orchestrator's wall clock, for display. */
  readonly wallTime: number;
  /** The phases of the plan, in order. */
  readonly phases: readonly string[];
}

/** `start()` settled. */
export interface StartupEndEvent extends At {
  /** Discriminant. */
  readonly type: 'startup-end';
  /** `aborted`: cancelled from outside or by `stop()`. */
  readonly outcome: 'ready' | 'degraded' | 'failed' | 'aborted';
  /** From `startup-start` to now, in ms. */
  readonly durationMs: number;
  /** Availability at the end. */
  readonly availability: Availability;
  /** The `StartupError` (failed) or abort reason (aborted). */
  readonly error?: unknown;
}

/** A phase began, with the budget it was given. */
export interface PhaseStartEvent extends At {
  /** Discriminant. */
  readonly type: 'phase-start';
  /** The phase's name. */
  readonly phase: string;
  /** Its share of the remaining startup budget, in ms. */
  readonly budgetMs: number;
  /** Absolute deadline on the clock. */
  readonly deadline: number;
}

/**
 * A phase ended, `done` or `failed` (also when startup was cancelled during it). Phases after a
 * failure never start: the snapshot shows them `skipped`, and no event is emitted for them.
 */
export interface PhaseEndEvent extends At {
  /** Discriminant. */
  readonly type: 'phase-end';
  /** The phase's name. */
  readonly phase: string;
  /** How it ended: `done` or `failed`. */
  readonly state: PhaseState;
  /** From its `phase-start` to now, in ms. */
  readonly durationMs: number;
}

/** One start attempt began. `recovery` is true for background recovery in graceful mode. */
export interface ComponentAttemptEvent extends OfComponent {
  /** Discriminant. */
  readonly type: 'component-attempt';
  /** 1-based attempt number within this start (or this recovery round). */
  readonly attempt: number;
  /** True for an attempt of background recovery (graceful mode). */
  readonly recovery: boolean;
}

/** One start attempt ended. */
export interface ComponentAttemptEndEvent extends OfComponent {
  /** Discriminant. */
  readonly type: 'component-attempt-end';
  /** The attempt number of its `component-attempt` event. */
  readonly attempt: number;
  /** True for an attempt of background recovery. */
  readonly recovery: boolean;
  /** Whether `start` returned a handle or threw. */
  readonly outcome: 'ok' | 'error';
  /** How long the attempt took, in ms. */
  readonly durationMs: number;
  /** What the attempt threw; only when `outcome` is `error`. */
  readonly error?: unknown;
  /** The class of `error`; only when `outcome` is `error`. */
  readonly errorClass?: ErrorClass;
}

/** A component is up. */
export interface ComponentReadyEvent extends OfComponent {
  /** Discriminant. */
  readonly type: 'component-ready';
  /** Attempts it took, all its earlier ones included. */
  readonly attempts: number;
  /** From the first attempt to ready. */
  readonly durationMs: number;
}

/**
 * A component gave up. `fatal`: a critical failure that aborts startup; `skipped`: an optional
 * component left out; `aborted`: cancelled because startup was aborted (a sibling failed, `stop()`).
 */
export interface ComponentFailedEvent extends OfComponent {
  /** Discriminant. */
  readonly type: 'component-failed';
  /** See above. */
  readonly outcome: 'fatal' | 'skipped' | 'aborted';
  /** Whether readiness needed it. */
  readonly critical: boolean;
  /** Attempts made. */
  readonly attempts: number;
  /** From its first attempt to giving up, in ms. */
  readonly durationMs: number;
  /** The error it gave up on (the policy's, e.g. `RetryExhaustedError`, or the abort reason). */
  readonly error: unknown;
  /** The class of `error`; `internal` for `aborted`. */
  readonly errorClass: ErrorClass;
}

/** Graceful mode: a degradable component is down; the service runs without it and recovers it. */
export interface ComponentDegradedEvent extends OfComponent {
  /** Discriminant. */
  readonly type: 'component-degraded';
  /** The availability it leaves the service at while down. */
  readonly degradesTo: Availability;
  /** Attempts made before it was left degraded. */
  readonly attempts: number;
  /** From its first attempt to now, in ms. */
  readonly durationMs: number;
  /** The error that made it give up. */
  readonly error: unknown;
  /** The class of `error`. */
  readonly errorClass: ErrorClass;
}

/** A degraded component came back. */
export interface ComponentRecoveredEvent extends OfComponent {
  /** Discriminant. */
  readonly type: 'component-recovered';
  /** All attempts so far, recovery included. */
  readonly attempts: number;
  /** How long it was down. */
  readonly downMs: number;
}

/** A post-start health check failed (threw, returned false, or timed out). */
export interface ComponentUnhealthyEvent extends OfComponent {
  /** Discriminant. */
  readonly type: 'component-unhealthy';
  /** Why: what the check threw, or an error saying it returned false or timed out. */
  readonly error?: unknown;
}

/** An unhealthy component passed its health check again. */
export interface ComponentHealthyEvent extends OfComponent {
  /** Discriminant. */
  readonly type: 'component-healthy';
}

/** A step a component recorded with `context.mark(name, data)` (e.g. `admission-wait`). */
export interface ComponentMarkEvent extends OfComponent {
  /** Discriminant. */
  readonly type: 'component-mark';
  /** The step's name. */
  readonly name: string;
  /** The data passed to `mark` (`{}` when none). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** A component was stopped (`timeout`: its stop did not finish within the stop timeout). */
export interface ComponentStopEvent extends OfComponent {
  /** Discriminant. */
  readonly type: 'component-stop';
  /** `ok`, `error` (its stop threw), or `timeout`. */
  readonly outcome: 'ok' | 'error' | 'timeout';
  /** How long stopping took, in ms. */
  readonly durationMs: number;
  /** What went wrong; absent when `outcome` is `ok`. */
  readonly error?: unknown;
}

/** Availability changed. */
export interface AvailabilityChangeEvent extends At {
  /** Discriminant. */
  readonly type: 'availability-change';
  /** The level before. */
  readonly from: Availability;
  /** The level now. */
  readonly to: Availability;
}

/** The service status changed. */
export interface StatusChangeEvent extends At {
  /** Discriminant. */
  readonly type: 'status-change';
  /** The status before. */
  readonly from: ServiceStatus;
  /** The status now. */
  readonly to: ServiceStatus;
}
