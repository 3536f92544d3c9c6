import { ErrorCodes } from './codes.js';
import { PhasegateError } from './phasegate-error.js';

/** A scope's deadline passed: the startup budget, a phase's share, or an attempt's budget. */
export class DeadlineExceededError extends PhasegateError {
  /** Classified `transient`; the message gives `budgetMs` rounded to whole ms. */
  constructor(
    /** Which scope ran out of time (`startup`, a phase name, ...). */
    readonly scope: string,
    /** The budget that was exceeded, in ms. */
    readonly budgetMs: number,
  ) {
    super(ErrorCodes.DEADLINE_EXCEEDED, `Deadline of ${scope} exceeded (budget ${Math.round(budgetMs)} ms)`, {
      classification: 'transient',
    });
  }
}
