import { ConfigError } from '../errors/config-error.js';

// Checks of the numbers of a connection budget (planConnectionBudget's input), each failing with a
// ConfigError that names the field, says what it must be and how to fix it.

/** The rules a budget number is checked against (`fraction` is [0, 1), `share` is (0, 1]). */
export type Check = 'integer>=0' | 'integer>=1' | 'number>0' | 'fraction' | 'share';

/** `value` when it satisfies `rule`, else a ConfigError at `path` ("is required" when undefined). */
export function check(path: string, value: unknown, rule: Check): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    // Counts must be safe integers: past 2^53 − 1 they are no longer exact (2^53 + 1 reads as 2^53).
    (rule === 'integer>=0'
      ? Number.isSafeInteger(value) && value >= 0
      : rule === 'integer>=1'
        ? Number.isSafeInteger(value) && value >= 1
        : rule === 'number>0'
          ? value > 0
          : rule === 'share'
            ? value > 0 && value <= 1
            : value >= 0 && value < 1);
  if (ok) return value as number;
  if (value === undefined) throw new ConfigError(path, 'is required', `set ${path}`);
  const wanted = {
    'integer>=0': `a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`,
    'integer>=1': `a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`,
    'number>0': 'a number > 0',
    fraction: 'a number in [0, 1)',
    share: 'a number in (0, 1]',
  }[rule];
  throw new ConfigError(
    path,
    // String(): JSON would print Infinity and NaN as `null`.
    `must be ${wanted}, got ${typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value))}`,
    `set ${path} to ${wanted}`,
  );
}

/** {@link check}, with `fallback` when `value` is undefined. */
export function optional(path: string, value: unknown, rule: Check, fallback: number): number {
  return value === undefined ? fallback : check(path, value, rule);
}

/** A derived quantity must stay where numbers are exact (at most 2^53 − 1), else a ConfigError at `path`. */
export function requireExact(path: string, value: number, what: string, hint: string): void {
  if (value <= Number.MAX_SAFE_INTEGER) return;
  throw new ConfigError(path, `makes ${what} larger than ${Number.MAX_SAFE_INTEGER}`, hint);
}
