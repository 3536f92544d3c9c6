import { ErrorCodes } from './codes.js';
import { PhasegateError } from './phasegate-error.js';

/** Work was cancelled from outside: a process signal, `stop()`, or a caller's `AbortSignal`. */
export class AbortedError extends PhasegateError {
  /** @param message What was aborted, and by what. @default 'Startup was aborted' */
  constructor(
    message = 'Startup was aborted',
    /** The process signal that caused it, if any (`SIGTERM`, `SIGINT`). */
    readonly signalName?: NodeJS.Signals,
  ) {
    super(ErrorCodes.ABORTED, message, { classification: 'internal' });
  }
}
