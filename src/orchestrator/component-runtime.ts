import { safeMessage } from '../common/redact.js';
import type { Classifier } from '../errors/classify.js';
import type { Policy } from '../policies/policy.js';
import type { Availability } from './availability.js';
import type { ComponentReport, ComponentSpec } from './component.js';
import type { OrchestratorMode } from './orchestrator-options.js';
import type {
  AdmissionSnapshot,
  BreakerStateName,
  ComponentSnapshot,
  ComponentState,
  ErrorSummary,
} from './snapshot.js';

/** What the orchestrator tracks about one component (internal). */
export interface ComponentRuntime {
  readonly spec: ComponentSpec;
  readonly phase: string;
  readonly critical: boolean;
  /** The spec's `degradable`, in graceful mode only (deterministic mode ignores it). */
  readonly degradable: boolean;
  readonly degradesTo: Availability;
  readonly policy: Policy;
  state: ComponentState;
  /** All start attempts so far, recovery included. */
  attempts: number;
  lastError: unknown;
  hasError: boolean;
  /**
   * Which attempt (counted as `attempts` is) `lastError` came from, or the attempts made when a
   * health check recorded it: a start that settles after its attempt was given up (it ignored the
   * timeout) must not replace the error of a later attempt or check. 0 before any.
   */
  lastErrorAttempt: number;
  handle: unknown;
  hasHandle: boolean;
  report: ComponentReport;
  /** Aborted when the component is stopped (or given up on). */
  lifetime: AbortController;
  /** Clock time when it went down (degraded), for `downMs`. */
  downSince: number;
}

/**
 * A fresh runtime record. `mode` decides whether the spec's `degradable` counts: in deterministic
 * mode a degradable component is critical or optional like any other, so it neither degrades nor
 * lowers availability when an optional one is skipped.
 */
export function createRuntime(
  spec: ComponentSpec,
  phase: string,
  policy: Policy,
  mode: OrchestratorMode,
): ComponentRuntime {
  return {
    spec,
    phase,
    critical: spec.critical ?? true,
    degradable: mode === 'graceful' && (spec.degradable ?? false),
    degradesTo: spec.degradesTo ?? 'DEGRADED',
    policy,
    state: 'pending',
    attempts: 0,
    lastError: undefined,
    hasError: false,
    lastErrorAttempt: 0,
    handle: undefined,
    hasHandle: false,
    report: {},
    lifetime: new AbortController(),
    downSince: 0,
  };
}

/**
 * Record `error`, why a start gave up, as the component's last error, unless it only restates what
 * the last attempt already recorded: the same error, the policies' wrappers of it (found along the
 * `cause` chain: `PG_ERR_RETRY_EXHAUSTED`, or that wrapping the `PG_ERR_BREAKER_OPEN` of a call the
 * open breaker rejected, whose `cause` is the failure that opened it), or `cutShort`, the reason the
 * start was cut short (a deadline, `stop()`). `/health` should show the attempt's own error (e.g.
 * 28P01).
 */
export function recordGiveUp(runtime: ComponentRuntime, error: unknown, cutShort: unknown): void {
  const restatesLast =
    runtime.hasError && ((cutShort !== undefined && error === cutShort) || wraps(error, runtime.lastError));
  if (restatesLast) return;
  runtime.lastError = error;
  runtime.hasError = true;
}

/** Whether `inner` is `error` or one of its first few causes (policies nest a few levels at most). */
function wraps(error: unknown, inner: unknown): boolean {
  let current = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (current === inner) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** States in which a component's handle is usable. */
export function isUp(runtime: ComponentRuntime): boolean {
  return runtime.state === 'ready' || runtime.state === 'unhealthy';
}

/**
 * What a component contributes to availability: nothing while up or never started; while down
 * (degraded, unhealthy, failed), its `degradesTo` if degradable, `UNAVAILABLE` if critical, and
 * nothing if optional.
 */
export function availabilityContribution(runtime: ComponentRuntime): Availability {
  const down = runtime.state === 'degraded' || runtime.state === 'unhealthy' || runtime.state === 'failed';
  if (!down) return 'FULL';
  if (runtime.degradable) return runtime.degradesTo;
  return runtime.critical ? 'UNAVAILABLE' : 'FULL';
}

/** A stable code for any thrown value: its string `code`, else its name. */
export function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code !== '') return code;
  if (typeof code === 'number') return String(code);
  if (error instanceof Error) return error.name;
  return 'UNKNOWN';
}

/** The redacted `{code, class, message}` of an error. */
export function summarizeError(error: unknown, classify: Classifier): ErrorSummary {
  return { code: errorCodeOf(error), class: classify(error), message: safeMessage(error) };
}

const BREAKER_NAMES: Readonly<Record<string, BreakerStateName>> = {
  closed: 'closed',
  open: 'open',
  'half-open': 'half-open',
  halfopen: 'half-open',
  half_open: 'half-open',
  halfOpen: 'half-open',
  isolated: 'open',
};

/**
 * The breaker state of a policy, duck-typed: a `state` (or `breakerState`) getter with a breaker
 * state name on the policy itself, or on one of the policies it wraps (`policies`). Null when there
 * is no breaker.
 */
export function breakerStateOf(policy: unknown, depth = 0): BreakerStateName | null {
  if (typeof policy !== 'object' || policy === null || depth > 4) return null;
  const p = policy as { state?: unknown; breakerState?: unknown; policies?: unknown };
  for (const value of [p.breakerState, p.state]) {
    if (typeof value === 'string' && value in BREAKER_NAMES) return BREAKER_NAMES[value]!;
  }
  if (Array.isArray(p.policies)) {
    for (const inner of p.policies) {
      const found = breakerStateOf(inner, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

/** The snapshot entry of a component. */
export function componentSnapshot(runtime: ComponentRuntime, classify: Classifier): ComponentSnapshot {
  return {
    name: runtime.spec.name,
    phase: runtime.phase,
    critical: runtime.critical,
    state: runtime.state,
    attempts: runtime.attempts,
    lastError: runtime.hasError ? summarizeError(runtime.lastError, classify) : null,
    breaker: breakerStateOf(runtime.policy),
    ...(runtime.report.pool ? { pool: runtime.report.pool } : {}),
  };
}

/**
 * The admission figures of the whole service: waits reported by components summed, backends joined
 * with `,` when several components report different ones. Undefined when none reported.
 */
export function admissionOf(runtimes: readonly ComponentRuntime[]): AdmissionSnapshot | undefined {
  const reports = runtimes
    .map((r) => r.report.admission)
    .filter((a): a is AdmissionSnapshot => a !== undefined);
  if (reports.length === 0) return undefined;
  const backends = [...new Set(reports.map((a) => a.backend))];
  return { backend: backends.join(','), waitedMs: reports.reduce((sum, a) => sum + a.waitedMs, 0) };
}
