import { ConfigError } from '../errors/config-error.js';
import { check, optional, requireExact } from './budget-checks.js';

/**
 * Per-instance pool settings, in either of the two shapes pools are usually configured with.
 *
 * - SQLAlchemy style: `poolSize` connections kept open plus up to `maxOverflow` more under load, so
 *   one instance may hold `poolSize + maxOverflow`.
 * - min/max style (node-postgres, HikariCP): at most `max` per instance.
 *
 * @example
 * ```ts
 * const incident: PoolSettingsInput = { poolSize: 20, maxOverflow: 30 }; // up to 50 per instance
 * const nodePg: PoolSettingsInput = { min: 2, max: 10 };
 * ```
 */
export type PoolSettingsInput =
  | {
      /** Connections kept open (a whole number >= 0; `poolSize + maxOverflow` must be at least 1). */
      readonly poolSize: number;
      /** Connections opened beyond `poolSize` under load (a whole number >= 0). @default 0 */
      readonly maxOverflow?: number;
    }
  | {
      /** Connections kept open in steady state (a whole number >= 0, at most `max`). @default 0 */
      readonly min?: number;
      /** Connections one instance may hold at most (a whole number >= 1). */
      readonly max: number;
    };

/**
 * A `CONNECTION LIMIT` below the server's: the role's (`rolconnlimit`) or the database's
 * (`datconnlimit`). Postgres refuses a connection of an ordinary role past it (53300, too many
 * connections for role/database) however many slots the server has free; superusers are exempt.
 *
 * @example
 * ```ts
 * const role: ConnectionLimitInput = { limit: 20, otherClients: 2 }; // ALTER ROLE app CONNECTION LIMIT 20
 * ```
 */
export interface ConnectionLimitInput {
  /** The limit (a whole number >= 0; Postgres's -1, no limit, is left out instead). */
  readonly limit: number;
  /** Connections others hold under the same limit (the role's, or the database's). @default 0 */
  readonly otherClients?: number;
}

/** The platform's startup probe; the startup window is `periodSeconds × failureThreshold`. */
export interface ProbeWindowInput {
  /** Seconds between probes (Kubernetes default 10). */
  readonly periodSeconds: number;
  /** Failed probes before the platform kills the instance (Kubernetes default 3). */
  readonly failureThreshold: number;
}

/**
 * Input of {@link planConnectionBudget}. Only `instances`, `pool` and `maxConnections` are required.
 *
 * @example
 * ```ts
 * const input: ConnectionBudgetInput = {
 *   instances: 2,
 *   pool: { poolSize: 20, maxOverflow: 30 },
 *   maxConnections: 100,
 *   superuserReserved: 3,
 * };
 * ```
 */
export interface ConnectionBudgetInput {
  /** Instances running in steady state (the replica count). */
  readonly instances: number;
  /** Most instances alive at once during a rollout: replicas plus surge. @default instances */
  readonly maxInstances?: number;
  /** Pool settings of one instance. */
  readonly pool: PoolSettingsInput;
  /** Connections held by everything else: other services, cron jobs, monitoring, people. @default 0 */
  readonly otherClients?: number;
  /**
   * The `CONNECTION LIMIT` of the role the service connects as, when it has one (not for a
   * superuser, who is exempt). @default none
   */
  readonly roleLimit?: ConnectionLimitInput;
  /** The `CONNECTION LIMIT` of the service's database, when it has one. @default none */
  readonly databaseLimit?: ConnectionLimitInput;
  /** The server's `max_connections`. */
  readonly maxConnections: number;
  /**
   * Slots ordinary roles can never use: `superuser_reserved_connections` (plus `reserved_connections`
   * on Postgres 16+). @default 3 (the Postgres default)
   */
  readonly superuserReserved?: number;
  /**
   * Connections the recommendation leaves free, for a person's `psql` during an incident, a migration
   * runner or a forgotten monitoring agent. It does not change the `fits` verdict.
   * @default max(2, ceil(5 % of the available connections))
   */
  readonly headroom?: number;
  /** The platform's startup probe, to derive a startup budget. @default none (no budget is derived) */
  readonly probe?: ProbeWindowInput;
  /**
   * Share of the probe window kept as margin: the probe's own period (readiness just after a probe is
   * seen one period later), process boot before phasegate's clock starts, and the probe timeout.
   * @default 0.2
   */
  readonly startupMargin?: number;
  /** `minReady` as a share of the recommended pool max (rounded up, at least 1). @default 0.25 */
  readonly minReadyFraction?: number;
  /**
   * Connections each instance needs before it is ready (`DB_POOL_MIN_READY`), when you know it:
   * instead of `minReadyFraction`, not with it. The recommendation keeps it, capped by the
   * recommended pool max. @default none (`minReadyFraction` applies)
   */
  readonly minReady?: number;
  /**
   * New connections per second the whole path (connector, postmaster, TLS and authentication) accepts.
   * An assumption, not a measurement: Postgres alone accepts hundreds per second with SCRAM over TLS
   * (thousands without), and a network connector that is still scaling accepts far fewer.
   * @default 50
   */
  readonly setupRatePerSecond?: number;
  /** Time to set up one connection, in ms. @default 100 */
  readonly connectLatencyMs?: number;
  /** Connections one instance opens in parallel while it warms its pool. @default 2 */
  readonly warmupConcurrency?: number;
}

/** {@link ConnectionBudgetInput} with every default applied and every field validated. */
export interface ConnectionBudgetOptions {
  readonly instances: number;
  readonly maxInstances: number;
  /** Connections one instance may hold at most. */
  readonly perInstanceMax: number;
  /** Connections one instance keeps open in steady state (`poolSize`, or `min`). */
  readonly perInstanceMin: number;
  /** How the pool size was given, for the reasons text. */
  readonly poolDescription: string;
  readonly otherClients: number;
  /** The role's connection limit, or `null` when there is none. */
  readonly roleLimit: Required<ConnectionLimitInput> | null;
  /** The database's connection limit, or `null` when there is none. */
  readonly databaseLimit: Required<ConnectionLimitInput> | null;
  readonly maxConnections: number;
  readonly superuserReserved: number;
  /** `null` until resolved against the available connections (see {@link defaultHeadroom}). */
  readonly headroom: number | null;
  readonly probe: ProbeWindowInput | null;
  readonly startupMargin: number;
  readonly minReadyFraction: number;
  /** A fixed `minReady`, or `null` to derive it from {@link ConnectionBudgetOptions.minReadyFraction}. */
  readonly minReady: number | null;
  readonly setupRatePerSecond: number;
  readonly connectLatencyMs: number;
  readonly warmupConcurrency: number;
}

/** The default headroom for `available` connections: `max(2, ceil(available × 0.05))`. */
export function defaultHeadroom(available: number): number {
  return Math.max(2, Math.ceil(Math.max(0, available) * 0.05));
}

function resolvePool(
  pool: unknown,
): Pick<ConnectionBudgetOptions, 'perInstanceMax' | 'perInstanceMin' | 'poolDescription'> {
  if (typeof pool !== 'object' || pool === null) {
    throw new ConfigError('pool', 'is required', 'give { poolSize, maxOverflow } or { min, max }');
  }
  const p = pool as Record<string, unknown>;
  const sqlalchemy = p.poolSize !== undefined || p.maxOverflow !== undefined;
  const minMax = p.min !== undefined || p.max !== undefined;
  if (sqlalchemy && minMax) {
    throw new ConfigError('pool', 'mixes poolSize/maxOverflow with min/max', 'give one of the two shapes');
  }
  if (sqlalchemy) {
    if (p.poolSize === undefined)
      throw new ConfigError('pool.poolSize', 'is required with maxOverflow', 'set pool.poolSize');
    const size = check('pool.poolSize', p.poolSize, 'integer>=0');
    const overflow = optional('pool.maxOverflow', p.maxOverflow, 'integer>=0', 0);
    if (size + overflow < 1) {
      throw new ConfigError(
        'pool.poolSize',
        'poolSize + maxOverflow must be at least 1',
        'raise pool.poolSize',
      );
    }
    return {
      perInstanceMax: size + overflow,
      perInstanceMin: size,
      poolDescription: `pool_size ${size} + max_overflow ${overflow}`,
    };
  }
  if (p.max === undefined)
    throw new ConfigError('pool.max', 'is required', 'set pool.max (or pool.poolSize)');
  const max = check('pool.max', p.max, 'integer>=1');
  const min = optional('pool.min', p.min, 'integer>=0', 0);
  if (min > max)
    throw new ConfigError('pool.min', `must not exceed pool.max (${max}), got ${min}`, 'lower pool.min');
  return { perInstanceMax: max, perInstanceMin: min, poolDescription: `pool max ${max}` };
}

/**
 * Validate a {@link ConnectionBudgetInput} and apply defaults. Throws a {@link ConfigError} naming the
 * field (`instances`, `pool.maxOverflow`, `probe.periodSeconds`, ...) and the fix.
 */
export function resolveConnectionBudgetOptions(input: ConnectionBudgetInput): ConnectionBudgetOptions {
  if (typeof input !== 'object' || input === null) {
    throw new ConfigError('input', 'must be an object', 'pass { instances, pool, maxConnections }');
  }
  const instances = check('instances', input.instances, 'integer>=1');
  const maxInstances = optional('maxInstances', input.maxInstances, 'integer>=1', instances);
  if (maxInstances < instances) {
    throw new ConfigError(
      'maxInstances',
      `must be at least instances (${instances}), got ${maxInstances}`,
      'set maxInstances to replicas plus surge',
    );
  }
  const maxConnections = check('maxConnections', input.maxConnections, 'integer>=1');
  const superuserReserved = optional('superuserReserved', input.superuserReserved, 'integer>=0', 3);
  if (superuserReserved >= maxConnections) {
    throw new ConfigError(
      'superuserReserved',
      `must be below maxConnections (${maxConnections}), got ${superuserReserved}`,
      'check superuser_reserved_connections',
    );
  }
  let probe: ProbeWindowInput | null = null;
  if (input.probe !== undefined) {
    probe = {
      periodSeconds: check('probe.periodSeconds', input.probe.periodSeconds, 'number>0'),
      failureThreshold: check('probe.failureThreshold', input.probe.failureThreshold, 'integer>=1'),
    };
    requireExact(
      'probe.periodSeconds',
      probe.periodSeconds * probe.failureThreshold * 1000,
      `the probe window (${probe.periodSeconds} s × ${probe.failureThreshold}) in ms`,
      'give the probe period in seconds, as the platform has it',
    );
  }
  const pool = resolvePool(input.pool);
  const otherClients = optional('otherClients', input.otherClients, 'integer>=0', 0);
  requireExact(
    input.maxInstances === undefined ? 'instances' : 'maxInstances',
    maxInstances * pool.perInstanceMax + otherClients,
    // No budget key names in the text: the CLI would turn them into flags (`instances` → `--instances`).
    `the rollout peak (${maxInstances} × ${pool.perInstanceMax} connections + ${otherClients} others)`,
    'check the instance count and the pool size',
  );
  return {
    instances,
    maxInstances,
    ...pool,
    otherClients,
    roleLimit: resolveLimit('roleLimit', input.roleLimit),
    databaseLimit: resolveLimit('databaseLimit', input.databaseLimit),
    maxConnections,
    superuserReserved,
    headroom: input.headroom === undefined ? null : check('headroom', input.headroom, 'integer>=0'),
    probe,
    startupMargin: optional('startupMargin', input.startupMargin, 'fraction', 0.2),
    minReadyFraction: input.minReadyFraction === undefined ? 0.25 : checkShare(input.minReadyFraction),
    minReady: resolveMinReady(input),
    setupRatePerSecond: optional('setupRatePerSecond', input.setupRatePerSecond, 'number>0', 50),
    connectLatencyMs: optional('connectLatencyMs', input.connectLatencyMs, 'number>0', 100),
    warmupConcurrency: optional('warmupConcurrency', input.warmupConcurrency, 'integer>=1', 2),
  };
}

function resolveLimit(path: string, value: unknown): Required<ConnectionLimitInput> | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null) {
    throw new ConfigError(
      path,
      'must be { limit, otherClients }',
      `leave ${path} out when there is no limit`,
    );
  }
  const { limit, otherClients } = value as Record<string, unknown>;
  return {
    limit: check(`${path}.limit`, limit, 'integer>=0'),
    otherClients: optional(`${path}.otherClients`, otherClients, 'integer>=0', 0),
  };
}

function resolveMinReady(input: ConnectionBudgetInput): number | null {
  if (input.minReady === undefined) return null;
  if (input.minReadyFraction !== undefined) {
    throw new ConfigError(
      'minReady',
      'is given together with minReadyFraction',
      'give minReady (a count of connections) or minReadyFraction (a share of the pool), not both',
    );
  }
  return check('minReady', input.minReady, 'integer>=1');
}

function checkShare(value: unknown): number {
  if (typeof value === 'number' && value > 0 && value <= 1) return value;
  throw new ConfigError(
    'minReadyFraction',
    `must be a number in (0, 1], got ${JSON.stringify(value) ?? String(value)}`,
    'e.g. 0.25 for a quarter of the pool',
  );
}
