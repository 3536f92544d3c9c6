/**
 * Filling a pool to its target (or to a cap below it): `maxConcurrentOpens` opens at a time with
 * jitter, backing off on failures, lowering the target on capacity errors and settling as given up
 * after `maxGrowthRetries` rounds without progress. The growth loop (warmup.ts) decides when to fill
 * and under which admission slot.
 */

import { abortReason } from '../../common/abort-reason.js';
import { safeMessage } from '../../common/redact.js';
import type { ErrorClass } from '../../errors/classification.js';
import { classifyDriverError, driverCodeOf } from '../dependency-error.js';
import type { PoolGrowthOptions } from './warmup.js';

type RoundResult = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

/**
 * Open connections until open + opening reaches the target, `maxConcurrentOpens` at a time. `stop`
 * (the pool's stop, or the admission slot lost) aborts the opens in flight and starts no more.
 */
async function fillRound(o: PoolGrowthOptions, signal: AbortSignal, cap: number): Promise<RoundResult> {
  const { pool } = o;
  let failure: { error: unknown } | undefined;
  const wanted = (): boolean => !failure && pool.open + pool.opening < Math.min(pool.target, cap);
  const worker = async (): Promise<void> => {
    while (wanted()) {
      await o.clock.sleep(o.random() * o.openJitterMs, signal);
      if (!wanted()) break;
      try {
        await pool.openConnection(signal);
      } catch (error) {
        if (signal.aborted) throw abortReason(signal);
        failure ??= { error };
      }
    }
  };
  const workers = Math.min(o.maxConcurrentOpens, Math.min(pool.target, cap) - pool.open - pool.opening);
  await Promise.all(Array.from({ length: Math.max(0, workers) }, worker));
  return failure ? { ok: false, error: failure.error } : { ok: true };
}

/**
 * Settle growth as given up: the target becomes what is open, but never below `minReady` (a
 * failover may have taken every connection, the admission lock's with them: the steady state then
 * refills that much without a slot, as it refills any lost connection).
 */
export function giveUp(o: PoolGrowthOptions, errorClass: ErrorClass, message: string): void {
  const { pool } = o;
  pool.setTarget(Math.max(pool.open, o.minReady));
  o.onEvent({ type: 'pool-growth-gave-up', open: pool.open, class: errorClass, message });
}

/**
 * Grow (or refill) to the target, or only up to `cap` when that is lower (then it returns there
 * without `pool-at-target`: the rest is grown under admission). Returns when the target (or `cap`)
 * is reached, or when growth settles after `maxGrowthRetries` failed rounds in a row without
 * progress (or a failure waiting cannot fix); below `minReady` it keeps trying. Rejects only when
 * `stop` aborts (`o.signal` or a lost slot).
 */
export async function fill(
  o: PoolGrowthOptions,
  stop: AbortSignal = o.signal,
  cap = Infinity,
): Promise<void> {
  const { pool } = o;
  let failures = 0;
  let delay = o.backoff.baseMs;
  // The target before an outage lowered it: a refusal while the pool is below `minReady` means the
  // server lost the pool's connections (a restart, a failover) and is still coming back, not that
  // this instance's share is too big. Once the pool is back at `minReady`, aim for that target again
  // (a real shortage then shows up as 53300 and lowers it as usual).
  let restoreTo = 0;
  for (;;) {
    const before = pool.open;
    const result = await fillRound(o, stop, cap);
    if (pool.open > before) {
      failures = 0;
      delay = o.backoff.baseMs;
    }
    if (result.ok) {
      if (restoreTo > pool.target) {
        o.onEvent({ type: 'pool-target-restored', from: pool.target, to: restoreTo });
        pool.setTarget(restoreTo);
        restoreTo = 0;
        if (cap < pool.target) return;
        continue;
      }
      if (cap < pool.target) return;
      o.onEvent({ type: 'pool-at-target', open: pool.open, target: pool.target });
      return;
    }
    const errorClass = classifyDriverError(result.error);
    const retryable = errorClass === 'transient' || errorClass === 'capacity';
    if (errorClass === 'capacity') {
      const from = pool.target;
      if (pool.open < o.minReady) restoreTo = Math.max(restoreTo, from);
      pool.setTarget(Math.max(o.minReady, pool.open));
      o.onEvent({ type: 'pool-target-lowered', from, to: pool.target, code: driverCodeOf(result.error) });
    }
    failures++;
    if ((!retryable || failures > o.maxGrowthRetries) && pool.open >= o.minReady) {
      giveUp(o, errorClass, safeMessage(result.error));
      return;
    }
    const spread = Math.max(0, delay * 3 - o.backoff.baseMs);
    delay = Math.min(o.backoff.capMs, o.backoff.baseMs + o.random() * spread);
    o.onEvent({ type: 'pool-growth-backoff', delayMs: Math.round(delay), failures });
    await o.clock.sleep(delay, stop);
    // Not cut short by a lost slot: the decision's query runs on a borrowed connection to the end.
    const next = await decideTarget(o);
    if (stop.aborted) throw abortReason(stop);
    pool.setTarget(next);
  }
}

/**
 * The target decided again (`o.decideTarget`, re-reading live limits when allowed), never below what
 * is open or `minReady`; a decision that fails keeps the current target. Rejects only when
 * `o.signal` aborts.
 */
export async function decideTarget(o: PoolGrowthOptions): Promise<number> {
  const { pool } = o;
  const next = await o.decideTarget(o.signal).catch(() => {
    if (o.signal.aborted) throw abortReason(o.signal);
    return pool.target;
  });
  return Math.max(next, pool.open, o.minReady);
}
