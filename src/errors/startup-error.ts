import { redactText } from '../common/redact.js';
import type { ErrorClass } from './classification.js';
import type { ErrorCode } from './codes.js';
import { PhasegateError, isPhasegateError } from './phasegate-error.js';

const STARTUP_BRAND = Symbol.for('phasegate.startup-error');

/** Where and how a startup failed. */
export interface StartupErrorContext {
  /** The phase that failed. */
  readonly phase?: string | undefined;
  /** The component that failed. */
  readonly component?: string | undefined;
  /** How many attempts were made. @default 0 */
  readonly attempts?: number | undefined;
  /** Time from the start of startup to the failure, in ms. @default 0 */
  readonly elapsedMs?: number | undefined;
  /** The startup budget, in ms. @default Infinity */
  readonly budgetMs?: number | undefined;
  /** Class of the underlying failure. */
  readonly classification: ErrorClass;
  /** What a person can do about it. */
  readonly hint?: string | undefined;
  /** The original error, kept intact. */
  readonly cause?: unknown;
}

/**
 * Startup failed. Says which phase and component, after how many attempts and how long, against
 * which budget, why (the classification), and keeps the original error as `cause`. The message is
 * redacted: no password or token from a connection string ever appears in it.
 *
 * @example
 * ```ts
 * try { await orchestrator.start(); }
 * catch (e) { if (isStartupError(e)) process.exitCode = exitCodeFor(e); }
 * ```
 */
export class StartupError extends PhasegateError {
  /** The phase that failed (the orchestrator always sets it). */
  readonly phase: string | undefined;
  /** The component that failed; undefined when none did (the budget ran out between starts). */
  readonly component: string | undefined;
  /** Start attempts the failed component made; 0 when there is no component. */
  readonly attempts: number;
  /** Time from the start of startup to the failure, in ms on the orchestrator's clock. */
  readonly elapsedMs: number;
  /** The total startup budget, in ms (`Infinity`, shown as `null` by `toJSON()`, when not given). */
  readonly budgetMs: number;

  /**
   * @param code The orchestrator uses `PG_ERR_COMPONENT_FAILED`, `PG_ERR_PHASE_TIMEOUT` and
   * `PG_ERR_DEADLINE_EXCEEDED`.
   * @param message Redacted before it is kept.
   * @param context A missing `attempts` or `elapsedMs` becomes 0, a missing `budgetMs` `Infinity`.
   */
  constructor(code: ErrorCode, message: string, context: StartupErrorContext) {
    super(code, redactText(message), {
      classification: context.classification,
      cause: context.cause,
      hint: context.hint,
    });
    this.phase = context.phase;
    this.component = context.component;
    this.attempts = context.attempts ?? 0;
    this.elapsedMs = context.elapsedMs ?? 0;
    this.budgetMs = context.budgetMs ?? Infinity;
    Object.defineProperty(this, STARTUP_BRAND, { value: true });
  }

  /** A JSON-safe, redacted summary (for logs, `/health` and the timeline). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      class: this.classification,
      message: this.message,
      phase: this.phase,
      component: this.component,
      attempts: this.attempts,
      elapsedMs: Math.round(this.elapsedMs),
      budgetMs: Number.isFinite(this.budgetMs) ? Math.round(this.budgetMs) : null,
      hint: this.hint,
    };
  }
}

/** True for a {@link StartupError} from any copy of phasegate (no `instanceof`). */
export function isStartupError(value: unknown): value is StartupError {
  return isPhasegateError(value) && (value as unknown as Record<symbol, unknown>)[STARTUP_BRAND] === true;
}
