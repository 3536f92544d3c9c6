import { AbortedError } from '../errors/aborted-error.js';

/**
 * A fleet admission's `acquire` ended because `close()` was called on the admission: a wait in
 * flight stops, and a slot granted after `close()` began is given back at once, so nothing is left
 * holding a slot (a lease refreshing, a dedicated connection open) after the admission is closed.
 * An {@link AbortedError} (code `PG_ERR_ABORTED`), like any work cancelled from outside.
 *
 * @example
 * ```ts
 * const waiting = admission.acquire(request);
 * await admission.close();
 * await waiting; // rejects: AdmissionClosedError, code 'PG_ERR_ABORTED'
 * ```
 */
export class AdmissionClosedError extends AbortedError {
  /** Made by a backend's `acquire` once its `close()` has begun. */
  constructor(
    /** The backend that was closed. */
    readonly backend: string,
  ) {
    super(`The fleet admission (${backend}) was closed; no slot is granted after close()`);
  }
}
