/**
 * The pre-phasegate way to start: warm the whole pool at once, under retry with exponential
 * backoff, a fixed per-attempt timeout and (optionally) a circuit breaker, and exit with code 3
 * when that fails. `incident` and `naive-backoff` are two configurations of this one strategy, run
 * by the real orchestrator and the real policies.
 */

import { z } from 'zod';
import {
  ConfigError,
  createOrchestrator,
  type ComponentSpec,
  circuitBreaker,
  consecutiveBreaker,
  exponentialBackoff,
  retry,
  timeout,
  wrap,
  type Policy,
} from '../../index.js';
import { MAX_POOL, POOL_TOO_LARGE } from '../pool-limit.js';
import type { SimConnection } from '../sim-connection.js';
import type { Strategy, StrategyContext, StrategyDefinition } from '../strategy.js';
import { openAll } from './open-all.js';
import { parseStrategyOptions } from './options.js';

const positive = z.number().finite().positive();

/** Options of a whole-pool strategy, as a scenario entry gives them. */
export const WholePoolOptionsSchema = z.strictObject({
  /**
   * Per-attempt timeout, in ms. The incident's history: 8 000 → 20 000 → 45 000 → 75 000 (staging's
   * connection timeout). @default 75000 (the incident's last)
   */
  attemptTimeoutMs: positive.optional(),
  /** Attempts in total. @default 5 (the incident) */
  maxAttempts: z.number().int().positive().optional(),
  /** First backoff delay, in ms. @default 2000 (the incident) */
  backoffInitialMs: positive.optional(),
  /** Backoff growth. @default 2 (doubling) */
  backoffFactor: z.number().finite().min(1).optional(),
  /** Backoff cap, in ms, at least `backoffInitialMs`. @default 30000 (the incident) */
  backoffMaxMs: positive.optional(),
  /** Added jitter, 0–1 of the delay. @default 0.5 for `incident`, 0 for `naive-backoff` */
  jitter: z.number().min(0).max(1).optional(),
  /**
   * Consecutive failures that open the breaker; 0 for no breaker.
   * @default 3 for `incident`, 0 (no breaker) for `naive-backoff`
   */
  breakerFailures: z.number().int().nonnegative().optional(),
  /** How long the breaker stays open, in ms. @default 60000 (the incident) */
  breakerOpenMs: positive.optional(),
  /** Connections warmed at once, at most `MAX_POOL`. @default service.poolSize + service.maxOverflow */
  connections: z.number().int().positive().max(MAX_POOL, POOL_TOO_LARGE).optional(),
  /** The service's own startup budget, in ms. @default none (only the platform's window) */
  budgetMs: positive.optional(),
});

/** Resolved whole-pool settings. */
export interface WholePoolSettings {
  readonly attemptTimeoutMs: number;
  readonly maxAttempts: number;
  readonly backoffInitialMs: number;
  readonly backoffFactor: number;
  readonly backoffMaxMs: number;
  readonly jitter: number;
  readonly breakerFailures: number;
  readonly breakerOpenMs: number;
  readonly connections: number;
  readonly budgetMs: number;
}

/**
 * The incident's configuration: 5 attempts, 2 s doubling to a 30 s cap with up to 50 % jitter, a
 * breaker that opens after 3 failures for 60 s, and staging's 75 s connection timeout.
 */
export const INCIDENT_DEFAULTS: Omit<WholePoolSettings, 'connections'> = {
  attemptTimeoutMs: 75_000,
  maxAttempts: 5,
  backoffInitialMs: 2_000,
  backoffFactor: 2,
  backoffMaxMs: 30_000,
  jitter: 0.5,
  breakerFailures: 3,
  breakerOpenMs: 60_000,
  budgetMs: Infinity,
};

/** Textbook exponential backoff: the incident's schedule without jitter and without a breaker. */
export const NAIVE_DEFAULTS: Omit<WholePoolSettings, 'connections'> = {
  ...INCIDENT_DEFAULTS,
  jitter: 0,
  breakerFailures: 0,
};

function settings(
  context: StrategyContext,
  defaults: Omit<WholePoolSettings, 'connections'>,
): WholePoolSettings {
  const options = parseStrategyOptions(WholePoolOptionsSchema, context.entry, context.path);
  const { service } = context.scenario;
  const merged = { ...defaults, connections: service.poolSize + service.maxOverflow };
  for (const [key, value] of Object.entries(options))
    if (value !== undefined) Object.assign(merged, { [key]: value });
  // The backoff checks this too, but only when an instance starts: every simulated instance would
  // exit 78 and the run would report that as the strategy's outcome. Name the option written.
  if (merged.backoffInitialMs > merged.backoffMaxMs) {
    const field = options.backoffMaxMs !== undefined ? 'backoffMaxMs' : 'backoffInitialMs';
    throw new ConfigError(
      `${context.path}.${field}`,
      `backoffInitialMs (${merged.backoffInitialMs}) must not exceed backoffMaxMs (${merged.backoffMaxMs})`,
      'lower backoffInitialMs or raise backoffMaxMs',
    );
  }
  return merged;
}

/** Build a whole-pool strategy named `name` with `defaults` under the scenario entry's overrides. */
function wholePool(
  name: string,
  context: StrategyContext,
  defaults: Omit<WholePoolSettings, 'connections'>,
): Strategy {
  const s = settings(context, defaults);
  return {
    name,
    async launch(instance) {
      const { clock, random } = instance;
      const policies: Policy[] = [
        retry({
          maxAttempts: s.maxAttempts,
          backoff: exponentialBackoff({
            initialMs: s.backoffInitialMs,
            factor: s.backoffFactor,
            maxMs: s.backoffMaxMs,
            jitter: s.jitter,
          }),
          random,
          clock,
          minAttemptMs: 0,
        }),
      ];
      if (s.breakerFailures > 0) {
        policies.push(
          circuitBreaker({
            breaker: consecutiveBreaker(s.breakerFailures),
            halfOpenAfterMs: s.breakerOpenMs,
            clock,
          }),
        );
      }
      policies.push(timeout({ ms: s.attemptTimeoutMs, clock }));
      const database: ComponentSpec<SimConnection[]> = {
        name: 'postgres',
        critical: true,
        policy: wrap(...policies),
        start: (ctx) => openAll(instance.open, s.connections, ctx.signal),
        stop: (connections) => {
          for (const connection of connections) void connection.end();
        },
      };
      const orchestrator = createOrchestrator(
        { phases: [{ name: 'database', components: [database] }] },
        {
          clock,
          random,
          budgetMs: s.budgetMs,
          mode: 'deterministic',
          wallClock: () => clock.now(),
          checkIntervalMs: Infinity,
          // Nobody reads a virtual instance's timeline; events still reach the listeners.
          recordTimeline: false,
        },
      );
      await orchestrator.start();
      instance.warm();
    },
  };
}

/**
 * `incident`: what the incident's service did. The whole pool (`poolSize + maxOverflow`, 50) warmed
 * at once; 5 attempts, 2 s base doubling to a 30 s cap with 0–50 % added jitter; a breaker that
 * opens after 3 failures for 60 s; a 75 s attempt timeout (the last of 8, 20, 45, 75 s); exit 3 when
 * it fails, and the platform restarts it.
 */
export const incidentStrategy: StrategyDefinition = {
  name: 'incident',
  description:
    'whole pool at once, 5 attempts, exponential backoff with 0–50 % jitter, breaker, 75 s timeouts, exit 3',
  create: (context) => wholePool(context.entry.label ?? context.entry.name, context, INCIDENT_DEFAULTS),
};

/** `naive-backoff`: the whole pool at once under exponential backoff without jitter or breaker. */
export const naiveBackoffStrategy: StrategyDefinition = {
  name: 'naive-backoff',
  description: 'whole pool at once, exponential backoff without jitter, no breaker, exit 3',
  create: (context) => wholePool(context.entry.label ?? context.entry.name, context, NAIVE_DEFAULTS),
};
