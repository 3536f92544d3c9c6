import { ErrorCodes } from './codes.js';
import { PhasegateError, isPhasegateError } from './phasegate-error.js';

/**
 * The circuit breaker rejected a call without running it. Classified `capacity`: the far side is
 * failing, so a retry should wait at least `retryAfterMs`. Its `hint` is that of the failure that
 * opened the breaker, when it is a phasegate error with one (a retry giving up on this error, and
 * the `StartupError` after it, pass it on).
 */
export class BreakerOpenError extends PhasegateError {
  /** @param cause The last failure the breaker recorded; its `hint` becomes this one's. */
  constructor(
    /** Milliseconds until the breaker admits a probe again (0 when half-open probes are all taken). */
    readonly retryAfterMs: number,
    cause?: unknown,
  ) {
    super(ErrorCodes.BREAKER_OPEN, `Circuit breaker is open; next probe in ${Math.round(retryAfterMs)} ms`, {
      classification: 'capacity',
      cause,
      hint: isPhasegateError(cause) ? cause.hint : undefined,
    });
  }
}
