/**
 * Builds the `/health` JSON from a snapshot. The snapshot is supposed to be redacted already; this is
 * defence in depth: only the fields of {@link StartupSnapshot} are copied (anything else a source adds is
 * dropped), and every string goes through {@link redactText}.
 */
import { redactText } from '../common/redact.js';
import type {
  ComponentSnapshot,
  PhaseSnapshot,
  ServiceStatus,
  StartupSnapshot,
} from '../orchestrator/snapshot.js';

function text(value: string): string {
  return redactText(String(value));
}

function numberOrNull(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function phaseBody(phase: PhaseSnapshot): PhaseSnapshot {
  return {
    name: text(phase.name),
    state: text(phase.state) as PhaseSnapshot['state'],
    startedAt: numberOrNull(phase.startedAt),
    durationMs: numberOrNull(phase.durationMs),
  };
}

function componentBody(component: ComponentSnapshot): ComponentSnapshot {
  const { lastError, pool } = component;
  const body: ComponentSnapshot = {
    name: text(component.name),
    phase: text(component.phase),
    critical: component.critical === true,
    state: text(component.state) as ComponentSnapshot['state'],
    attempts: numberOrNull(component.attempts) ?? 0,
    lastError:
      lastError === null || lastError === undefined
        ? null
        : {
            code: text(lastError.code),
            class: text(lastError.class) as NonNullable<ComponentSnapshot['lastError']>['class'],
            message: text(lastError.message),
          },
    breaker:
      component.breaker === null || component.breaker === undefined
        ? null
        : (text(component.breaker) as ComponentSnapshot['breaker']),
  };
  if (pool === undefined) return body;
  return {
    ...body,
    pool: {
      open: numberOrNull(pool.open) ?? 0,
      target: numberOrNull(pool.target) ?? 0,
      max: numberOrNull(pool.max) ?? 0,
      ...(pool.idle === undefined ? {} : { idle: numberOrNull(pool.idle) ?? 0 }),
      ...(pool.waiting === undefined ? {} : { waiting: numberOrNull(pool.waiting) ?? 0 }),
    },
  };
}

/**
 * The full `/health` document for a trusted caller: the snapshot's fields, redacted.
 *
 * @param status The status to report (the lifecycle's draining flag may override the snapshot's).
 */
export function healthBody(
  snapshot: StartupSnapshot,
  status: ServiceStatus = snapshot.status,
): StartupSnapshot {
  const body: StartupSnapshot = {
    status: text(status) as ServiceStatus,
    availability: text(snapshot.availability) as StartupSnapshot['availability'],
    startedAt: numberOrNull(snapshot.startedAt),
    readyAt: numberOrNull(snapshot.readyAt),
    phases: snapshot.phases.map(phaseBody),
    components: snapshot.components.map(componentBody),
  };
  const admission = snapshot.admission;
  if (admission === undefined) return body;
  return {
    ...body,
    admission: { backend: text(admission.backend), waitedMs: numberOrNull(admission.waitedMs) ?? 0 },
  };
}

/** The `/health` document for everyone else: the status only. */
export function publicHealthBody(status: ServiceStatus): { readonly status: ServiceStatus } {
  return { status };
}
