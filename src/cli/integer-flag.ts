import { ConfigError } from '../index.js';

/**
 * A whole-number flag (`--instances 20`): decimal digits only, from `min` to `max`, else a
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
  /** Largest value accepted. @default Number.MAX_SAFE_INTEGER (2^53 − 1) */
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || number < min || !Number.isSafeInteger(number) || number > max) {
    throw new ConfigError(
      flag,
      `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
      `e.g. ${flag} ${example}`,
    );
  }
  return Number(value);
}
