import { ErrorCodes } from '../errors/codes.js';
import { PhasegateError } from '../errors/phasegate-error.js';

/**
 * No fleet admission slot came free before the deadline. Classified `capacity`: the fleet is busy
 * warming, which may pass; a caller that only wanted to grow its pool past `minReady` keeps what it has.
 */
export class AdmissionTimeoutError extends PhasegateError {
  /** Made by the backends' `acquire` when the request's deadline passes first. */
  constructor(
    /** The backend that was asked. */
    readonly backend: string,
    /** K, the number of slots. */
    readonly width: number,
    /** How long the caller waited, in ms. */
    readonly waitedMs: number,
  ) {
    super(
      ErrorCodes.ADMISSION,
      `No fleet admission slot free (${backend}, width ${width}) before the deadline; waited ${Math.round(waitedMs)} ms`,
      {
        classification: 'capacity',
        hint: 'other instances are warming; raise the admission width if the database has room (phasegate plan)',
      },
    );
  }
}
