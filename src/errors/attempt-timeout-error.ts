import { ErrorCodes } from './codes.js';
import { PhasegateError } from './phasegate-error.js';

/** One attempt took longer than the timeout policy allowed. Classified `transient`. */
export class AttemptTimeoutError extends PhasegateError {
  /** The message gives `timeoutMs` rounded to whole ms. */
  constructor(
    /** The timeout that was applied to the attempt, in ms. */
    readonly timeoutMs: number,
  ) {
    super(ErrorCodes.ATTEMPT_TIMEOUT, `Attempt timed out after ${Math.round(timeoutMs)} ms`, {
      classification: 'transient',
    });
  }
}
