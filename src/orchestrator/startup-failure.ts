import { safeMessage } from '../common/redact.js';
import type { Scope } from '../common/scope.js';
import type { ErrorClass } from '../errors/classification.js';
import { ErrorCodes, type ErrorCode } from '../errors/codes.js';
import { isPhasegateError } from '../errors/phasegate-error.js';
import { StartupError } from '../errors/startup-error.js';
import type { OrchestratorCore } from './core.js';
import type { FatalFailure } from './phase-runner.js';
import { abortedByDeadline } from './phase-runner.js';
import type { Phase } from './plan.js';

/** Where startup failed: the phase, its scope and the budget it was given. */
export interface FailedPhase {
  readonly phase: Phase;
  readonly scope: Scope;
  readonly budgetMs: number;
}

/**
 * A deadline ran out: a scope's `DeadlineExceededError`, or a retry policy that gave up because no
 * further attempt could finish before the deadline (`RetryExhaustedError` with reason `deadline`).
 */
const isDeadlineError = (error: unknown): boolean =>
  isPhasegateError(error) &&
  (error.code === ErrorCodes.DEADLINE_EXCEEDED ||
    (error.code === ErrorCodes.RETRY_EXHAUSTED && (error as { reason?: unknown }).reason === 'deadline'));

/**
 * The {@link StartupError} for a fatal failure (or, without `fatal`, for the total budget running out
 * between phases). The code says what ran out:
 * - `PG_ERR_DEADLINE_EXCEEDED`: the total startup budget;
 * - `PG_ERR_PHASE_TIMEOUT`: the phase's share of it;
 * - `PG_ERR_COMPONENT_FAILED`: neither; the component failed (for good, or retries gave up).
 *
 * The classification is that of the underlying error (so `exitCodeFor` gives 3 for
 * transient/capacity and 78 for permanent/config), and the error is kept intact as `cause`.
 */
export function startupErrorFor(
  core: OrchestratorCore,
  where: FailedPhase,
  fatal: FatalFailure | undefined,
): StartupError {
  const root = core.root!;
  const now = core.now();
  const cause = fatal ? fatal.error : root.signal.reason;
  const timedOut = isDeadlineError(cause) || now >= where.scope.deadline;
  const code: ErrorCode =
    abortedByDeadline(root.signal) ||
    now >= root.deadline ||
    (timedOut && where.scope.deadline >= root.deadline)
      ? ErrorCodes.DEADLINE_EXCEEDED
      : timedOut
        ? ErrorCodes.PHASE_TIMEOUT
        : ErrorCodes.COMPONENT_FAILED;
  const classification = core.options.classify(cause);
  const runtime = fatal?.runtime;
  const component = runtime?.spec.name;
  const attempts = runtime?.attempts ?? 0;
  const phase = where.phase.name;
  const lastAttempt =
    runtime?.hasError && runtime.lastError !== cause
      ? ` (last error: ${safeMessage(runtime.lastError)})`
      : '';
  const what =
    code === ErrorCodes.COMPONENT_FAILED
      ? `component "${component}" failed`
      : code === ErrorCodes.PHASE_TIMEOUT
        ? `phase budget of ${Math.round(where.budgetMs)} ms ran out${component ? ` while starting "${component}"` : ''}`
        : `startup budget of ${Math.round(core.options.budgetMs)} ms ran out${component ? ` while starting "${component}"` : ''}`;
  const message =
    `Startup failed in phase "${phase}": ${what} after ${attempts} attempt${attempts === 1 ? '' : 's'} ` +
    `(${classification}): ${safeMessage(cause)}${lastAttempt}`;
  return new StartupError(code, message, {
    phase,
    component,
    attempts,
    elapsedMs: core.elapsed(),
    budgetMs: core.options.budgetMs,
    classification,
    cause,
    hint: hintFor(code, classification, cause, phase, component),
  });
}

function hintFor(
  code: ErrorCode,
  classification: ErrorClass,
  cause: unknown,
  phase: string,
  component: string | undefined,
): string {
  if (isPhasegateError(cause) && cause.hint) return cause.hint;
  const subject = component ? `"${component}"` : `phase "${phase}"`;
  switch (classification) {
    case 'permanent':
    case 'config':
      return `${subject} failed in a way waiting will not fix: check its settings and credentials`;
    case 'internal':
      return `${subject} threw an unrecognised error: see the cause; add a classification rule if it is retryable`;
    default:
      break;
  }
  if (code === ErrorCodes.PHASE_TIMEOUT) {
    return `give phase "${phase}" a larger budgetMs or share, raise the total budget, or find why ${subject} is slow`;
  }
  if (code === ErrorCodes.DEADLINE_EXCEEDED) {
    return 'raise the total startup budget (budgetMs, the platform startup window) or shorten earlier phases';
  }
  return `${subject} stayed unreachable or full: check that it is up and has capacity for this fleet`;
}
