import type { Clock } from '../../common/clock.js';
import { settlesWithin } from '../../common/settles-within.js';
import type { AdmissionLease } from '../admission-hook.js';
import type { PoolSession } from './pool-types.js';

/** A fleet admission slot held by the growth loop, and the pool session the admission was given. */
export interface Slot {
  readonly lease: AdmissionLease;
  /** The pool's first connection as given to the admission (a Postgres lock may live on it). */
  readonly session: PoolSession;
}

/**
 * Give the slot back, waiting at most `timeoutMs` on `clock` (internal to the growth loop). A release
 * whose round trip went dark (no reply, no reset) would never settle, and growth and rechecks, which
 * wait for it, would stop for good. One that does not finish in time is abandoned: the session is
 * closed when a statement sent on it is still unanswered (the Postgres unlock: the advisory lock
 * ends with the session, and the pool replaces the connection), and a Redis lease expires by itself.
 * `onAbandoned` hears how long it waited and whether it closed the connection. Never rejects, also
 * when a provider's `release()` throws instead of returning a promise (it then counts as settled:
 * the provider said what it could). A rejection here would end the growth loop, and with it the
 * refills of lost connections and the rechecks, for good.
 */
export async function releaseSlot(
  slot: Slot | undefined,
  clock: Clock,
  timeoutMs: number,
  onAbandoned: (waitedMs: number, closedConnection: boolean) => void,
): Promise<void> {
  if (!slot) return;
  const began = clock.now();
  let releasing: Promise<void>;
  try {
    releasing = slot.lease.release();
  } catch {
    return;
  }
  if (await settlesWithin(clock, timeoutMs, releasing)) return;
  onAbandoned(clock.now() - began, slot.session.closeIfUnanswered());
}
