/**
 * The seam between a pool component and fleet-wide admission (issue 4). A pool takes a slot before
 * it grows past `minReady` and releases it when it reaches its target, when it gives up, or when it
 * stops. The backends (Postgres advisory locks, a Redis semaphore, local jitter) live in
 * `src/fleet/` and implement {@link AdmissionProvider}.
 */

/** A slot held by one instance while it warms its pool. */
export interface AdmissionLease {
  /** Give the slot back. Safe to call more than once; never throws for a slot already lost. */
  release(): Promise<void>;
  /**
   * Aborts when the slot is lost while held: the backend can no longer vouch that this instance
   * holds it (a Redis lease found expired, or unconfirmed for `leaseMs`; the Postgres session holding
   * the advisory lock closed or broke), so another instance may have it. The reason is an
   * `AdmissionLostError` (`PG_ERR_ADMISSION_LOST`) for the fleet backends. It never aborts because
   * of {@link AdmissionLease.release}. Optional: a lease without it is never known to be lost, and
   * the pool then treats it as held until it releases it.
   * @default undefined
   */
  readonly signal?: AbortSignal;
}

/** What {@link AdmissionProvider.acquire} is given. */
export interface AdmissionRequest {
  /** Aborts when the wait must end (the pool stops). The wait rejects with its reason. */
  readonly signal: AbortSignal;
  /** Absolute deadline of the wait on the component's clock (`Infinity` when unbounded). */
  readonly deadline: number;
  /**
   * The pool's first open connection, for backends that lock on it (Postgres advisory locks): a
   * `PgConnection` (`query(text, values)`, `end()`). It stays open while the pool lives, so a
   * session lock taken on it is released when the instance dies.
   */
  readonly firstConnection: unknown;
  /**
   * Aborts once `firstConnection` is closed or found broken, which ends its session and any session
   * lock taken on it. Optional: a component that cannot tell leaves it out, and a backend that does
   * not lock on `firstConnection` ignores it.
   * @default undefined
   */
  readonly firstConnectionClosed?: AbortSignal;
}

/**
 * Grants at most K slots across the fleet.
 *
 * @example
 * ```ts
 * const lease = await admission.acquire({ signal, deadline, firstConnection });
 * try { await growPool(); } finally { await lease.release(); }
 * ```
 */
export interface AdmissionProvider {
  /** Name shown in `/health` (`admission.backend`) and the timeline: `postgres`, `redis`, `local`. */
  readonly backend: string;
  /** Wait for a slot. Rejects with the abort reason on abort, and with an error past the deadline. */
  acquire(request: AdmissionRequest): Promise<AdmissionLease>;
}
