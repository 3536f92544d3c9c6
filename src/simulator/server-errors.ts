/**
 * The errors the simulated database answers with, shaped as `pg` delivers them (a message and a
 * SQLSTATE `code`, or a socket error code), so the real classification sees them as it would.
 */

/** A Postgres error as `pg` delivers it: a message and a SQLSTATE `code`, so `classify()` sees it. */
export interface PostgresServerError extends Error {
  /** The SQLSTATE: `53300` (full), `57P03` (starting up), `57P01` (terminated by a restart). */
  readonly code: string;
  /** Always `FATAL`: each of these ends the connection. */
  readonly severity: 'FATAL';
}

/**
 * A server error as `pg` would deliver it. It has no stack trace: a server's refusal says nothing
 * about our call stack, and a storm creates hundreds of thousands of them.
 */
class ServerError extends Error implements PostgresServerError {
  readonly severity = 'FATAL' as const;

  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** `make()`'s error, built without capturing a stack trace. */
function stackless<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function serverError(message: string, code: string): PostgresServerError {
  return stackless(() => new ServerError(message, code));
}

/** `53300 too_many_connections`, worded as Postgres words it. */
export function tooManyClients(reservedOnly: boolean): PostgresServerError {
  return serverError(
    reservedOnly
      ? 'remaining connection slots are reserved for roles with the SUPERUSER attribute'
      : 'sorry, too many clients already',
    '53300',
  );
}

/** `57P03 cannot_connect_now`. */
export function startingUp(): PostgresServerError {
  return serverError('the database system is starting up', '57P03');
}

/**
 * `57P01 admin_shutdown`: the server ended the backend because it is shutting down (a restart or a
 * failover), as a fast shutdown's SIGTERM to each backend reports it.
 */
export function adminShutdown(): PostgresServerError {
  return serverError('terminating connection due to administrator command', '57P01');
}

/** `connect ETIMEDOUT`: every SYN was dropped. */
export function connectTimedOut(): Error {
  return stackless(() => Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }));
}
