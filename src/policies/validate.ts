import type { Clock } from '../common/clock.js';
import { ConfigError } from '../errors/config-error.js';

/**
 * Up-front option checks shared by the policies. Each throws a {@link ConfigError} that names the
 * option (`path`) and says how to fix it.
 */

/** `value` must be a finite number >= 0. */
export function requireNonNegative(path: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ConfigError(
      path,
      `must be a finite number >= 0, got ${String(value)}`,
      'pass milliseconds, e.g. 100',
    );
  }
  return value;
}

/** `value` must be a finite number > 0. */
export function requirePositive(path: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigError(
      path,
      `must be a finite number > 0, got ${String(value)}`,
      'pass a positive number, e.g. 100',
    );
  }
  return value;
}

/** `value` must be a number > 0; `Infinity` is allowed (meaning "no limit"). */
export function requirePositiveOrInfinity(path: string, value: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new ConfigError(
      path,
      `must be a number > 0 (or Infinity), got ${String(value)}`,
      'pass a positive number',
    );
  }
  return value;
}

/** `value` must be an integer >= `min` (`Infinity` allowed when `allowInfinity`). */
export function requireInteger(path: string, value: number, min: number, allowInfinity = false): number {
  const ok =
    typeof value === 'number' &&
    (Number.isInteger(value) || (allowInfinity && value === Infinity)) &&
    value >= min;
  if (!ok) {
    throw new ConfigError(
      path,
      `must be an integer >= ${min}${allowInfinity ? ' (or Infinity)' : ''}, got ${String(value)}`,
      `pass a whole number such as ${Math.max(min, 3)}`,
    );
  }
  return value;
}

/** `value` must lie in [`min`, `max`]. */
export function requireRange(path: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    throw new ConfigError(
      path,
      `must be between ${min} and ${max}, got ${String(value)}`,
      `pick a value in [${min}, ${max}]`,
    );
  }
  return value;
}

/** `low` must not exceed `high`. */
export function requireOrdered(lowPath: string, low: number, highPath: string, high: number): void {
  if (low > high) {
    throw new ConfigError(
      lowPath,
      `(${low}) must not exceed ${highPath} (${high})`,
      `lower ${lowPath} or raise ${highPath}`,
    );
  }
}

/** `value` must be `true` or `false`. */
export function requireBoolean(path: string, value: unknown): void {
  if (typeof value !== 'boolean') {
    throw new ConfigError(path, `must be a boolean, got ${typeof value}`, 'pass true or false');
  }
}

/**
 * Every own key of `input` must be a key of `known`: a misspelt option (`drainDelay`) would
 * otherwise leave the real one at its default without a word.
 *
 * @param owner What the options are of, for the message: `is not an option of ${owner}`.
 * @param pathOf The error's path for a key. @default the key itself
 */
export function requireKnownKeys(
  input: object,
  known: Readonly<Record<string, true>>,
  owner: string,
  pathOf: (key: string) => string = (key) => key,
): void {
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(known, key)) {
      throw new ConfigError(
        pathOf(key),
        `is not an option of ${owner}`,
        `use one of ${Object.keys(known).join(', ')}`,
      );
    }
  }
}

/** `value` must be a function when given. */
export function requireFunction(path: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new ConfigError(
      path,
      `must be a function, got ${typeof value}`,
      'pass a function or leave it unset',
    );
  }
}

/** `value` must be a {@link Clock}: an object with `now`, `sleep` and `timer` functions. */
export function requireClock(path: string, value: unknown): void {
  const clock = value as Partial<Clock> | null;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof clock.now !== 'function' ||
    typeof clock.sleep !== 'function' ||
    typeof clock.timer !== 'function'
  ) {
    throw new ConfigError(
      path,
      'must be a Clock (an object with now, sleep and timer)',
      'pass systemClock, a FakeClock, or leave it unset',
    );
  }
}
