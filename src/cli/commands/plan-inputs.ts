/**
 * `phasegate plan`'s inputs: the flags, the `--file` keys and the live server's figures merged into
 * one budget input, and a config error told back in the terms the user typed.
 */
import {
  ConfigError,
  liveBudgetInput,
  type BudgetFile,
  type ConnectionBudgetInput,
  type LiveLimits,
  type PoolSettingsInput,
} from '../../index.js';
import type { PlanFlags } from './plan.js';

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

/** Where a budget field's value came from. */
export type Origin = 'flag' | 'file' | 'database';

function numberFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // Decimal notation, exponent included (`1e3`, as YAML reads it); not hex, `Infinity` or ''.
  if (!/^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) {
    throw new ConfigError(flag, `must be a number, got ${JSON.stringify(value)}`, `e.g. ${flag} 10`);
  }
  return Number(value);
}

/**
 * The budget input from the file, the live server and the flags (flags win), noting in `origins`
 * where each field came from.
 */
export function mergeInputs(
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
export function describeConfigError(
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
