/**
 * The chat backend's configuration, read only from environment variables (the README lists them) and
 * validated with zod. A bad value is a ConfigError naming the variable and the fix: exit 78.
 */

import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../src/index.js';
import { postgresUrlParts, redactText, redactUrl } from '../../src/index.js';

/** How startup treats a failing dependency: fail fast, or start degraded and recover (graceful). */
export type StartupMode = 'deterministic' | 'graceful';
/** Which fleet admission backend coordinates pool warm-up. */
export type FleetAdmission = 'local' | 'postgres' | 'redis';

/** The validated configuration. */
export interface ChatConfig {
  /** Postgres URL; undefined means start an embedded Postgres under {@link ChatConfig.dataDir}. */
  readonly databaseUrl: string | undefined;
  /** Redis URL; undefined means no cache component. */
  readonly redisUrl: string | undefined;
  /** HTTP port for the app and the health endpoints. */
  readonly port: number;
  /** Interface to bind; undefined binds every interface. */
  readonly host: string | undefined;
  readonly startupMode: StartupMode;
  readonly startupBudgetMs: number;
  readonly dbPoolMax: number;
  readonly dbPoolMinReady: number;
  readonly fleetSize: number;
  readonly fleetAdmission: FleetAdmission;
  /** Name of this instance; also the Postgres `application_name`. */
  readonly instance: string;
  /** Where the signing key and the embedded database live. */
  readonly dataDir: string;
  /** Bearer token for the full `/health` detail from non-loopback callers. */
  readonly healthToken: string | undefined;
  readonly drainDelayMs: number;
  readonly gracePeriodMs: number;
  /** Interval of the post-start health checks of every component. */
  readonly checkIntervalMs: number;
  /** Port of the embedded Postgres (only used without DATABASE_URL). */
  readonly embeddedPgPort: number;
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}

/** A whole number written in decimal digits (`1e3` and `0x10` are typos here, not numbers). */
const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number in decimal digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/**
 * A rejected URL as an error shows it. The value is invalid, so the password may not be where URL
 * syntax puts it (a space or a second `@` in it is what made it invalid): `redactUrl` hides all of
 * the userinfo after the user, up to the last `@`.
 */
const shownUrl = (raw: string): string => JSON.stringify(redactUrl(raw));

/** A rejected token as an error shows it: its length only. */
const shownSecret = (raw: string): string => `${[...raw].length} characters, not shown`;

/**
 * Whether `url` parses as a URL. One that does not (a port past 65535 or not a number, two hosts)
 * would otherwise pass as a `postgres://` or `redis://` URL, and fail only when the driver parses it,
 * as "Invalid URL" without the variable's name: for Redis, an optional component, the instance would
 * even start without it.
 */
const parses = (url: string): boolean => URL.canParse(url);

/** Whether `url` parses as the pg driver reads it (also with an empty host: `postgres://u@/db?host=/run`). */
const readsAsPostgresUrl = (url: string): boolean => {
  try {
    postgresUrlParts(url);
    return true;
  } catch {
    return false;
  }
};
const URL_SYNTAX = 'must be a valid URL (one host, and a port of at most 65535)';

/** One schema and one fix per variable, so every error names the variable and says what to do. */
const VARIABLES = {
  DATABASE_URL: {
    show: shownUrl,
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL')
      // As the pg driver reads it: a URL, or one with an empty host (`postgres://u@/db?host=/run`).
      .refine(readsAsPostgresUrl, URL_SYNTAX)
      .optional(),
    hint: 'use postgres://user:password@host:5432/dbname, or unset it to start an embedded Postgres under .data/',
  },
  REDIS_URL: {
    show: shownUrl,
    schema: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
      .refine(parses, URL_SYNTAX)
      .optional(),
    hint: 'use redis://host:6379, or unset it to run without a cache',
  },
  PORT: { schema: int(0, 65535).default(8080), hint: 'set an integer 0..65535, e.g. PORT=8080' },
  HOST: {
    schema: z.string().min(1).optional(),
    hint: 'set an interface address such as 0.0.0.0, or unset it',
  },
  STARTUP_MODE: {
    schema: z.enum(['deterministic', 'graceful']).default('deterministic'),
    hint: 'set STARTUP_MODE=deterministic (fail fast) or STARTUP_MODE=graceful (start degraded)',
  },
  STARTUP_BUDGET_MS: {
    schema: int(100, 3_600_000).default(60_000),
    hint: 'set the platform startup window in ms (failureThreshold x periodSeconds x 1000), e.g. 60000',
  },
  DB_POOL_MAX: { schema: int(1, 1000).default(10), hint: 'set an integer >= 1, e.g. DB_POOL_MAX=10' },
  DB_POOL_MIN_READY: {
    schema: int(1, 1000).default(2),
    hint: 'set an integer between 1 and DB_POOL_MAX, e.g. DB_POOL_MIN_READY=2',
  },
  FLEET_SIZE: { schema: int(1, 10_000).default(1), hint: 'set the expected number of instances, e.g. 4' },
  FLEET_ADMISSION: {
    schema: z.enum(['local', 'postgres', 'redis']).default('postgres'),
    hint: 'set FLEET_ADMISSION to local, postgres or redis',
  },
  APP_INSTANCE: {
    schema: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,63}$/, 'must be 1..63 letters, digits, or . _ : -')
      .optional(),
    hint: 'set a short instance name such as chat-1, or unset it to use chat-backend-<pid>',
  },
  DATA_DIR: { schema: z.string().min(1).default('.data'), hint: 'set a writable directory, e.g. .data' },
  HEALTH_TOKEN: {
    show: shownSecret,
    schema: z
      .string()
      .regex(/^\S{16,}$/, 'must be at least 16 characters without spaces')
      .optional(),
    hint: 'generate one with `openssl rand -hex 32`, or unset it',
  },
  DRAIN_DELAY_MS: {
    schema: int(0, 600_000).default(5_000),
    hint: 'set ms to wait after readiness drops, e.g. 5000',
  },
  GRACE_PERIOD_MS: {
    schema: int(1_000, 3_600_000).default(25_000),
    hint: 'set terminationGracePeriodSeconds x 1000 minus a margin, e.g. 25000',
  },
  HEALTH_CHECK_INTERVAL_MS: {
    schema: int(100, 3_600_000).default(5_000),
    hint: 'set how often components are health-checked after startup, in ms, e.g. 5000',
  },
  EMBEDDED_PG_PORT: { schema: int(1, 65535).default(54329), hint: 'set a free TCP port, e.g. 54329' },
  LOG_LEVEL: {
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    hint: 'set LOG_LEVEL to trace, debug, info, warn, error, fatal or silent',
  },
} as const;

type Variables = typeof VARIABLES;
type Parsed = { [K in keyof Variables]: z.output<Variables[K]['schema']> };

function parseVariable<K extends keyof Variables>(name: K, raw: string | undefined): Parsed[K] {
  const variable: { schema: z.ZodType; hint: string; show?: (raw: string) => string } = VARIABLES[name];
  const { schema, hint, show = (value: string) => JSON.stringify(redactText(value)) } = variable;
  const result = schema.safeParse(raw === '' ? undefined : raw);
  if (result.success) return result.data as Parsed[K];
  const problem = result.error.issues[0]?.message ?? 'invalid value';
  const shown = raw === undefined ? 'unset' : show(raw);
  throw new ConfigError(name, `${problem} (got ${shown})`, hint);
}

/**
 * Read and validate the configuration from `env`.
 *
 * @throws ConfigError naming the first bad variable and how to fix it.
 * @example
 * ```ts
 * const config = loadConfig(process.env);
 * ```
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): ChatConfig {
  const v = <K extends keyof Variables>(name: K): Parsed[K] => parseVariable(name, env[name]);
  const dbPoolMax = v('DB_POOL_MAX');
  const dbPoolMinReady = v('DB_POOL_MIN_READY');
  if (dbPoolMinReady > dbPoolMax) {
    throw new ConfigError(
      'DB_POOL_MIN_READY',
      `is ${dbPoolMinReady}, more than DB_POOL_MAX (${dbPoolMax})`,
      'lower DB_POOL_MIN_READY or raise DB_POOL_MAX',
    );
  }
  const redisUrl = v('REDIS_URL');
  const fleetAdmission = v('FLEET_ADMISSION');
  if (fleetAdmission === 'redis' && redisUrl === undefined) {
    throw new ConfigError(
      'FLEET_ADMISSION',
      'is redis but REDIS_URL is unset',
      'set REDIS_URL, or use FLEET_ADMISSION=postgres',
    );
  }
  const drainDelayMs = v('DRAIN_DELAY_MS');
  const gracePeriodMs = v('GRACE_PERIOD_MS');
  if (drainDelayMs >= gracePeriodMs) {
    throw new ConfigError(
      'DRAIN_DELAY_MS',
      `(${drainDelayMs}) leaves no time to stop within GRACE_PERIOD_MS (${gracePeriodMs})`,
      'make DRAIN_DELAY_MS well below GRACE_PERIOD_MS',
    );
  }
  return {
    databaseUrl: v('DATABASE_URL'),
    redisUrl,
    port: v('PORT'),
    host: v('HOST'),
    startupMode: v('STARTUP_MODE'),
    startupBudgetMs: v('STARTUP_BUDGET_MS'),
    dbPoolMax,
    dbPoolMinReady,
    fleetSize: v('FLEET_SIZE'),
    fleetAdmission,
    instance: v('APP_INSTANCE') ?? `chat-backend-${process.pid}`,
    dataDir: path.resolve(v('DATA_DIR')),
    healthToken: v('HEALTH_TOKEN'),
    drainDelayMs,
    gracePeriodMs,
    checkIntervalMs: v('HEALTH_CHECK_INTERVAL_MS'),
    embeddedPgPort: v('EMBEDDED_PG_PORT'),
    logLevel: v('LOG_LEVEL'),
  };
}

/** The configuration with secrets removed, for the startup log line. */
export function describeConfig(config: ChatConfig): Record<string, unknown> {
  return {
    ...config,
    databaseUrl: config.databaseUrl === undefined ? '(embedded)' : redactText(config.databaseUrl),
    redisUrl: config.redisUrl === undefined ? '(none)' : redactText(config.redisUrl),
    healthToken: config.healthToken === undefined ? '(none)' : '***',
  };
}
