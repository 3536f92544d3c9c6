import { defaultRandom, type Random } from '../../common/random.js';
import { ConfigError } from '../../errors/config-error.js';
import type { Availability } from '../../orchestrator/availability.js';
import type { Policy } from '../../policies/policy.js';
import {
  requireInteger,
  requireNonNegative,
  requireOrdered,
  requirePositive,
  requirePositiveOrInfinity,
} from '../../policies/validate.js';
import type { AdmissionProvider } from '../admission-hook.js';
import {
  describePostgresTarget,
  pgConnectionFactory,
  type ConnectionFactory,
  type PostgresConnectionConfig,
} from './connection.js';

/** Options of {@link postgresComponent}. Give `connection` or `connectionFactory`. */
export interface PostgresComponentOptionsInput {
  /** Component name. @default 'postgres' */
  readonly name?: string;
  /**
   * A connection string or a `pg` client configuration. Its password never appears in a message.
   * @default none: give this or `connectionFactory`
   * @example 'postgres://app:secret@db:5432/app'
   */
  readonly connection?: PostgresConnectionConfig;
  /** Opens connections instead of `pg` (the simulator, tests). Overrides `connection`. @default `pg` on `connection` */
  readonly connectionFactory?: ConnectionFactory;
  /** How the server is named in messages when `connectionFactory` is given. @default 'postgres' */
  readonly targetLabel?: string;
  /** Most connections the pool may hold. @default 10 */
  readonly max?: number;
  /** Connections that must be open (each verified) before the component is ready. @default 1 */
  readonly minReady?: number;
  /** Connections opened at the same time, at most. @default 2 */
  readonly maxConcurrentOpens?: number;
  /** Instances expected to share the server, this one included, for the fair share. @default 1 */
  readonly expectedInstances?: number;
  /** Connections left free on the server for everyone else. @default 0 */
  readonly headroom?: number;
  /** Read limits and usage from the server to set the target. @default true */
  readonly readLiveLimits?: boolean;
  /** Each background open first waits a random `[0, openJitterMs)`. @default 250 */
  readonly openJitterMs?: number;
  /** First backoff after a failed growth round (decorrelated jitter). @default 500 */
  readonly growthBackoffMs?: number;
  /** Longest backoff between growth rounds. @default 30_000 */
  readonly growthBackoffCapMs?: number;
  /** Failed growth rounds in a row before the pool settles at what it has. @default 6 */
  readonly maxGrowthRetries?: number;
  /**
   * Bound of one connection open, its `SELECT 1` included, of one read of the live limits (a
   * connection that does not answer that read within it is closed), and of the wait for an
   * admission slot's release (past it, growth goes on without it: a Postgres unlock still
   * unanswered closes the connection it was sent on, and the lock ends with it). @default 15_000
   */
  readonly openTimeoutMs?: number;
  /** How long a caller waits for a free connection. @default 10_000 */
  readonly acquireTimeoutMs?: number;
  /** Fleet admission taken before growing past `minReady`. @default none */
  readonly admission?: AdmissionProvider;
  /** Longest wait for an admission slot; past it the pool stays at `minReady`. @default 300_000 */
  readonly admissionTimeoutMs?: number;
  /**
   * Once the pool has settled, decide its target again about this often (each wait is drawn from
   * `[0.5, 1.5) ×` this, so a fleet spreads its rechecks), reading the live limits through a pooled
   * connection: when capacity was freed (other clients or an old revision's instances left), the
   * pool grows again toward its share, under admission. It never shrinks a pool. Only with
   * `readLiveLimits` (without live figures a recheck could only guess). `Infinity` turns it off.
   * @default 60_000
   */
  readonly targetRecheckMs?: number;
  /** Jitter source; inject a seeded one for reproducible runs. @default Math.random */
  readonly random?: Random;
  /** See {@link ComponentSpec.critical}. @default true */
  readonly critical?: boolean;
  /** See {@link ComponentSpec.degradable}. @default false */
  readonly degradable?: boolean;
  /** See {@link ComponentSpec.degradesTo}. @default 'DEGRADED' */
  readonly degradesTo?: Availability;
  /** See {@link ComponentSpec.dependsOn}. @default [] */
  readonly dependsOn?: readonly string[];
  /** See {@link ComponentSpec.policy}. @default the orchestrator's `defaultPolicy` */
  readonly policy?: Policy;
}

/** {@link PostgresComponentOptionsInput} resolved and validated. */
export interface PostgresComponentOptions {
  /** {@link PostgresComponentOptionsInput.name}; `'postgres'` if not given. */
  readonly name: string;
  /**
   * Opens connections: {@link PostgresComponentOptionsInput.connectionFactory} if given, else a `pg` factory
   * for {@link PostgresComponentOptionsInput.connection}.
   */
  readonly factory: ConnectionFactory;
  /**
   * How the server is named in messages: {@link PostgresComponentOptionsInput.targetLabel} (`'postgres'` if
   * not given) with a `connectionFactory`, else `user@host:port/database` of `connection` (never its
   * password).
   */
  readonly target: string;
  /** {@link PostgresComponentOptionsInput.max}, in connections; 10 if not given. */
  readonly max: number;
  /** {@link PostgresComponentOptionsInput.minReady}, in connections, at most `max`; 1 if not given. */
  readonly minReady: number;
  /** {@link PostgresComponentOptionsInput.maxConcurrentOpens}; 2 if not given. */
  readonly maxConcurrentOpens: number;
  /** {@link PostgresComponentOptionsInput.expectedInstances}; 1 if not given. */
  readonly expectedInstances: number;
  /** {@link PostgresComponentOptionsInput.headroom}, in connections; 0 if not given. */
  readonly headroom: number;
  /** {@link PostgresComponentOptionsInput.readLiveLimits}; `true` if not given. */
  readonly readLiveLimits: boolean;
  /** {@link PostgresComponentOptionsInput.openJitterMs}, in ms; 250 if not given. */
  readonly openJitterMs: number;
  /**
   * {@link PostgresComponentOptionsInput.growthBackoffMs}, in ms, at most `growthBackoffCapMs`; 500 if not
   * given.
   */
  readonly growthBackoffMs: number;
  /** {@link PostgresComponentOptionsInput.growthBackoffCapMs}, in ms; 30 000 if not given. */
  readonly growthBackoffCapMs: number;
  /** {@link PostgresComponentOptionsInput.maxGrowthRetries}; 6 if not given. */
  readonly maxGrowthRetries: number;
  /** {@link PostgresComponentOptionsInput.openTimeoutMs}, in ms; 15 000 if not given. */
  readonly openTimeoutMs: number;
  /** {@link PostgresComponentOptionsInput.acquireTimeoutMs}, in ms; 10 000 if not given. */
  readonly acquireTimeoutMs: number;
  /** {@link PostgresComponentOptionsInput.admission}; `undefined` (no fleet admission) if not given. */
  readonly admission: AdmissionProvider | undefined;
  /**
   * {@link PostgresComponentOptionsInput.admissionTimeoutMs}, in ms (may be `Infinity`); 300 000 if not
   * given.
   */
  readonly admissionTimeoutMs: number;
  /** {@link PostgresComponentOptionsInput.targetRecheckMs}, in ms (`Infinity`: off); 60 000 if not given. */
  readonly targetRecheckMs: number;
  /** {@link PostgresComponentOptionsInput.random}; `Math.random` if not given. */
  readonly random: Random;
}

/**
 * Resolve and validate the options once.
 *
 * @throws ConfigError naming the option and the fix.
 */
export function resolvePostgresOptions(input: PostgresComponentOptionsInput): PostgresComponentOptions {
  const path = (key: string): string => `postgres.${key}`;
  if (!input.connection && !input.connectionFactory) {
    throw new ConfigError(
      path('connection'),
      'no connection settings',
      'pass connection: a postgres:// URL or a pg client config (or connectionFactory)',
    );
  }
  const max = requireInteger(path('max'), input.max ?? 10, 1);
  const minReady = requireInteger(path('minReady'), input.minReady ?? 1, 1);
  requireOrdered(path('minReady'), minReady, path('max'), max);
  const growthBackoffMs = requirePositive(path('growthBackoffMs'), input.growthBackoffMs ?? 500);
  const growthBackoffCapMs = requirePositive(path('growthBackoffCapMs'), input.growthBackoffCapMs ?? 30_000);
  requireOrdered(path('growthBackoffMs'), growthBackoffMs, path('growthBackoffCapMs'), growthBackoffCapMs);
  if (input.admission !== undefined && typeof input.admission?.acquire !== 'function') {
    throw new ConfigError(path('admission'), 'must have an acquire() method', 'pass an AdmissionProvider');
  }
  return {
    name: input.name ?? 'postgres',
    factory: input.connectionFactory ?? pgConnectionFactory(input.connection!),
    target: input.connectionFactory
      ? (input.targetLabel ?? 'postgres')
      : describePostgresTarget(input.connection!),
    max,
    minReady,
    maxConcurrentOpens: requireInteger(path('maxConcurrentOpens'), input.maxConcurrentOpens ?? 2, 1),
    expectedInstances: requireInteger(path('expectedInstances'), input.expectedInstances ?? 1, 1),
    headroom: requireInteger(path('headroom'), input.headroom ?? 0, 0),
    readLiveLimits: input.readLiveLimits ?? true,
    openJitterMs: requireNonNegative(path('openJitterMs'), input.openJitterMs ?? 250),
    growthBackoffMs,
    growthBackoffCapMs,
    maxGrowthRetries: requireInteger(path('maxGrowthRetries'), input.maxGrowthRetries ?? 6, 0),
    openTimeoutMs: requirePositive(path('openTimeoutMs'), input.openTimeoutMs ?? 15_000),
    acquireTimeoutMs: requirePositive(path('acquireTimeoutMs'), input.acquireTimeoutMs ?? 10_000),
    admission: input.admission,
    admissionTimeoutMs: requirePositiveOrInfinity(
      path('admissionTimeoutMs'),
      input.admissionTimeoutMs ?? 300_000,
    ),
    targetRecheckMs: requirePositiveOrInfinity(path('targetRecheckMs'), input.targetRecheckMs ?? 60_000),
    random: input.random ?? defaultRandom,
  };
}
