import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  classify,
  ConfigError,
  ExitCodes,
  formatConnectionBudget,
  isConfigError,
  liveBudgetInput,
  parseBudgetFile,
  planConnectionBudget,
  parseUrlOption,
  readLiveLimits,
  redactUrl,
  safeMessage,
  type BudgetFile,
  type ConnectionBudget,
  type ConnectionBudgetInput,
  type LiveLimits,
  type PoolSettingsInput,
} from '../../index.js';
// Type-only: a value import from main.ts would be circular (main.ts registers this command).
import type { CliIo } from '../main.js';

/** The raw flags of `phasegate plan`, as commander hands them over (strings, unvalidated). */
export interface PlanFlags {
  readonly instances?: string;
  readonly maxInstances?: string;
  readonly poolSize?: string;
  readonly maxOverflow?: string;
  readonly poolMin?: string;
  readonly poolMax?: string;
  readonly maxConnections?: string;
  readonly reserved?: string;
  readonly otherClients?: string;
  readonly headroom?: string;
  readonly probePeriod?: string;
  readonly probeFailureThreshold?: string;
  readonly startupMargin?: string;
  readonly minReadyFraction?: string;
  readonly minReady?: string;
  readonly setupRate?: string;
  readonly connectLatency?: string;
  readonly warmupConcurrency?: string;
  readonly file?: string;
  readonly databaseUrl?: string;
  readonly json?: boolean;
}

/** Side effects of `phasegate plan` beyond output, injectable for tests. */
export interface PlanDependencies {
  readonly readLiveLimits: (databaseUrl: string) => Promise<LiveLimits>;
  readonly readFile: (path: string) => Promise<string>;
}

// The pg driver loads only when --database-url needs it (phasegate loads its drivers on first use).
const defaultDependencies: PlanDependencies = {
  readLiveLimits: (url) => readLiveLimits(url),
  readFile: (path) => readFile(path, 'utf8'),
};

/** Exit codes of `phasegate plan`. */
export const PlanExitCodes = {
  /** The plan fits. */
  FITS: 0,
  /** The plan is overcommitted. */
  OVERCOMMITTED: 1,
  /** `--database-url` could not be read because the database is unreachable, full or starting. */
  DATABASE_UNREACHABLE: 3,
  /**
   * Bad input: a flag, the file, bad credentials, an unknown database, or a file the URL names
   * (`sslrootcert=`) that cannot be read.
   */
  BAD_INPUT: ExitCodes.CONFIG,
} as const;

/** Budget field → the flag that sets it. */
const FLAG_OF: Readonly<Record<string, string>> = {
  instances: '--instances',
  maxInstances: '--max-instances',
  pool: '--pool-size/--max-overflow or --pool-min/--pool-max',
  'pool.poolSize': '--pool-size',
  'pool.maxOverflow': '--max-overflow',
  'pool.min': '--pool-min',
  'pool.max': '--pool-max',
  maxConnections: '--max-connections',
  superuserReserved: '--reserved',
  otherClients: '--other-clients',
  headroom: '--headroom',
  'probe.periodSeconds': '--probe-period',
  'probe.failureThreshold': '--probe-failure-threshold',
  startupMargin: '--startup-margin',
  minReadyFraction: '--min-ready-fraction',
  minReady: '--min-ready',
  setupRatePerSecond: '--setup-rate',
  connectLatencyMs: '--connect-latency',
  warmupConcurrency: '--warmup-concurrency',
};

type Origin = 'flag' | 'file' | 'database';

/** `plan --help`'s account of the --file keys (the names `planConnectionBudget` takes). */
const FILE_HELP = `
--file keys (YAML; unknown keys are an error; flags override the file, key by key):
  instances: 4                                   # --instances
  maxInstances: 5                                # --max-instances
  pool: { poolSize: 20, maxOverflow: 30 }        # --pool-size/--max-overflow, or { min: 2, max: 10 }
  maxConnections: 100                            # --max-connections
  superuserReserved: 3                           # --reserved
  otherClients: 6                                # --other-clients
  roleLimit: { limit: 40, otherClients: 2 }      # the role's CONNECTION LIMIT (read by --database-url)
  databaseLimit: { limit: 80, otherClients: 5 }  # the database's CONNECTION LIMIT (read by --database-url)
  probe: { periodSeconds: 10, failureThreshold: 9 }  # --probe-period/--probe-failure-threshold
  minReady: 2                                    # --min-ready, or minReadyFraction: 0.25
  headroom, startupMargin, setupRatePerSecond, connectLatencyMs, warmupConcurrency: as their flags
`;

/** Register `phasegate plan` on `program`. */
export function registerPlan(
  program: Command,
  io: CliIo,
  deps: PlanDependencies = defaultDependencies,
): Command {
  return program
    .command('plan')
    .summary("plan the fleet's database connections against max_connections")
    .description(
      "Plan the fleet's database connections: does the rollout peak fit max_connections, and which " +
        'DB_POOL_MAX, DB_POOL_MIN_READY, admission width and startup budget do. Exit 0 when it fits, ' +
        '1 when it is overcommitted, 78 for bad input, 3 when --database-url cannot be reached.',
    )
    .option('--instances <n>', 'instances in steady state (replicas)')
    .option(
      '--max-instances <n>',
      'most instances alive during a rollout: replicas plus surge (default: --instances)',
    )
    .option('--pool-size <n>', 'per-instance pool_size (SQLAlchemy style; with --max-overflow)')
    .option('--max-overflow <n>', 'per-instance max_overflow (default 0)')
    .option('--pool-min <n>', 'per-instance pool min (min/max style; instead of --pool-size)')
    .option('--pool-max <n>', 'per-instance pool max (min/max style)')
    .option('--max-connections <n>', "the server's max_connections")
    .option(
      '--reserved <n>',
      'superuser_reserved_connections (+ reserved_connections on Postgres 16+) (default 3)',
    )
    .option('--other-clients <n>', 'connections held by other clients (default 0)')
    .option('--headroom <n>', 'connections the recommendation leaves free (default max(2, 5 % of available))')
    .option('--probe-period <s>', 'startup probe periodSeconds (default 10 when the threshold is given)')
    .option(
      '--probe-failure-threshold <n>',
      'startup probe failureThreshold (default 3 when the period is given)',
    )
    .option('--startup-margin <share>', 'share of the probe window kept as margin (default 0.2)')
    .option('--min-ready-fraction <share>', 'minReady as a share of the pool max (default 0.25)')
    .option(
      '--min-ready <n>',
      'connections an instance needs before ready (DB_POOL_MIN_READY); instead of --min-ready-fraction',
    )
    .option(
      '--setup-rate <n>',
      'new connections/s the path to the database accepts (default 50, an assumption)',
    )
    .option('--connect-latency <ms>', 'time to set up one connection (default 100)')
    .option(
      '--warmup-concurrency <n>',
      'connections one instance opens in parallel while warming (default 2)',
    )
    .option('--file <plan.yaml>', 'read the inputs from a YAML file (flags override it)')
    .option(
      '--database-url <url>',
      "read max_connections, reserved, other clients and the role's and database's connection limits from a live server (use the service's own role)",
    )
    .option('--json', 'print JSON instead of a table')
    .addHelpText('after', FILE_HELP)
    .action(async (flags: PlanFlags) => {
      io.exit(await runPlan(flags, io, deps));
    });
}

/**
 * The `phasegate plan` command: merge the file, the live server and the flags (flags win), plan the
 * budget, print it, and return the exit code ({@link PlanExitCodes}).
 */
export async function runPlan(
  flags: PlanFlags,
  io: Pick<CliIo, 'out' | 'err'>,
  deps: PlanDependencies = defaultDependencies,
): Promise<number> {
  const origins = new Map<string, Origin>();
  let plan: ConnectionBudget;
  let live: LiveLimits | undefined;
  try {
    const file = flags.file === undefined ? {} : await loadFile(flags.file, deps);
    for (const key of Object.keys(file)) origins.set(key, 'file');
    if (flags.databaseUrl !== undefined) {
      // An empty value (an unset `$DATABASE_URL`) would make the driver fall back to PGHOST/PGUSER and
      // read another server's limits; a malformed one would look like an unreachable database.
      parseUrlOption('--database-url', flags.databaseUrl, ['postgres:', 'postgresql:'], DATABASE_URL_HINT);
      try {
        live = await deps.readLiveLimits(flags.databaseUrl);
      } catch (error) {
        return failedToRead(error, flags.databaseUrl, io);
      }
    }
    plan = planConnectionBudget(mergeInputs(file, live, flags, origins));
  } catch (error) {
    if (!isConfigError(error)) throw error;
    io.err(`phasegate plan: ${describeConfigError(error, origins, flags.file)}\n`);
    return PlanExitCodes.BAD_INPUT;
  }
  if (flags.json) {
    const source =
      live && flags.databaseUrl ? { live: { database: redactUrl(flags.databaseUrl), ...live } } : {};
    io.out(`${JSON.stringify({ ...plan, ...source }, null, 2)}\n`);
  } else {
    if (live && flags.databaseUrl) {
      io.out(
        `Read from ${redactUrl(flags.databaseUrl)} (Postgres ${live.serverVersion}): ${describeLive(live)}\n\n`,
      );
    }
    io.out(formatConnectionBudget(plan));
  }
  return plan.fits ? PlanExitCodes.FITS : PlanExitCodes.OVERCOMMITTED;
}

/**
 * The exit code (and the message) for `--database-url` that could not be read: 3 only when waiting
 * may help (`transient`, `capacity`), 78 when a person must fix the URL, the credentials or a file the
 * URL names (`sslrootcert=`). An error nobody recognises (the server answered, but not as the limits
 * query expects) is neither: it is thrown, and the command exits 70 as on a bug.
 */
function failedToRead(error: unknown, databaseUrl: string, io: Pick<CliIo, 'err'>): number {
  const where = `could not read limits from ${redactUrl(databaseUrl)}`;
  switch (classify(error)) {
    case 'transient':
    case 'capacity':
      io.err(`phasegate plan: ${where}: ${safeMessage(error)}\n`);
      return PlanExitCodes.DATABASE_UNREACHABLE;
    case 'config':
    case 'permanent': {
      const file = urlParameterNaming(databaseUrl, (error as { path?: unknown }).path);
      const problem = file
        ? `--database-url: ${file} cannot be read (${safeMessage(error)}); correct the path or the file's permissions`
        : `${where}: ${safeMessage(error)}`;
      io.err(`phasegate plan: ${problem}\n`);
      return PlanExitCodes.BAD_INPUT;
    }
    case 'internal':
      throw new Error(`${where}: ${safeMessage(error)}`, { cause: error });
  }
}

/** `name=value` of the URL's query parameter whose value is `path` (`sslrootcert=/ca.pem`), if any. */
function urlParameterNaming(databaseUrl: string, path: unknown): string | undefined {
  if (typeof path !== 'string') return undefined;
  let params: URLSearchParams;
  try {
    params = new URL(databaseUrl).searchParams;
  } catch {
    return undefined;
  }
  for (const [name, value] of params) if (value === path) return `${name}=${value}`;
  return undefined;
}

/** What was read from the server, in one line (a limit only when the role or database has one). */
function describeLive(live: LiveLimits): string {
  const parts = [
    `max_connections ${live.maxConnections}`,
    `reserved ${live.superuserReserved + live.reservedConnections}`,
    `other clients ${live.otherClients}`,
  ];
  if (live.roleConnectionLimit !== null) {
    parts.push(`role connection limit ${live.roleConnectionLimit} (${live.roleOtherClients} in use)`);
  }
  if (live.databaseConnectionLimit !== null) {
    parts.push(
      `database connection limit ${live.databaseConnectionLimit} (${live.databaseOtherClients} in use)`,
    );
  }
  return parts.join(', ');
}

async function loadFile(path: string, deps: PlanDependencies): Promise<BudgetFile> {
  let text: string;
  try {
    text = await deps.readFile(path);
  } catch (error) {
    throw new ConfigError('--file', `cannot read ${path}: ${safeMessage(error)}`, 'check the path', error);
  }
  return parseBudgetFile(text, path);
}

const DATABASE_URL_HINT =
  'give postgres://user:password@host:5432/database (percent-encode / : @ in the password)';

function numberFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(value)) {
    throw new ConfigError(flag, `must be a number, got ${JSON.stringify(value)}`, `e.g. ${flag} 10`);
  }
  return Number(value);
}

function mergeInputs(
  file: BudgetFile,
  live: LiveLimits | undefined,
  flags: PlanFlags,
  origins: Map<string, Origin>,
): ConnectionBudgetInput {
  const merged: Record<string, unknown> = { ...file };
  const set = (key: string, value: unknown, origin: Origin): void => {
    if (value === undefined) return;
    merged[key] = value;
    origins.set(key, origin);
  };
  if (live) {
    for (const [key, value] of Object.entries(liveBudgetInput(live))) set(key, value, 'database');
  }
  set('instances', numberFlag('--instances', flags.instances), 'flag');
  set('maxInstances', numberFlag('--max-instances', flags.maxInstances), 'flag');
  set('maxConnections', numberFlag('--max-connections', flags.maxConnections), 'flag');
  set('superuserReserved', numberFlag('--reserved', flags.reserved), 'flag');
  set('otherClients', numberFlag('--other-clients', flags.otherClients), 'flag');
  set('headroom', numberFlag('--headroom', flags.headroom), 'flag');
  set('startupMargin', numberFlag('--startup-margin', flags.startupMargin), 'flag');
  set('minReadyFraction', numberFlag('--min-ready-fraction', flags.minReadyFraction), 'flag');
  set('minReady', numberFlag('--min-ready', flags.minReady), 'flag');
  // minReady and minReadyFraction say one thing two ways: a flag for one replaces the file's other.
  if (origins.get('minReady') === 'flag' && flags.minReadyFraction === undefined)
    delete merged.minReadyFraction;
  if (origins.get('minReadyFraction') === 'flag' && flags.minReady === undefined) delete merged.minReady;
  set('setupRatePerSecond', numberFlag('--setup-rate', flags.setupRate), 'flag');
  set('connectLatencyMs', numberFlag('--connect-latency', flags.connectLatency), 'flag');
  set('warmupConcurrency', numberFlag('--warmup-concurrency', flags.warmupConcurrency), 'flag');

  const pool = {
    poolSize: numberFlag('--pool-size', flags.poolSize),
    maxOverflow: numberFlag('--max-overflow', flags.maxOverflow),
    min: numberFlag('--pool-min', flags.poolMin),
    max: numberFlag('--pool-max', flags.poolMax),
  };
  const poolFlags = Object.entries(pool).filter(([, value]) => value !== undefined);
  if (poolFlags.length > 0) {
    // Flags override the file's pool key by key when they are in the same style (SQLAlchemy's
    // poolSize/maxOverflow, or min/max); flags in the other style replace it.
    const base =
      file.pool && poolStyle(Object.keys(file.pool)) === poolStyle(poolFlags.map(([k]) => k))
        ? file.pool
        : {};
    for (const key of Object.keys(base)) origins.set(`pool.${key}`, 'file');
    merged.pool = { ...base, ...Object.fromEntries(poolFlags) } as PoolSettingsInput;
    for (const [key] of poolFlags) origins.set(`pool.${key}`, 'flag');
    origins.set('pool', 'flag');
  } else if (file.pool) {
    for (const key of Object.keys(file.pool)) origins.set(`pool.${key}`, 'file');
  }

  const period = numberFlag('--probe-period', flags.probePeriod);
  const threshold = numberFlag('--probe-failure-threshold', flags.probeFailureThreshold);
  if (period !== undefined || threshold !== undefined || file.probe) {
    // Kubernetes defaults fill in the half that was given neither by a flag nor in the file.
    merged.probe = {
      periodSeconds: period ?? file.probe?.periodSeconds ?? 10,
      failureThreshold: threshold ?? file.probe?.failureThreshold ?? 3,
    };
    origins.set('probe.periodSeconds', period === undefined ? 'file' : 'flag');
    origins.set('probe.failureThreshold', threshold === undefined ? 'file' : 'flag');
  }
  return merged as unknown as ConnectionBudgetInput;
}

/** Which of the two pool shapes keys belong to; `mixed` when they name both. */
function poolStyle(keys: readonly string[]): 'size' | 'minmax' | 'mixed' {
  const size = keys.some((key) => key === 'poolSize' || key === 'maxOverflow');
  const minmax = keys.some((key) => key === 'min' || key === 'max');
  return size && minmax ? 'mixed' : size ? 'size' : 'minmax';
}

/** A config error in terms of what the user typed: the flag, the file key, or the live server. */
function describeConfigError(
  error: ConfigError,
  origins: Map<string, Origin>,
  fileName: string | undefined,
): string {
  const flag = FLAG_OF[error.path];
  // max_connections not given anywhere: the server can say it.
  const fix =
    error.path === 'maxConnections' && !origins.has(error.path)
      ? `${error.hint ?? 'set maxConnections'}, or read it from the server with --database-url`
      : error.hint;
  const hint = fix ? ` (fix: ${fix})` : '';
  if (!flag) return `${error.path}: ${error.problem}${hint}`;
  const origin = origins.get(error.path);
  const where =
    origin === 'file'
      ? `${error.path} in ${fileName}`
      : origin === 'database'
        ? `${error.path} read from the database`
        : origin === 'flag'
          ? flag
          : `${flag}${fileName ? ` (or ${error.path} in ${fileName})` : ''}`;
  // Given on the command line (or nowhere): say it in flags, not in the budget's key names.
  const inFlags = origin === 'file' || origin === 'database' ? (text: string) => text : toFlags;
  return `${where}: ${inFlags(error.problem)}${inFlags(hint)}`;
}

/** Budget key names in a message → the flags that set them (`pool.max` → `--pool-max`). */
const KEY_TO_FLAG: readonly (readonly [RegExp, string])[] = [
  [
    /\{ poolSize, maxOverflow \} or \{ min, max \}/g,
    '--pool-size (with --max-overflow) or --pool-max (with --pool-min)',
  ],
  [/poolSize\/maxOverflow with min\/max/g, '--pool-size/--max-overflow with --pool-min/--pool-max'],
  ...Object.entries(FLAG_OF)
    .filter(([key]) => key !== 'pool')
    .map(([key, flag]) => [new RegExp(`\\b${key.replace('.', '\\.')}\\b`, 'g'), flag] as const),
  [/\bpoolSize\b/g, '--pool-size'],
  [/\bmaxOverflow\b/g, '--max-overflow'],
];

function toFlags(text: string): string {
  return KEY_TO_FLAG.reduce((result, [pattern, flag]) => result.replace(pattern, flag), text);
}
