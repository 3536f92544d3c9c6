import type { core } from 'zod';
import { check, type Check } from './budget-checks.js';

/**
 * The rule each number of a budget file is checked against: the same rules, and so the same words,
 * as `planConnectionBudget` uses for the same key given in code or as a flag.
 */
export const BUDGET_FILE_NUMBERS: Readonly<Record<string, Check>> = {
  instances: 'integer>=1',
  maxInstances: 'integer>=1',
  'pool.poolSize': 'integer>=0',
  'pool.maxOverflow': 'integer>=0',
  'pool.min': 'integer>=0',
  'pool.max': 'integer>=1',
  otherClients: 'integer>=0',
  'roleLimit.limit': 'integer>=0',
  'roleLimit.otherClients': 'integer>=0',
  'databaseLimit.limit': 'integer>=0',
  'databaseLimit.otherClients': 'integer>=0',
  maxConnections: 'integer>=1',
  superuserReserved: 'integer>=0',
  headroom: 'integer>=0',
  'probe.periodSeconds': 'number>0',
  'probe.failureThreshold': 'integer>=1',
  startupMargin: 'fraction',
  minReadyFraction: 'share',
  minReady: 'integer>=1',
  setupRatePerSecond: 'number>0',
  connectLatencyMs: 'number>0',
  warmupConcurrency: 'integer>=1',
};

/** The keys of each mapping of a budget file (`''` is the top level), for unknown-key messages. */
const KEYS_AT: Readonly<Record<string, readonly string[]>> = Object.keys(BUDGET_FILE_NUMBERS).reduce<
  Record<string, string[]>
>(
  (keys, path) => {
    const dot = path.indexOf('.');
    const [parent, key] = dot < 0 ? ['', path] : [path.slice(0, dot), path.slice(dot + 1)];
    if (dot >= 0 && !keys['']!.includes(parent)) keys['']!.push(parent);
    (keys[parent] ??= []).push(key);
    return keys;
  },
  { '': [] },
);

/** What a mapping of the file must look like, and an example that fixes it. */
const MAPPINGS: Readonly<Record<string, { readonly shape: string; readonly fix: string }>> = {
  '': {
    shape: 'a mapping of plan keys',
    fix: 'e.g. instances: 4, pool: { max: 10 }, maxConnections: 100; `phasegate plan --help` lists the keys',
  },
  pool: { shape: '{ poolSize, maxOverflow } or { min, max }', fix: 'e.g. pool: { max: 10 }' },
  probe: {
    shape: '{ periodSeconds, failureThreshold }',
    fix: 'e.g. probe: { periodSeconds: 10, failureThreshold: 3 }',
  },
  roleLimit: {
    shape: '{ limit, otherClients }',
    fix: 'e.g. roleLimit: { limit: 40 }; leave roleLimit out when the role has no limit (-1)',
  },
  databaseLimit: {
    shape: '{ limit, otherClients }',
    fix: 'e.g. databaseLimit: { limit: 80 }; leave databaseLimit out when the database has no limit (-1)',
  },
};

/** One problem of a budget file: where (`pool.max`, `(top level)`), what is wrong, and the fix. */
export interface BudgetFileProblem {
  readonly where: string;
  readonly problem: string;
  readonly fix: string;
}

/**
 * A zod issue of the budget file in the words `planConnectionBudget` uses ("must be a whole number
 * from 1 to …, got 2.5"), with a fix for that key rather than zod's "expected int, received number".
 * `data` is the parsed YAML, to quote the value as written (zod leaves out `Infinity`).
 */
export function describeFileIssue(issue: core.$ZodIssue, data: unknown): BudgetFileProblem {
  const path = issue.path.map(String).join('.');
  const where = path || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const known = KEYS_AT[path] ?? [];
    const guesses = issue.keys.map((key) => closest(key, known)).filter((guess) => guess !== undefined);
    return {
      where,
      problem: `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`,
      fix:
        guesses.length === issue.keys.length
          ? `did you mean ${guesses.join(', ')}?`
          : `the keys ${path ? `of ${path}` : 'at the top level'} are ${known.join(', ')}`,
    };
  }
  const value = valueAt(data, issue.path);
  const rule = BUDGET_FILE_NUMBERS[path];
  if (rule !== undefined) {
    try {
      check(path, value, rule);
    } catch (error) {
      const { problem, hint } = error as { problem: string; hint?: string };
      return { where, problem, fix: hint ?? `set ${path}` };
    }
  }
  const mapping = MAPPINGS[path];
  if (mapping !== undefined) {
    return { where, problem: `must be ${mapping.shape}, got ${describeValue(value)}`, fix: mapping.fix };
  }
  return { where, problem: issue.message, fix: '`phasegate plan --help` lists the keys' };
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | null | undefined)?.[key];
  return value;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'nothing (null)';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The known key `key` was probably meant as: the same but for case, or at most 2 edits away. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance =
      candidate.toLowerCase() === key.toLowerCase()
        ? 0
        : editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance))
      best = { key: candidate, distance };
  }
  return best?.key;
}

/** Levenshtein distance of two short strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
