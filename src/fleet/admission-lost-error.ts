import { ErrorCodes } from '../errors/codes.js';
import { PhasegateError } from '../errors/phasegate-error.js';

/**
 * A fleet admission slot was lost while held: the backend can no longer vouch that this instance
 * holds it, so another instance may. It is the reason of a lost lease's `signal`. Classified
 * `transient`: the lease or the session behind it went away (Redis out of reach, a connection
 * closed), and a later wait may get a slot again.
 *
 * @example
 * ```ts
 * lease.signal?.addEventListener('abort', () => {
 *   const reason = lease.signal!.reason as AdmissionLostError; // reason.code === 'PG_ERR_ADMISSION_LOST'
 * });
 * ```
 */
export class AdmissionLostError extends PhasegateError {
  /** Made by a backend when it finds a held lease lost. */
  constructor(
    /** The backend that granted the slot. */
    readonly backend: string,
    /** What happened to it, e.g. `the lease expired unrefreshed`. */
    readonly problem: string,
    /** What the backend found, when an error told it (the connection's error). */
    cause?: unknown,
  ) {
    super(ErrorCodes.ADMISSION_LOST, `The fleet admission slot (${backend}) was lost: ${problem}`, {
      cause,
      classification: 'transient',
      hint: 'growth stops at what is open; the next target recheck waits for a slot again',
    });
  }
}
