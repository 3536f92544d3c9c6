/**
 * The scenario file's schema: every section of a simulator scenario, validated with zod into a fully
 * resolved {@link Scenario}, and the limits a scenario must stay within. Every default below is
 * either a figure from the incident or a documented platform default; assumptions are marked as
 * such. Loading and parsing a file: scenario.ts.
 */

import { z } from 'zod';
import { MAX_POOL, POOL_TOO_LARGE } from './pool-limit.js';

/** Longest `durationMs` a scenario may simulate: a day. */
export const MAX_DURATION_MS = 86_400_000;
/**
 * Most instances a scenario may start: a database's `max_connections` is in the thousands at most,
 * and a fleet ten times larger than 1,000 instances takes minutes to simulate.
 */
export const MAX_INSTANCES = 10_000;
/**
 * Largest `seed`: seeds are 32-bit words (`seededRandom`, `deriveSeed`), so a larger seed would
 * silently repeat the results of a smaller one (2^32 + 1 those of 1).
 */
export const MAX_SEED = 0xffff_ffff;
/** Most time-series samples a scenario may ask for (`durationMs / sampleMs`). */
export const MAX_SAMPLES = 100_000;

const ms = z.number().finite().nonnegative();
const positiveMs = z.number().finite().positive();
const count = z.number().int().nonnegative();
const positiveCount = z.number().int().positive();

/** A duration: a number of ms, or `{ min, max }` drawn uniformly. */
export const RangeSchema = z.union(
  [
    ms,
    z
      .strictObject({ min: ms, max: ms })
      .refine((r) => r.min <= r.max, { message: 'min must not exceed max', path: ['max'] }),
  ],
  {
    // Neither shape matched (a string, `{ min }` alone): zod alone says only "Invalid input".
    error: (issue) =>
      issue.code === 'invalid_union' ? 'must be a number of ms, or { min, max } in ms' : undefined,
  },
);

/** The fleet being rolled out. */
export const FleetSchema = z.strictObject({
  /** Instances started, at most {@link MAX_INSTANCES}. */
  instances: positiveCount.max(
    MAX_INSTANCES,
    `must be at most ${MAX_INSTANCES}: a database's max_connections is in the thousands at most`,
  ),
  /**
   * Instances start uniformly spread over this window, the last at its end, which must come before
   * the scenario's `durationMs`; 0 starts them all at once. @default 0
   */
  startSpreadMs: ms.default(0),
});

/** What the platform does with a starting instance. */
export const PlatformSchema = z.strictObject({
  /**
   * The startup probe window (failureThreshold × periodSeconds): an instance not ready by then is
   * killed and restarted. At least 1000 (periodSeconds and failureThreshold are at least 1).
   * @default 240000 (Cloud Run's upper limit for a startup probe)
   */
  startupWindowMs: positiveMs
    .min(1_000, 'must be at least 1000 ms: failureThreshold × periodSeconds, each at least 1')
    .default(240_000),
  /**
   * Restart delay after an exit or a kill (Kubernetes CrashLoopBackOff): `initialMs`, doubling with
   * each failure up to `maxMs`.
   */
  crashLoop: z
    .strictObject({
      /**
       * First restart delay, at least 1 ms: no platform restarts a process in less, and with 0 every
       * delay is 0 (`min(maxMs, 0 × 2^n)`), so a strategy that fails at once would be restarted at the
       * same virtual instant forever and the run would never end. @default 10000
       */
      initialMs: ms
        .min(
          1,
          'must be at least 1 ms: with 0 every restart delay is 0, and a process that fails at once ' +
            'is restarted at the same virtual instant forever (Kubernetes waits 10000 ms)',
        )
        .default(10_000),
      /** At least `initialMs`. @default 300000 */
      maxMs: ms.default(300_000),
      /** A process that ran this long resets the delay. @default 600000 */
      resetAfterMs: ms.default(600_000),
    })
    .refine((c) => c.maxMs >= c.initialMs, {
      message: 'must be at least initialMs (the delay doubles from initialMs up to maxMs)',
      path: ['maxMs'],
    })
    .prefault({}),
  /**
   * Time after a process starts before its outbound traffic passes (direct VPC egress on a fresh
   * instance: 20–40 s observed, estuary/flow PR #3062). @default 0
   */
  egressDelayMs: RangeSchema.default(0),
});

/** The network connector between the fleet and the database. */
export const ConnectorSchema = z
  .strictObject({
    /** Concurrent connection setups at first. @default 50 (the incident's connector limit) */
    slots: positiveCount.default(50),
    /** Most slots after scaling out. @default slots (no scaling) */
    maxSlots: positiveCount.optional(),
    /** Slots added per scale-out; only with `maxSlots` above `slots`. @default slots */
    step: positiveCount.optional(),
    /** Time one setup holds a slot. @default { min: 50, max: 150 } (assumption: TCP + TLS handshakes) */
    setupMs: RangeSchema.default({ min: 50, max: 150 }),
    /**
     * Setups queued with every slot busy, without a break, for this long start a scale-out (waiting
     * only for `maxSetupsPerSecond` with a slot free does not count). @default 5000 (assumption)
     */
    pressureMs: ms.default(5_000),
    /** Scale-out delay. @default { min: 10000, max: 30000 } (observed in the incident) */
    scaleUpDelayMs: RangeSchema.default({ min: 10_000, max: 30_000 }),
    /** Most setups started per second. @default none (no limit) */
    maxSetupsPerSecond: z.number().finite().positive().optional(),
  })
  .refine((c) => (c.maxSlots ?? c.slots) >= c.slots, {
    message: 'maxSlots must be at least slots',
    path: ['maxSlots'],
  })
  .refine((c) => c.step === undefined || (c.maxSlots ?? c.slots) > c.slots, {
    message: 'has no effect: the connector scales out only when maxSlots is above slots',
    path: ['step'],
  });

/** The database. */
export const DatabaseSchema = z
  .strictObject({
    /** `max_connections`. @default 100 (Postgres default; the incident's assumed limit) */
    maxConnections: positiveCount.default(100),
    /** `superuser_reserved_connections`. @default 3 (Postgres default) */
    reserved: count.default(3),
    /**
     * Connections other clients hold throughout; `reserved + otherClients` must be below
     * `maxConnections`, leaving the fleet at least one. @default 0
     */
    otherClients: count.default(0),
    /**
     * Serial postmaster time per connection. @default 3 (assumption: SCRAM over TLS manages
     * "hundreds per second"; 0.3 ms without TLS)
     */
    acceptMs: RangeSchema.default(3),
    /** Backend start-up and authentication, in parallel. @default { min: 5, max: 15 } (assumption) */
    authMs: RangeSchema.default({ min: 5, max: 15 }),
    /** One simple query's round trip. @default { min: 1, max: 3 } (assumption) */
    queryMs: RangeSchema.default({ min: 1, max: 3 }),
    /**
     * Connections that may wait for the postmaster's accept; beyond it SYNs are dropped and
     * retransmitted. @default min(2 × maxConnections, 4096) (Postgres' listen() backlog, capped by
     * Linux's somaxconn)
     */
    backlog: positiveCount.optional(),
    /**
     * A restart (a failover or a maintenance restart). At `atMs` the server terminates every
     * backend: open connections are closed with `57P01` (an `'error'` on the connection, as `pg`
     * reports it), connections still authenticating are refused, and other clients' connections go
     * away. Until `atMs + durationMs` new connections get `57P03`; then other clients take their
     * slots back and service is normal. `atMs` must come before the scenario's `durationMs`. A
     * scenario with a restart always runs for its full `durationMs` (without one, a run ends once
     * every instance is ready and warm). @default none (no restart)
     */
    restart: z.strictObject({ atMs: ms, durationMs: positiveMs }).optional(),
  })
  .superRefine((d, ctx) => {
    if (d.reserved + d.otherClients < d.maxConnections) return;
    // Name the field that took the last connection: otherClients when it holds any (reserved is
    // usually left at its default), else reserved.
    ctx.addIssue({
      code: 'custom',
      path: [d.otherClients > 0 ? 'otherClients' : 'reserved'],
      message: `reserved (${d.reserved}) + otherClients (${d.otherClients}) must leave at least one of maxConnections (${d.maxConnections}) to the fleet`,
    });
  });

/** What each instance of the service wants from the database. */
export const ServiceSchema = z
  .strictObject({
    /** Pool size, at most {@link MAX_POOL}. @default 20 (the incident's engine) */
    poolSize: positiveCount.max(MAX_POOL, POOL_TOO_LARGE).default(20),
    /** Overflow above the pool size, at most {@link MAX_POOL}. @default 30 (the incident's engine) */
    maxOverflow: count.max(MAX_POOL, POOL_TOO_LARGE).default(30),
    /** Connections an instance needs before it can serve; the lower bound's unit. @default 2 */
    minReady: positiveCount.default(2),
  })
  .refine((s) => s.minReady <= s.poolSize + s.maxOverflow, {
    message: 'minReady must not exceed poolSize + maxOverflow',
    path: ['minReady'],
  });

/**
 * One strategy to run: a registered name, an optional label for the report (to run one strategy
 * twice with different options), plus that strategy's own options.
 */
export const StrategyEntrySchema = z.looseObject({
  /** A registered strategy: `incident`, `naive-backoff`, `phasegate`, or one given to `simulate`. */
  name: z.string().min(1),
  /** Name shown in the table and the report. @default the strategy's own name */
  label: z.string().min(1).optional(),
});

/** The whole scenario file. */
export const ScenarioSchema = z
  .strictObject({
    /** Short name, shown in reports. */
    name: z.string().min(1),
    /** What the scenario models and where its numbers come from. @default '' */
    description: z.string().default(''),
    /** Seed of every random stream, from 0 to {@link MAX_SEED}. @default 1 */
    seed: z
      .number()
      .int()
      .nonnegative()
      .max(MAX_SEED, `must be at most ${MAX_SEED}: seeds are 32-bit, a larger one repeats a smaller one`)
      .default(1),
    /** Virtual time simulated, at most a day (a startup storm is over long before). @default 600000 (10 minutes) */
    durationMs: positiveMs
      .max(
        MAX_DURATION_MS,
        `must be at most ${MAX_DURATION_MS} ms (a day): a startup storm is over long before`,
      )
      .default(600_000),
    /**
     * Interval of the time series in the report; at most {@link MAX_SAMPLES} samples over `durationMs`.
     * @default 1000
     */
    sampleMs: positiveMs.default(1_000),
    /** The fleet being rolled out (`instances` is required). */
    fleet: FleetSchema,
    /** What the platform does with a starting instance. @default {} (every field at its default) */
    platform: PlatformSchema.prefault({}),
    /** The network connector. @default {} (every field at its default) */
    connector: ConnectorSchema.prefault({}),
    /** The database. @default {} (every field at its default) */
    database: DatabaseSchema.prefault({}),
    /** What each instance wants from the database. @default {} (every field at its default) */
    service: ServiceSchema.prefault({}),
    /** Strategies, in report order. @default incident, naive-backoff, phasegate */
    strategies: z
      .array(StrategyEntrySchema)
      .min(1)
      .default([{ name: 'incident' }, { name: 'naive-backoff' }, { name: 'phasegate' }]),
  })
  .superRefine((scenario, ctx) => {
    const samples = Math.ceil(scenario.durationMs / scenario.sampleMs);
    if (samples > MAX_SAMPLES) {
      ctx.addIssue({
        code: 'custom',
        path: ['sampleMs'],
        message: `gives ${samples} samples over durationMs, more than ${MAX_SAMPLES}: use at least ${Math.ceil(scenario.durationMs / MAX_SAMPLES)} ms`,
      });
    }
    // Times past the end of the run would never happen, and a restart still keeps the run going to
    // the end (it never stops early): say so rather than report a run that did not test it.
    const { durationMs } = scenario;
    if (scenario.fleet.startSpreadMs >= durationMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['fleet', 'startSpreadMs'],
        message: `must be less than durationMs (${durationMs} ms): the last instance starts at the end of the spread`,
      });
    }
    const restart = scenario.database.restart;
    if (restart !== undefined && restart.atMs >= durationMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['database', 'restart', 'atMs'],
        message: `must be less than durationMs (${durationMs} ms): the restart would never happen`,
      });
    }
    // Each strategy is a row of the report and a key of the results: two rows may not share a name.
    const seen = new Map<string, number>();
    scenario.strategies.forEach((entry, i) => {
      const shown = entry.label ?? entry.name;
      const first = seen.get(shown);
      if (first === undefined) seen.set(shown, i);
      else {
        ctx.addIssue({
          code: 'custom',
          path: ['strategies', i],
          message: `"${shown}" is already strategies[${first}]: give one of them a label`,
        });
      }
    });
  });

/** A scenario as written in YAML (everything with a default may be left out). */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
/** A fully resolved scenario. */
export type Scenario = z.output<typeof ScenarioSchema>;
/** One strategy entry of a scenario. */
export type StrategyEntry = z.output<typeof StrategyEntrySchema>;
