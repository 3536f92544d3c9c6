/**
 * Stable error codes. They never change meaning between releases; match on them, not on messages.
 * An error phasegate did not make or recognise (a bug, an unknown driver error) carries no code of
 * these: it is passed on unchanged and classified `internal` (exit 1).
 */
export const ErrorCodes = {
  /** Our own settings are invalid (a plan, an option, an environment variable). Exit 78. */
  CONFIG: 'PG_ERR_CONFIG',
  /** A critical component failed and startup was aborted. */
  COMPONENT_FAILED: 'PG_ERR_COMPONENT_FAILED',
  /** A phase did not finish within its share of the startup budget. */
  PHASE_TIMEOUT: 'PG_ERR_PHASE_TIMEOUT',
  /** A scope's deadline (the total startup budget, a phase or an attempt budget) passed. */
  DEADLINE_EXCEEDED: 'PG_ERR_DEADLINE_EXCEEDED',
  /** A single attempt exceeded its timeout. */
  ATTEMPT_TIMEOUT: 'PG_ERR_ATTEMPT_TIMEOUT',
  /** The circuit breaker is open and rejected the call without trying it. */
  BREAKER_OPEN: 'PG_ERR_BREAKER_OPEN',
  /** The retry policy gave up: attempts or time ran out, or the error was not retryable. */
  RETRY_EXHAUSTED: 'PG_ERR_RETRY_EXHAUSTED',
  /** Startup was cancelled from outside (a signal, `stop()`). */
  ABORTED: 'PG_ERR_ABORTED',
  /** Waiting for a fleet admission slot did not succeed. */
  ADMISSION: 'PG_ERR_ADMISSION',
  /**
   * A fleet admission slot was lost while held (its lease expired, its lock's session closed):
   * another instance may hold it now.
   */
  ADMISSION_LOST: 'PG_ERR_ADMISSION_LOST',
  /** A component could not start (or be used) because a component it depends on is down. */
  DEPENDENCY_UNAVAILABLE: 'PG_ERR_DEPENDENCY_UNAVAILABLE',
  /**
   * A dependency (database, cache, TCP or HTTP endpoint) refused or failed a connection or a check.
   * The driver's own code (SQLSTATE, errno, Redis reply, HTTP status) is in `driverCode`.
   */
  DEPENDENCY: 'PG_ERR_DEPENDENCY',
} as const;

/** One of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];
