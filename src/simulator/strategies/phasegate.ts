/**
 * The `phasegate` strategy: the real orchestrator running the real Postgres component, configured
 * the way `phasegate plan` recommends for the scenario's fleet.
 */

import { z } from 'zod';
import {
  ConfigError,
  createOrchestrator,
  LocalAdmission,
  planConnectionBudget,
  postgresComponent,
  PostgresAdmission,
  type AdmissionProvider,
} from '../../index.js';
import { rangeMean } from '../range.js';
import type { Scenario } from '../scenario.js';
import type { Strategy, StrategyDefinition } from '../strategy.js';
import { parseStrategyOptions } from './options.js';

const positiveInt = z.number().int().positive();

/** Options of the `phasegate` strategy, as a scenario entry gives them. */
export const PhasegateOptionsSchema = z.strictObject({
  /** Admission backend: Postgres advisory locks (the default backend) or local jitter only. @default 'postgres' */
  admission: z.enum(['postgres', 'local']).optional(),
  /** Admission width K. @default recommended.admissionWidth of `planConnectionBudget` */
  admissionWidth: positiveInt.optional(),
  /**
   * Pool max per instance (`DB_POOL_MAX`), at least `minReady`.
   * @default max(minReady, recommended.poolMax of `planConnectionBudget`)
   */
  poolMax: positiveInt.optional(),
  /** Connections needed before ready (`DB_POOL_MIN_READY`). @default service.minReady */
  minReady: positiveInt.optional(),
  /** Startup budget, in ms. @default 80 % of platform.startupWindowMs (the planner's margin) */
  budgetMs: z.number().finite().positive().optional(),
  /** Connections one instance opens at once. @default 2 */
  maxConcurrentOpens: positiveInt.optional(),
  /** Instances expected for the fair share (`FLEET_SIZE`). @default fleet.instances */
  expectedInstances: positiveInt.optional(),
});

/** The settings the strategy runs with, after defaults. */
export interface PhasegateSettings {
  readonly admission: 'postgres' | 'local';
  readonly admissionWidth: number;
  readonly poolMax: number;
  readonly minReady: number;
  readonly budgetMs: number;
  readonly maxConcurrentOpens: number;
  readonly expectedInstances: number;
}

/**
 * What `phasegate plan` recommends for the scenario: fed the fleet, the pool, the database limits
 * and the path's setup rate (`min(connector slots ÷ mean setup, 1 ÷ mean accept)`, at the
 * connector's starting size) and latency.
 */
export function planFor(scenario: Scenario, warmupConcurrency = 2): ReturnType<typeof planConnectionBudget> {
  const { connector, database, fleet, service } = scenario;
  const setupMs = rangeMean(connector.setupMs);
  const acceptMs = rangeMean(database.acceptMs);
  const connectorRate = setupMs > 0 ? (connector.slots * 1000) / setupMs : Infinity;
  const databaseRate = acceptMs > 0 ? 1000 / acceptMs : Infinity;
  const rate = Math.min(connectorRate, databaseRate, connector.maxSetupsPerSecond ?? Infinity);
  return planConnectionBudget({
    instances: fleet.instances,
    pool: { poolSize: service.poolSize, maxOverflow: service.maxOverflow },
    maxConnections: database.maxConnections,
    superuserReserved: database.reserved,
    otherClients: database.otherClients,
    ...(Number.isFinite(rate) ? { setupRatePerSecond: rate } : {}),
    connectLatencyMs: Math.max(1, setupMs + acceptMs + rangeMean(database.authMs)),
    warmupConcurrency,
  });
}

function settingsFor(
  scenario: Scenario,
  options: z.output<typeof PhasegateOptionsSchema>,
  path: string,
): PhasegateSettings {
  const maxConcurrentOpens = options.maxConcurrentOpens ?? 2;
  const plan = planFor(scenario, maxConcurrentOpens);
  // minReady is what an instance needs to serve: the plan may not shrink it (an overcommitted fleet
  // must show up as instances that cannot start, not as instances that start with too little).
  const minReady = options.minReady ?? scenario.service.minReady;
  // A pool max written below it would be raised to it without a word, so the run would not be
  // the one written.
  if (options.poolMax !== undefined && options.poolMax < minReady) {
    throw new ConfigError(
      `${path}.poolMax`,
      `is ${options.poolMax}, below minReady (${minReady}): an instance could never be ready`,
      `raise poolMax to at least ${minReady}, or lower minReady`,
    );
  }
  const poolMax = Math.max(minReady, options.poolMax ?? plan.recommended.poolMax);
  return {
    admission: options.admission ?? 'postgres',
    admissionWidth: options.admissionWidth ?? plan.recommended.admissionWidth,
    poolMax,
    minReady,
    budgetMs: options.budgetMs ?? Math.floor(scenario.platform.startupWindowMs * 0.8),
    maxConcurrentOpens,
    expectedInstances: options.expectedInstances ?? scenario.fleet.instances,
  };
}

/**
 * `phasegate`: the real orchestrator (deterministic mode, a startup budget inside the platform's
 * window) running the real `postgresComponent` over the simulated connection factory. Ready at
 * `minReady` verified connections; the target is the live fair share (read with `SHOW
 * max_connections` and `pg_stat_activity` through its first connection) capped by the planned pool
 * max; growth past `minReady` waits for one of K admission slots (the real Postgres advisory-lock
 * backend, on the simulated database), with jitter; 53300 lowers the target and backs off; the
 * orchestrator's default policy retries with decorrelated jitter under an adaptive timeout until
 * the deadline. The instance is warm when its pool reaches its target (`pool-at-target`); growth that
 * gave up short of it (a failed or lost admission slot) is not warm until a later recheck gets there.
 */
export const phasegateStrategy: StrategyDefinition = {
  name: 'phasegate',
  description:
    'minReady then fair-share growth under admission K, decorrelated jitter, adaptive timeouts, deadline',
  create(context): Strategy {
    const options = parseStrategyOptions(PhasegateOptionsSchema, context.entry, context.path);
    const s = settingsFor(context.scenario, options, context.path);
    return {
      name: context.entry.label ?? context.entry.name,
      async launch(instance) {
        const { clock, random } = instance;
        const admission: AdmissionProvider =
          s.admission === 'postgres'
            ? new PostgresAdmission({
                width: s.admissionWidth,
                namespace: 'simulated-service',
                clock,
                random,
              })
            : new LocalAdmission({ width: s.admissionWidth, clock, random });
        const database = postgresComponent({
          connectionFactory: instance.connect,
          targetLabel: 'simulated-postgres',
          max: s.poolMax,
          minReady: s.minReady,
          maxConcurrentOpens: s.maxConcurrentOpens,
          expectedInstances: s.expectedInstances,
          admission,
          random,
        });
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
        orchestrator.on('component-mark', (event) => {
          if (event.name === 'pool-at-target') instance.warm();
        });
        await orchestrator.start();
      },
    };
  },
};

/** The settings `phasegate` would run with on `scenario` (for reports and tests). */
export function phasegateSettings(
  scenario: Scenario,
  entry: Record<string, unknown> = {},
): PhasegateSettings {
  const options = parseStrategyOptions(PhasegateOptionsSchema, { name: 'phasegate', ...entry }, 'phasegate');
  return settingsFor(scenario, options, 'phasegate');
}
