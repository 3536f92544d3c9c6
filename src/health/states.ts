/**
 * The health endpoints' paths, the status and reason strings they answer with, and the rules that
 * decide each probe's answer from a {@link StartupSnapshot}. All strings live here, in one place; the
 * rules are pure functions so they can be tested as a table.
 */
import type { ComponentState, ServiceStatus, StartupSnapshot } from '../orchestrator/snapshot.js';

/** The fixed paths of the health endpoints (what each answers: the README's "Contracts" section). */
export const HealthPaths = {
  /** Liveness: 200 while the process can make progress. */
  LIVEZ: '/livez',
  /** Startup: 503 until the startup sequence has finished (ready or degraded), then 200. */
  STARTUPZ: '/startupz',
  /** Readiness: 200 only when the service should take traffic. */
  READYZ: '/readyz',
  /** The redacted {@link StartupSnapshot} as JSON (full detail only to trusted callers). */
  HEALTH: '/health',
  /** Prometheus text format. */
  METRICS: '/metrics',
} as const;

/** One of {@link HealthPaths}. */
export type HealthPath = (typeof HealthPaths)[keyof typeof HealthPaths];

/** Every {@link ServiceStatus}, in lifecycle order. */
export const SERVICE_STATUSES: readonly ServiceStatus[] = [
  'starting',
  'ready',
  'degraded',
  'draining',
  'stopped',
  'failed',
];

/** Why `/readyz` answered as it did; also its response body. */
export const ReadinessReasons = {
  READY: 'ready',
  STARTING: 'starting',
  DRAINING: 'draining',
  STOPPED: 'stopped',
  FAILED: 'failed',
  /** Status or availability is degraded and `degradedIsReady` is false. */
  DEGRADED: 'degraded',
  /** Availability is UNAVAILABLE. */
  UNAVAILABLE: 'unavailable',
  /** A critical component is not in a serving state (unhealthy, failed, stopped...). */
  CRITICAL_UNHEALTHY: 'critical-component-unhealthy',
  /** The snapshot source threw. */
  SNAPSHOT_ERROR: 'snapshot-error',
} as const;

/** One of {@link ReadinessReasons}. */
export type ReadinessReason = (typeof ReadinessReasons)[keyof typeof ReadinessReasons];

/** Why `/startupz` answered as it did; also its response body. */
export const StartupReasons = {
  STARTED: 'started',
  STARTING: 'starting',
  FAILED: 'failed',
  STOPPED: 'stopped',
  SNAPSHOT_ERROR: 'snapshot-error',
} as const;

/** One of {@link StartupReasons}. */
export type StartupReason = (typeof StartupReasons)[keyof typeof StartupReasons];

/** Why `/livez` answered as it did; also its response body. */
export const LivenessReasons = {
  LIVE: 'ok',
  /** The `live` hook said the process cannot make progress (for example an event-loop stall). */
  STALLED: 'stalled',
} as const;

/** One of {@link LivenessReasons}. */
export type LivenessReason = (typeof LivenessReasons)[keyof typeof LivenessReasons];

/** Component states in which a critical component still serves normally. */
const SERVING: ReadonlySet<ComponentState> = new Set<ComponentState>(['ready']);
/** Component states in which a critical component serves with less (ready only with `degradedIsReady`). */
const SERVING_DEGRADED: ReadonlySet<ComponentState> = new Set<ComponentState>(['degraded']);

/** The inputs of the readiness rule besides the snapshot. */
export interface ReadinessInputs {
  /** Whether DEGRADED (status or availability) counts as ready. */
  readonly degradedIsReady: boolean;
  /** Whether the lifecycle has started draining (SIGTERM): then never ready. */
  readonly draining: boolean;
}

/**
 * The `/readyz` rule. Ready (200) only when all of these hold:
 * - the lifecycle is not draining and the status is `ready`, or `degraded` with `degradedIsReady`;
 * - availability is `FULL`, or `DEGRADED`/`MINIMAL` with `degradedIsReady` (never `UNAVAILABLE`);
 * - every critical component is `ready` (or `degraded` with `degradedIsReady`). A critical component
 *   that is unhealthy, failed or stopped makes the service not ready, since it cannot
 *   serve without it; `/livez` stays 200 because a restart would not help.
 *
 * @returns {@link ReadinessReasons.READY} when ready, otherwise the first reason it is not.
 */
export function readinessOf(snapshot: StartupSnapshot, inputs: ReadinessInputs): ReadinessReason {
  if (inputs.draining) return ReadinessReasons.DRAINING;
  switch (snapshot.status) {
    case 'starting':
      return ReadinessReasons.STARTING;
    case 'draining':
      return ReadinessReasons.DRAINING;
    case 'stopped':
      return ReadinessReasons.STOPPED;
    case 'failed':
      return ReadinessReasons.FAILED;
    case 'degraded':
      if (!inputs.degradedIsReady) return ReadinessReasons.DEGRADED;
      break;
    case 'ready':
      break;
    default:
      // An unknown status from a newer orchestrator: not ready is the safe answer.
      return ReadinessReasons.STARTING;
  }
  switch (snapshot.availability) {
    case 'FULL':
      break;
    case 'DEGRADED':
    case 'MINIMAL':
      if (!inputs.degradedIsReady) return ReadinessReasons.DEGRADED;
      break;
    default:
      return ReadinessReasons.UNAVAILABLE;
  }
  for (const component of snapshot.components) {
    if (!component.critical || SERVING.has(component.state)) continue;
    if (SERVING_DEGRADED.has(component.state)) {
      if (!inputs.degradedIsReady) return ReadinessReasons.DEGRADED;
      continue;
    }
    return ReadinessReasons.CRITICAL_UNHEALTHY;
  }
  return ReadinessReasons.READY;
}

/**
 * The `/startupz` rule: started (200) once the startup sequence has finished, that is when the status
 * is `ready` or `degraded`. A service that finished starting and is now draining, stopped or failed
 * still counts as started when `readyAt` is set (or `startedBefore` is true): a startup probe is only
 * consulted until it first succeeds, and answering 503 later would claim startup never finished.
 *
 * @param startedBefore Whether this probe already saw the service started (a latch kept by the
 *   handler, for orchestrators that leave `readyAt` null when startup ends degraded).
 */
export function startupOf(snapshot: StartupSnapshot, startedBefore = false): StartupReason {
  const status = snapshot.status;
  if (status === 'ready' || status === 'degraded') return StartupReasons.STARTED;
  if (status === 'starting') return StartupReasons.STARTING;
  if (startedBefore || snapshot.readyAt !== null) return StartupReasons.STARTED;
  if (status === 'failed') return StartupReasons.FAILED;
  if (status === 'stopped') return StartupReasons.STOPPED;
  // 'draining' (or unknown) before startup finished: a SIGTERM arrived while starting.
  return StartupReasons.STARTING;
}

/**
 * The status `/health` reports: the snapshot's, except that a service the lifecycle has flagged as
 * draining reports `draining` until it has stopped or failed.
 */
export function reportedStatus(status: ServiceStatus, draining: boolean): ServiceStatus {
  if (!draining) return status;
  return status === 'stopped' || status === 'failed' ? status : 'draining';
}

/**
 * The snapshot `/health` and `/metrics` report: the source's, except that while the lifecycle has
 * flagged the service as draining it shows {@link reportedStatus} and availability `UNAVAILABLE`
 * (nothing new is served, whatever the components are), until it has stopped or failed.
 */
export function reportedSnapshot(snapshot: StartupSnapshot, draining: boolean): StartupSnapshot {
  const status = reportedStatus(snapshot.status, draining);
  return status === snapshot.status ? snapshot : { ...snapshot, status, availability: 'UNAVAILABLE' };
}
