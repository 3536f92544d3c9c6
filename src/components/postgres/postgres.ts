import { abortReason } from '../../common/abort-reason.js';
import type { Clock } from '../../common/clock.js';
import { safeMessage } from '../../common/redact.js';
import type { ComponentContext, ComponentSpec } from '../../orchestrator/component.js';
import type { PoolSummary } from '../../orchestrator/snapshot.js';
import { AttemptTimeoutError } from '../../errors/attempt-timeout-error.js';
import { linkSignals } from '../abort.js';
import { toDependencyError } from '../dependency-error.js';
import { decidePoolTarget, readServerLimits, type PoolTargetDecision, type ServerLimits } from './limits.js';
import {
  resolvePostgresOptions,
  type PostgresComponentOptions,
  type PostgresComponentOptionsInput,
} from './options.js';
import { PoolCheck } from './pool-check.js';
import { PostgresPool, type PoolStats } from './pool.js';
import { runPoolGrowth, type GrowthEvent } from './warmup.js';

/**
 * Read the live limits on a borrowed connection, bounded by `openTimeoutMs` (a round trip that takes
 * longer than a whole open is a connection that went dark: a failover that moved the address
 * answers neither with data nor with a reset). A read cut short, by that bound or by `signal`,
 * closes the connection rather than lend it out again with the query still in flight on it.
 */
function readLimits(
  o: PostgresComponentOptions,
  pool: PostgresPool,
  clock: Clock,
  signal: AbortSignal,
): Promise<ServerLimits> {
  return pool.withConnection(async (lease) => {
    const bound = linkSignals(signal);
    const cancelTimer = clock.timer(o.openTimeoutMs, () =>
      bound.abort(new AttemptTimeoutError(o.openTimeoutMs)),
    );
    try {
      return await readServerLimits(lease.connection, bound.signal);
    } catch (error) {
      if (bound.signal.aborted) lease.release(true);
      throw error;
    } finally {
      cancelTimer();
      bound.dispose();
    }
  }, signal);
}

/** Read live limits through one of the pool's connections and decide the target. */
async function decideTarget(
  o: PostgresComponentOptions,
  pool: PostgresPool,
  clock: Clock,
  signal: AbortSignal,
): Promise<PoolTargetDecision> {
  const base = {
    max: o.max,
    minReady: o.minReady,
    expectedInstances: o.expectedInstances,
    headroom: o.headroom,
    ownOpen: pool.open,
  };
  if (!o.readLiveLimits) return decidePoolTarget(base);
  const limits = await readLimits(o, pool, clock, signal);
  return decidePoolTarget({ ...base, ownOpen: pool.open, limits });
}

/** Open `count` more connections, at most `concurrency` at a time. */
async function openMore(
  pool: PostgresPool,
  count: number,
  concurrency: number,
  signal: AbortSignal,
): Promise<void> {
  let left = count;
  const worker = async (): Promise<void> => {
    while (left > 0) {
      left--;
      await pool.openConnection(signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(count, concurrency) }, worker));
}

function summary(stats: PoolStats): PoolSummary {
  return { open: stats.open, target: stats.target, max: stats.max, idle: stats.idle, waiting: stats.waiting };
}

function sameSummary(a: PoolSummary | undefined, b: PoolSummary): boolean {
  return (
    a !== undefined &&
    a.open === b.open &&
    a.target === b.target &&
    a.max === b.max &&
    a.idle === b.idle &&
    a.waiting === b.waiting
  );
}

/**
 * Forward growth steps to the timeline and `/health`. `/health` (and `/metrics`) show the time spent
 * in every admission wait of this start, summed: a later wait (a recheck) adds to the first rather
 * than replacing it, and a wait that failed (at its deadline) counts too.
 */
function growthReporter(ctx: ComponentContext): (event: GrowthEvent) => void {
  let waitedMs = 0;
  return (event) => {
    const { type, ...data } = event;
    if (type === 'admission-wait' || type === 'admission-failed') {
      waitedMs += event.waitedMs;
      ctx.report({ admission: { backend: event.backend, waitedMs: Math.round(waitedMs) } });
    }
    if (type === 'admission-wait') {
      ctx.mark('admission-wait', { waitedMs: Math.round(event.waitedMs), backend: event.backend });
      return;
    }
    ctx.mark(type, 'waitedMs' in data ? { ...data, waitedMs: Math.round(data.waitedMs) } : data);
  };
}

/**
 * Start the pool: one connection first (so a bad password or an unknown database costs exactly one
 * attempt and fails `permanent` at once), then the live target, then the rest of `minReady`, each
 * verified with `SELECT 1`. After that the pool grows in the background, bounded by the
 * component's lifetime.
 */
async function startPool(
  o: PostgresComponentOptions,
  ctx: ComponentContext,
  checks: WeakMap<PostgresPool, PoolCheck>,
): Promise<PostgresPool> {
  const pool = new PostgresPool({
    factory: o.factory,
    clock: ctx.clock,
    max: o.max,
    target: o.max,
    label: o.target,
    openTimeoutMs: o.openTimeoutMs,
    acquireTimeoutMs: o.acquireTimeoutMs,
  });
  let last: PoolSummary | undefined;
  const publish = (stats: PoolStats): void => {
    const next = summary(stats);
    if (sameSummary(last, next)) return;
    last = next;
    ctx.report({ pool: next });
  };
  pool.onChange(publish);
  try {
    await pool.openConnection(ctx.signal);
    const decision = await decideTarget(o, pool, ctx.clock, ctx.signal).catch((error: unknown) => {
      if (ctx.signal.aborted) throw abortReason(ctx.signal);
      ctx.mark('pool-limits-unavailable', { message: safeMessage(error) });
      return decidePoolTarget({ ...o, ownOpen: pool.open });
    });
    pool.setTarget(decision.target);
    ctx.mark('pool-target', { ...decision });
    await openMore(pool, o.minReady - pool.open, o.maxConcurrentOpens, ctx.signal);
  } catch (error) {
    await pool.end();
    if (ctx.signal.aborted) throw abortReason(ctx.signal);
    throw toDependencyError('postgres', o.target, error);
  }
  publish(pool.stats);
  checks.set(pool, new PoolCheck(pool, ctx.clock));
  ctx.mark('pool-ready', { open: pool.open, target: pool.target });
  pool.runInBackground(
    (signal) =>
      runPoolGrowth({
        pool,
        clock: ctx.clock,
        random: o.random,
        signal,
        minReady: o.minReady,
        maxConcurrentOpens: o.maxConcurrentOpens,
        openJitterMs: o.openJitterMs,
        backoff: { baseMs: o.growthBackoffMs, capMs: o.growthBackoffCapMs },
        maxGrowthRetries: o.maxGrowthRetries,
        decideTarget: async (s) => (await decideTarget(o, pool, ctx.clock, s)).target,
        admission: o.admission,
        admissionTimeoutMs: o.admissionTimeoutMs,
        releaseTimeoutMs: o.openTimeoutMs,
        recheckMs: o.readLiveLimits ? o.targetRecheckMs : Infinity,
        onEvent: growthReporter(ctx),
      }),
    ctx.lifetime,
  );
  return pool;
}

/**
 * A Postgres pool as a startup component. Ready once `minReady` connections are open and verified;
 * then it grows toward `min(max, fair share)` in the background (under fleet admission, with
 * jitter, at most `maxConcurrentOpens` at once). A full server (53300, 57P03) while growing lowers
 * the target and backs off; it never fails a ready instance. About every `targetRecheckMs` it reads
 * the live limits again and grows back when capacity was freed. Bad credentials (28P01, 28000) or an
 * unknown database (3D000) fail at once as `permanent`. `check` runs `SELECT 1`, except that a pool
 * with every connection lent out passes at once when a round trip succeeded on one of them since the
 * previous check (a saturated pool that answers is healthy: see {@link PoolCheck}); `stop` closes
 * every connection. Pool figures go to `/health` and `/metrics` through `ctx.report`.
 *
 * @example
 * ```ts
 * const database = postgresComponent({
 *   connection: process.env.DATABASE_URL!,
 *   max: 20,
 *   minReady: 2,
 *   expectedInstances: 8,
 * });
 * // in a plan: { name: 'database', components: [database] }
 * ```
 * @throws ConfigError when an option is invalid.
 */
export function postgresComponent(input: PostgresComponentOptionsInput): ComponentSpec<PostgresPool> {
  const o = resolvePostgresOptions(input);
  const checks = new WeakMap<PostgresPool, PoolCheck>();
  return {
    name: o.name,
    ...(input.critical !== undefined ? { critical: input.critical } : {}),
    ...(input.degradable !== undefined ? { degradable: input.degradable } : {}),
    ...(input.degradesTo !== undefined ? { degradesTo: input.degradesTo } : {}),
    ...(input.dependsOn !== undefined ? { dependsOn: input.dependsOn } : {}),
    ...(input.policy !== undefined ? { policy: input.policy } : {}),
    start: (ctx) => startPool(o, ctx, checks),
    stop: (pool) => pool.end(),
    check: async (pool, { signal }) => {
      try {
        const check = checks.get(pool);
        if (check) await check.run(signal);
        else await pool.query('SELECT 1', undefined, signal);
      } catch (error) {
        if (signal.aborted) throw abortReason(signal);
        throw toDependencyError('postgres', o.target, error);
      }
    },
  };
}
