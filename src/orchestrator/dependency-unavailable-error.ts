import type { ErrorClass } from '../errors/classification.js';
import { ErrorCodes } from '../errors/codes.js';
import { PhasegateError } from '../errors/phasegate-error.js';

/**
 * A component could not start, or its handle cannot be used, because a component it depends on is
 * down (failed, skipped, degraded, stopped). Carries the class of the dependency's own failure, so a
 * dependent of a database that refused our password is `permanent` too, and keeps that failure as
 * `cause`.
 */
export class DependencyUnavailableError extends PhasegateError {
  /**
   * When `component` and `dependency` are the same, the message says that component itself is not
   * available (its handle was asked for while it was down).
   * @param classification The class of the dependency's own failure.
   * @param cause The dependency's own failure, when it had one.
   */
  constructor(
    /** The component that could not start or be used. */
    readonly component: string,
    /** The component it needed. */
    readonly dependency: string,
    /** The dependency's state when it was needed. */
    readonly dependencyState: string,
    classification: ErrorClass,
    cause?: unknown,
  ) {
    super(
      ErrorCodes.DEPENDENCY_UNAVAILABLE,
      component === dependency
        ? `Component "${component}" is not available (${dependencyState})`
        : `Component "${component}" needs "${dependency}", which is ${dependencyState}`,
      { classification, cause },
    );
  }
}
