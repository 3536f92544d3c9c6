import { safeMessage } from '../common/redact.js';
import type { ErrorClass } from '../errors/classification.js';
import { ErrorCodes } from '../errors/codes.js';
import { PhasegateError, isPhasegateError } from '../errors/phasegate-error.js';

/**
 * Why a retry policy stopped:
 * - `attempts`: `maxAttempts` were made;
 * - `elapsed`: the next attempt could not finish within `maxElapsedMs`;
 * - `deadline`: the next attempt could not finish before the caller's deadline;
 * - `not-retryable`: the error's class is not `transient` or `capacity`;
 * - `aborted`: the caller aborted (the abort reason is thrown, not a {@link RetryExhaustedError}).
 */
export type GiveUpReason = 'attempts' | 'elapsed' | 'deadline' | 'not-retryable' | 'aborted';

const REASON_TEXT: Record<Exclude<GiveUpReason, 'aborted'>, string> = {
  attempts: 'no attempts left',
  elapsed: 'no time left within maxElapsedMs for another attempt',
  deadline: 'no time left before the deadline for another attempt',
  'not-retryable': 'the error is not retryable',
};

/**
 * The retry policy gave up. Keeps the last error as `cause` and its class as `classification`
 * (so `exitCodeFor` still answers 78 for a bad password and 3 for a dependency that stayed down),
 * with the number of attempts and the time spent. The message is redacted.
 *
 * @example
 * ```ts
 * try { await policy.execute(connect, scope); }
 * catch (e) { if (isRetryExhaustedError(e)) log.warn({ attempts: e.attempts, reason: e.reason }, e.message); }
 * ```
 */
export class RetryExhaustedError extends PhasegateError {
  /**
   * @param lastError Kept as `cause`; its `hint`, when it is a phasegate error, becomes this one's.
   * @param classification The class to report: the last error's (`transient` when no attempt was made).
   */
  constructor(
    /** Why it gave up. */
    readonly reason: Exclude<GiveUpReason, 'aborted'>,
    /** Attempts made (0 when not even the first one fitted before the deadline). */
    readonly attempts: number,
    /** Time from the first attempt's start to giving up, in ms. */
    readonly elapsedMs: number,
    /** The last error (or, with 0 attempts, why none was made). */
    lastError: unknown,
    classification: ErrorClass,
  ) {
    super(
      ErrorCodes.RETRY_EXHAUSTED,
      `Gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} in ${Math.round(elapsedMs)} ms ` +
        `(${REASON_TEXT[reason]}): ${safeMessage(lastError)}`,
      {
        classification,
        cause: lastError,
        hint: isPhasegateError(lastError) ? lastError.hint : undefined,
      },
    );
  }
}

/** True for a {@link RetryExhaustedError} from any copy of phasegate (no `instanceof`). */
export function isRetryExhaustedError(value: unknown): value is RetryExhaustedError {
  return isPhasegateError(value) && value.code === ErrorCodes.RETRY_EXHAUSTED;
}
