import { ErrorCodes } from './codes.js';
import { PhasegateError } from './phasegate-error.js';

/**
 * The circuit breaker rejected a call without running it. Classified `capacity`: the far side is
 * failing, so a retry should wait at least `retryAfterMs`.
 */
export class BreakerOpenError extends PhasegateError {
  /** @param cause The last failure the breaker recorded. */
  constructor(
    /** Milliseconds until the breaker admits a probe again (0 when half-open probes are all taken). */
    readonly retryAfterMs: number,
    cause?: unknown,
  ) {
    super(ErrorCodes.BREAKER_OPEN, `Circuit breaker is open; next probe in ${Math.round(retryAfterMs)} ms`, {
      classification: 'capacity',
      cause,
    });
  }
}
