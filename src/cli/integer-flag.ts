import { ConfigError } from '../index.js';

/**
 * A whole-number flag (`--instances 20`): decimal digits only, from `min` to 2^53 − 1, else a
 * {@link ConfigError} naming the flag. `undefined` when the flag was not given.
 *
 * @example
 * ```ts
 * const port = integerFlag('--port', flags.port, 0, 8080);
 * ```
 */
export function integerFlag(
  flag: string,
  value: string | undefined,
  min: number,
  example: number,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    throw new ConfigError(
      flag,
      `must be a whole number from ${min} to ${Number.MAX_SAFE_INTEGER}, got ${JSON.stringify(value)}`,
      `e.g. ${flag} ${example}`,
    );
  }
  return Number(value);
}
