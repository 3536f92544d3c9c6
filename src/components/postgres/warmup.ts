/**
 * The background growth loop of a ready pool: it takes a fleet admission slot, grows the pool from
 * `minReady` toward its target with jittered opens (never more than `maxConcurrentOpens` at once),
 * lowers the target and backs off when the server is full (53300 / 57P03), releases the slot when
 * the target is reached or growth gives up, and then replaces connections that die (up to
 * `minReady` at once, the rest under admission) and, every `recheckMs` or so, decides the target
 * again: when capacity was freed (other clients or instances left), it grows again under admission.
 * It never fails the instance: the pool stays ready with what it has. Filling itself is in
 * pool-fill.ts.
 */

import { abortReason } from '../../common/abort-reason.js';
import type { Clock } from '../../common/clock.js';
import type { Random } from '../../common/random.js';
import { safeMessage } from '../../common/redact.js';
import { linkSignals } from '../abort.js';
import type { AdmissionLease, AdmissionProvider } from '../admission-hook.js';
import { classifyDriverError } from '../dependency-error.js';
import type { GrowthEvent } from './growth-events.js';
import type { PostgresPool } from './pool.js';
import { decideTarget, fill, giveUp } from './pool-fill.js';
import { releaseSlot, type Slot } from './release-slot.js';

export type { GrowthEvent } from './growth-events.js';

/** Options of {@link runPoolGrowth}. */
export interface PoolGrowthOptions {
  /** The pool to grow; the loop sets its target. */
  readonly pool: PostgresPool;
  /** Clock of the jitter, backoff and recheck waits, and of the admission wait's measure. */
  readonly clock: Clock;
  /** Source of jitter. */
  readonly random: Random;
  /** Stops the loop (the pool's lifetime). */
  readonly signal: AbortSignal;
  /** The pool never gives up below this many connections. */
  readonly minReady: number;
  /** Opens in flight at most. */
  readonly maxConcurrentOpens: number;
  /** Each open waits a random `[0, openJitterMs)` first, to spread a fleet's opens. */
  readonly openJitterMs: number;
  /** Backoff after a failed round: decorrelated jitter between `baseMs` and `capMs`. */
  readonly backoff: { readonly baseMs: number; readonly capMs: number };
  /** Failed rounds in a row before growth settles at what it has (while at least `minReady`). */
  readonly maxGrowthRetries: number;
  /**
   * The target to aim for: decided again after a backoff and once an admission slot is held
   * (re-reads live limits when allowed).
   */
  readonly decideTarget: (signal: AbortSignal) => Promise<number>;
  /** Fleet admission; without it growth starts at once. */
  readonly admission?: AdmissionProvider | undefined;
  /** Longest wait for an admission slot. */
  readonly admissionTimeoutMs: number;
  /**
   * Longest wait for an admission slot's release. A release that does not finish within it (its
   * round trip went dark: no reply, no reset) is abandoned, so that growth and rechecks go on: the
   * pool connection it was given is closed when a statement sent on it is still unanswered (a
   * Postgres advisory lock ends with its session), and a Redis lease expires by itself. The
   * Postgres component passes its `openTimeoutMs`. @default 15_000
   */
  readonly releaseTimeoutMs?: number;
  /**
   * Mean time between two decisions of the target once the pool has settled (each wait is drawn
   * from `[0.5, 1.5) × recheckMs`, so a fleet does not recheck at once); `Infinity` for never.
   */
  readonly recheckMs: number;
  /** Told about each step. */
  readonly onEvent: (event: GrowthEvent) => void;
}

/** Wait for an admission slot; `undefined` when there is no provider or no open connection. */
async function admit(o: PoolGrowthOptions): Promise<Slot | undefined> {
  const { admission, clock, pool } = o;
  const firstConnection = pool.firstConnection();
  if (!admission || !firstConnection) return undefined;
  const began = clock.now();
  try {
    const lease = await admission.acquire({
      signal: o.signal,
      deadline: began + o.admissionTimeoutMs,
      firstConnection,
      firstConnectionClosed: firstConnection.closed,
    });
    o.onEvent({ type: 'admission-wait', backend: admission.backend, waitedMs: clock.now() - began });
    return { lease, session: firstConnection };
  } catch (error) {
    if (o.signal.aborted) throw abortReason(o.signal);
    o.onEvent({
      type: 'admission-failed',
      backend: admission.backend,
      waitedMs: clock.now() - began,
      message: safeMessage(error),
    });
    throw error;
  }
}

/**
 * Grow to the target while `lease` holds the slot. When the slot is lost (its `signal` aborts), the
 * opens in flight are aborted and none start: the connections already open stay (they are within
 * the instance's share), and growth settles as given up at what is open; the next recheck waits for
 * a slot again. Rejects only when `o.signal` aborts.
 */
async function growUnder(o: PoolGrowthOptions, lease: AdmissionLease | undefined): Promise<void> {
  const { pool } = o;
  const stop = linkSignals(o.signal, lease?.signal);
  try {
    await fill(o, stop.signal);
  } catch (error) {
    const lost = lease?.signal;
    if (o.signal.aborted || lost?.aborted !== true) throw error;
    const reason: unknown = lost.reason;
    const message = safeMessage(reason);
    const backend = o.admission?.backend ?? 'unknown';
    o.onEvent({ type: 'admission-lost', backend, open: pool.open, message });
    giveUp(o, classifyDriverError(reason), message);
  } finally {
    stop.dispose();
  }
}

/** Give the slot back, bounded by `releaseTimeoutMs` (see {@link releaseSlot}); never rejects. */
function release(o: PoolGrowthOptions, slot: Slot | undefined): Promise<void> {
  return releaseSlot(slot, o.clock, o.releaseTimeoutMs ?? 15_000, (waitedMs, closedConnection) => {
    const backend = o.admission?.backend ?? 'unknown';
    o.onEvent({ type: 'admission-release-abandoned', backend, waitedMs, closedConnection });
  });
}

/** Why a steady-state wait ended early: the next recheck is due. */
const RECHECK_DUE = Symbol('recheck due');

/**
 * Wait until the pool is below its target (a connection died), or until the next recheck is due.
 * @returns true when the recheck is due. @throws the abort reason when `o.signal` aborts.
 */
async function waitForLossOrRecheck(o: PoolGrowthOptions): Promise<boolean> {
  const { pool, signal } = o;
  const below = (): boolean => pool.open + pool.opening < pool.target;
  if (!Number.isFinite(o.recheckMs)) {
    while (!below()) await pool.nextChange(signal);
    return false;
  }
  const round = linkSignals(signal);
  const cancelTimer = o.clock.timer(o.recheckMs * (0.5 + o.random()), () => round.abort(RECHECK_DUE));
  try {
    while (!below()) await pool.nextChange(round.signal);
    return false;
  } catch (error) {
    if (error === RECHECK_DUE && !signal.aborted) return true;
    throw error;
  } finally {
    cancelTimer();
    round.dispose();
  }
}

/**
 * Decide the target again; when it is higher (capacity was freed), grow to it under admission. A
 * lower decision is left alone: the pool does not close connections it holds.
 */
async function recheckTarget(o: PoolGrowthOptions): Promise<void> {
  const { pool } = o;
  const next = await decideTarget(o);
  if (next <= pool.target) return;
  let slot: Slot | undefined;
  try {
    slot = await admit(o);
  } catch (error) {
    if (o.signal.aborted) throw error;
    return; // no slot now (reported by admit): try again at the next recheck
  }
  try {
    // Decided again under the slot: the instances admitted while it waited have grown since.
    const admitted = slot === undefined ? next : await decideTarget(o);
    if (admitted <= pool.target) return; // the others admitted meanwhile took what was freed
    o.onEvent({ type: 'pool-target-raised', from: pool.target, to: admitted });
    pool.setTarget(admitted);
    await growUnder(o, slot?.lease);
  } finally {
    await release(o, slot);
  }
}

/**
 * Run the growth loop until `signal` aborts: warm up under admission, then keep the pool at its
 * target, and raise the target when a recheck finds capacity freed. Never rejects.
 */
export async function runPoolGrowth(options: PoolGrowthOptions): Promise<void> {
  // A listener that throws must not end growth.
  const onEvent = (event: GrowthEvent): void => {
    try {
      options.onEvent(event);
    } catch {
      // ignored: reporting is best effort
    }
  };
  const o: PoolGrowthOptions = { ...options, onEvent };
  const { pool } = o;
  try {
    if (pool.open < pool.target) await growAdmitted(o);
    else o.onEvent({ type: 'pool-at-target', open: pool.open, target: pool.target });
    for (;;) {
      if (await waitForLossOrRecheck(o)) await recheckTarget(o);
      else await refill(o);
    }
  } catch {
    // Only an abort ends the loop; the pool is stopping.
  }
}

/**
 * Grow to the target under an admission slot (at once without a provider): the warm-up past
 * `minReady`, and a refill's part past it. Rejects only when `o.signal` aborts.
 */
async function growAdmitted(o: PoolGrowthOptions): Promise<void> {
  const { pool } = o;
  let slot: Slot | undefined;
  try {
    slot = await admit(o);
    // Decided again once the slot is held: the decision that sent the pool to wait is as old as the
    // wait (up to `admissionTimeoutMs`), and the instances admitted meanwhile have grown; a stale
    // target grew past what they left, into the `headroom` and on to the server's 53300.
    if (slot !== undefined) pool.setTarget(await decideTarget(o));
    o.onEvent({ type: 'pool-growing', open: pool.open, target: pool.target });
    await growUnder(o, slot?.lease);
  } catch (error) {
    if (o.signal.aborted) throw error;
    // The admission wait failed: stay at what we have rather than grow unadmitted.
    giveUp(o, classifyDriverError(error), safeMessage(error));
  } finally {
    await release(o, slot);
  }
}

/**
 * Replace lost connections. Up to `minReady` at once, without a slot, as the start opened them:
 * serving needs them, and an advisory-lock slot needs a connection to lock on. The rest under
 * admission, like the warm-up: when a restart or a failover took every connection, every instance
 * of the fleet refills at the same moment, the storm admission exists to spread. Without an
 * admission provider, all at once.
 */
async function refill(o: PoolGrowthOptions): Promise<void> {
  const { pool } = o;
  if (o.admission === undefined) return fill(o);
  if (pool.open < o.minReady) await fill(o, o.signal, o.minReady);
  if (pool.open + pool.opening < pool.target) await growAdmitted(o);
}
