import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  ConfigError,
  ExitCodes,
  formatConnectionBudget,
  isConfigError,
  parseBudgetFile,
  planConnectionBudget,
  checkPostgresUrlOption,
  readLiveLimits,
  redactUrl,
  safeMessage,
  type BudgetFile,
  type ConnectionBudget,
  type LiveLimits,
} from '../../index.js';
// Type-only: a value import from main.ts would be circular (main.ts registers this command).
import type { CliIo } from '../main.js';
import { describeConfigError, mergeInputs, type Origin } from './plan-inputs.js';
import { describeLive, failedToRead } from './plan-live.js';

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
        '1 when it is overcommitted, 78 for bad input, 3 when the --database-url server cannot be reached, is full or is starting.',
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
      checkPostgresUrlOption('--database-url', flags.databaseUrl, DATABASE_URL_HINT);
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
