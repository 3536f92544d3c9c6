import type { ErrorCode } from './codes.js';
import type { ErrorClass } from './classification.js';

const BRAND = Symbol.for('phasegate.error');

/**
 * Base class of every error phasegate throws. Carries a stable {@link ErrorCode}, the class of the
 * failure, and keeps the original error as `cause`.
 */
export class PhasegateError extends Error {
  /** Stable code; see {@link ErrorCodes}. */
  readonly code: ErrorCode;
  /** How the failure is classified; decides retries and the exit code. */
  readonly classification: ErrorClass;
  /** What a person can do about it, when we know. */
  readonly hint: string | undefined;

  /**
   * @param code Stable code; see {@link ErrorCodes}.
   * @param message Kept as it is (not redacted here).
   * @param options `cause` becomes the standard `Error.cause` (not set when undefined);
   * `classification` and `hint` become the fields of the same name.
   */
  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; classification: ErrorClass; hint?: string | undefined },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.classification = options.classification;
    this.hint = options.hint;
  }

  /** The name of the error's class (`StartupError`, `ConfigError`, ...). */
  override get name(): string {
    return this.constructor.name;
  }
}

// The brand lives on the prototype, not on each instance: a storm creates hundreds of thousands of
// these, and a per-instance defineProperty costs a hidden-class transition each time.
Object.defineProperty(PhasegateError.prototype, BRAND, { value: true });

/**
 * True for any phasegate error, even one from another copy of the package (no `instanceof`).
 *
 * @example
 * ```ts
 * try {
 *   await orchestrator.start();
 * } catch (error) {
 *   if (isPhasegateError(error) && error.code === ErrorCodes.PHASE_TIMEOUT) console.error(error.hint);
 *   process.exitCode = exitCodeFor(error);
 * }
 * ```
 */
export function isPhasegateError(value: unknown): value is PhasegateError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
