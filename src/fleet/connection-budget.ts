import { countNoun } from '../common/count-noun.js';
import {
  defaultHeadroom,
  resolveConnectionBudgetOptions,
  type ConnectionBudgetInput,
  type ConnectionBudgetOptions,
} from './connection-budget-options.js';

/** Settings that fit the budget, ready to use as `DB_POOL_MAX`, `DB_POOL_MIN_READY` and the admission width. */
export interface RecommendedSettings {
  /**
   * False when not even one connection per instance fits (`available < maxInstances`); every number
   * below is then 0 except `admissionWidth` (1).
   */
  readonly feasible: boolean;
  /**
   * Per-instance pool max (`DB_POOL_MAX`):
   * `min(requested per-instance max, floor((available − headroom) / maxInstances))`.
   */
  readonly poolMax: number;
  /** Connections needed before ready (`DB_POOL_MIN_READY`): `clamp(ceil(poolMax × minReadyFraction), 1, poolMax)`. */
  readonly minReady: number;
  /**
   * Admission width K, how many instances may warm their pools past `minReady` at once:
   *
   * ```
   * perInstanceRate = warmupConcurrency × 1000 / connectLatencyMs     (connections/s one warming instance opens)
   * kRate  = floor(setupRatePerSecond / perInstanceRate)              (warmers the path can serve without queueing)
   * slack  = available − headroom − maxInstances × minReady           (connections nobody needs to be ready)
   * kSlack = floor(slack / (poolMax − minReady))                      (warmers whose growth fits the slack)
   * K      = clamp(min(kRate, kSlack), 1, maxInstances)
   * ```
   */
  readonly admissionWidth: number;
  /**
   * Startup budget in ms that fits the probe window with margin: `floor(window × (1 − startupMargin))`.
   * `null` when no probe was given.
   */
  readonly startupBudgetMs: number | null;
  /** The headroom the recommendation leaves free (lowered when it would leave an instance with nothing). */
  readonly headroom: number;
}

/** Lower-bound estimates at the assumed setup rate (the fleet cannot be faster than these). */
export interface BudgetEstimates {
  /** Every instance (maxInstances) has `minReady` connections. */
  readonly allReadyMs: number;
  /** Every instance has `poolMax` connections, warming K at a time. */
  readonly allWarmMs: number;
}

/** The result of {@link planConnectionBudget}. */
export interface ConnectionBudget {
  /** True when `maxInstances` instances at their pool max fit the available connections. */
  readonly fits: boolean;
  /** {@link ConnectionBudgetInput.instances}: instances in steady state. */
  readonly instances: number;
  /** {@link ConnectionBudgetInput.maxInstances}: most instances alive at once; `instances` if not given. */
  readonly maxInstances: number;
  /** Connections one instance may hold (pool_size + max_overflow, or max). */
  readonly perInstanceMax: number;
  /** `maxInstances × perInstanceMax + otherClients`. */
  readonly peakConnections: number;
  /**
   * `max(0, maxConnections − superuserReserved − otherClients)`: what this service's instances may
   * use (0 when other clients alone hold more than ordinary roles may); less when a role or database
   * `CONNECTION LIMIT` (minus the connections others hold under it) leaves less.
   */
  readonly availableConnections: number;
  /** Which limit sets `availableConnections`: the server's, the role's or the database's. */
  readonly limitedBy: 'server' | 'role' | 'database';
  /**
   * How far the peak exceeds the tightest limit: `max(0, peakConnections − (maxConnections −
   * superuserReserved))` for the server's, `max(0, maxInstances × perInstanceMax + others − limit)`
   * for a role's or database's.
   */
  readonly overcommittedBy: number;
  /** How many instances fit at their current pool max: `floor(available / perInstanceMax)`. */
  readonly maxInstancesThatFit: number;
  /** `floor(available / maxInstances)` (0 when nothing is available). */
  readonly perInstanceFairShare: number;
  /** The platform's startup window (`periodSeconds × failureThreshold × 1000`), or null. */
  readonly probeWindowMs: number | null;
  /** Settings that fit the budget. */
  readonly recommended: RecommendedSettings;
  /** Lower-bound times to ready and to warm at the assumed setup rate. */
  readonly estimates: BudgetEstimates;
  /** Why, in sentences a person can act on. */
  readonly reasons: readonly string[];
}

/**
 * Plan a fleet's connections against the database's limit: does the rollout peak fit, by how much is
 * it overcommitted, and which pool max, minReady, admission width and startup budget do fit.
 * Pure: no I/O, no clock. Throws a {@link ConfigError} naming the bad field.
 *
 * @example
 * ```ts
 * const plan = planConnectionBudget({
 *   instances: 2,
 *   pool: { poolSize: 20, maxOverflow: 30 },
 *   maxConnections: 100,
 *   superuserReserved: 3,
 * });
 * plan.fits; // false: 2 × 50 = 100 > 97 available
 * plan.recommended.poolMax; // 46 = floor((97 − 5 headroom) / 2)
 * ```
 */
export function planConnectionBudget(input: ConnectionBudgetInput): ConnectionBudget {
  return computeBudget(resolveConnectionBudgetOptions(input));
}

/** {@link planConnectionBudget} on already resolved options. */
export function computeBudget(o: ConnectionBudgetOptions): ConnectionBudget {
  const poolLimit = o.maxConnections - o.superuserReserved;
  const limit = tightestLimit(o, poolLimit);
  // Other clients can hold more than ordinary roles may (superusers use the reserved slots too).
  const available = Math.max(0, limit.left);
  const peak = o.maxInstances * o.perInstanceMax + o.otherClients;
  const overcommittedBy = Math.max(0, o.maxInstances * o.perInstanceMax - limit.left);
  const fits = overcommittedBy === 0;
  const maxInstancesThatFit = Math.max(0, Math.floor(available / o.perInstanceMax));
  const fairShare = Math.max(0, Math.floor(available / o.maxInstances));
  const probeWindowMs = o.probe ? Math.round(o.probe.periodSeconds * o.probe.failureThreshold * 1000) : null;
  const startupBudgetMs = probeWindowMs === null ? null : Math.floor(probeWindowMs * (1 - o.startupMargin));

  const wantedHeadroom = o.headroom ?? defaultHeadroom(available);
  const headroom = Math.max(0, Math.min(wantedHeadroom, available - o.maxInstances));
  const budget = available - headroom;
  const feasible = available >= o.maxInstances;
  const poolMax = feasible ? Math.min(o.perInstanceMax, Math.floor(budget / o.maxInstances)) : 0;
  const wantedMinReady = o.minReady ?? Math.max(1, Math.ceil(poolMax * o.minReadyFraction));
  const minReady = feasible ? Math.min(poolMax, wantedMinReady) : 0;

  const perInstanceRate = (o.warmupConcurrency * 1000) / o.connectLatencyMs;
  const kRate = Math.floor(o.setupRatePerSecond / perInstanceRate);
  const growth = poolMax - minReady;
  const slack = budget - o.maxInstances * minReady;
  const kSlack = growth > 0 ? Math.floor(slack / growth) : o.maxInstances;
  const admissionWidth = feasible ? Math.max(1, Math.min(kRate, kSlack, o.maxInstances)) : 1;

  const estimates = estimate(o, minReady, poolMax, admissionWidth, perInstanceRate);
  const recommended: RecommendedSettings = {
    feasible,
    poolMax,
    minReady,
    admissionWidth,
    startupBudgetMs,
    headroom,
  };

  const reasons: string[] = [];
  const peakText = `${countNoun(o.maxInstances, 'instance')} × ${o.perInstanceMax} (${o.poolDescription})`;
  const availableText = `${available} available (${limit.text})`;
  if (fits) {
    reasons.push(`Fits: ${peakText} = ${peak - o.otherClients} <= ${availableText}.`);
  } else {
    reasons.push(
      `Overcommitted by ${overcommittedBy} at peak: ${peakText} = ${peak - o.otherClients} > ${availableText}.`,
    );
    reasons.push(
      maxInstancesThatFit === 0
        ? `Not even one instance fits at ${o.perInstanceMax} connections.`
        : `Overcommitted as soon as ${maxInstancesThatFit + 1} instances run: only ${countNoun(maxInstancesThatFit, 'instance')} at ${o.perInstanceMax} connections ${maxInstancesThatFit === 1 ? 'fits' : 'fit'}.`,
    );
  }
  if (o.otherClients > poolLimit) {
    reasons.push(
      `Other clients alone hold ${o.otherClients} connections, more than the ${poolLimit} ordinary roles may (${o.maxConnections} max_connections − ${o.superuserReserved} reserved).`,
    );
  }
  if (!feasible) {
    reasons.push(
      `No setting fits: ${available} available connections cannot give each of ${countNoun(o.maxInstances, 'instance')} even one; ${limit.by === 'server' ? 'raise max_connections' : `raise the ${limit.by}'s CONNECTION LIMIT`}, lower other clients or run fewer instances.`,
    );
  } else {
    const capped =
      poolMax < o.perInstanceMax
        ? `floor((${available} − ${headroom} headroom) / ${o.maxInstances})`
        : 'the requested max, which fits';
    const minReadyWhy =
      o.minReady === null
        ? `${Math.round(o.minReadyFraction * 100)} % of it`
        : minReady < o.minReady
          ? `the requested ${o.minReady}, capped by the pool max`
          : 'as requested';
    reasons.push(
      `Recommended DB_POOL_MAX ${poolMax} (${capped}) and DB_POOL_MIN_READY ${minReady} (${minReadyWhy}): ${o.maxInstances} × ${poolMax} = ${o.maxInstances * poolMax} <= ${available - headroom}.`,
    );
    reasons.push(
      `Admission width K = ${admissionWidth}: the path accepts ~${o.setupRatePerSecond} new connections/s and one warming instance opens ~${round1(perInstanceRate)}/s (${o.warmupConcurrency} at a time, ${o.connectLatencyMs} ms each).`,
    );
  }
  if (startupBudgetMs !== null && o.probe) {
    reasons.push(
      `Startup budget ${startupBudgetMs} ms = ${Math.round((1 - o.startupMargin) * 100)} % of the ${probeWindowMs} ms probe window (${o.probe.periodSeconds} s × ${o.probe.failureThreshold}).`,
    );
    if (feasible && estimates.allReadyMs > startupBudgetMs) {
      reasons.push(
        `At ~${o.setupRatePerSecond} connections/s the fleet needs at least ${estimates.allReadyMs} ms to open minReady everywhere, more than the startup budget: lower minReady, start fewer instances at once or lengthen the probe window.`,
      );
    }
  }
  return {
    fits,
    instances: o.instances,
    maxInstances: o.maxInstances,
    perInstanceMax: o.perInstanceMax,
    peakConnections: peak,
    availableConnections: available,
    limitedBy: limit.by,
    overcommittedBy,
    maxInstancesThatFit,
    perInstanceFairShare: fairShare,
    probeWindowMs,
    recommended,
    estimates,
    reasons,
  };
}

/**
 * The limit that leaves this service the fewest connections (`left` may be negative): the server's
 * slots for ordinary roles less other clients, or a role's or database's `CONNECTION LIMIT` less the
 * connections others hold under it. The server's wins a tie.
 */
function tightestLimit(
  o: ConnectionBudgetOptions,
  poolLimit: number,
): { by: ConnectionBudget['limitedBy']; left: number; text: string } {
  let tightest: { by: ConnectionBudget['limitedBy']; left: number; text: string } = {
    by: 'server',
    left: poolLimit - o.otherClients,
    text: `${o.maxConnections} max_connections − ${o.superuserReserved} reserved − ${o.otherClients} other clients`,
  };
  for (const [by, limit] of [
    ['role', o.roleLimit],
    ['database', o.databaseLimit],
  ] as const) {
    if (limit && limit.limit - limit.otherClients < tightest.left) {
      tightest = {
        by,
        left: limit.limit - limit.otherClients,
        text: `the ${by}'s connection limit ${limit.limit} − ${limit.otherClients} held by others`,
      };
    }
  }
  return tightest;
}

function estimate(
  o: ConnectionBudgetOptions,
  minReady: number,
  poolMax: number,
  width: number,
  perInstanceRate: number,
): BudgetEstimates {
  const oneInstanceReadyMs = Math.ceil(minReady / o.warmupConcurrency) * o.connectLatencyMs;
  const fleetReadyMs = ((o.maxInstances * minReady) / o.setupRatePerSecond) * 1000;
  const allReadyMs = Math.ceil(Math.max(oneInstanceReadyMs, fleetReadyMs));
  const warmRate = Math.min(o.setupRatePerSecond, width * perInstanceRate);
  const allWarmMs = allReadyMs + Math.ceil(((o.maxInstances * (poolMax - minReady)) / warmRate) * 1000);
  return { allReadyMs, allWarmMs };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
