import { ConfigError, ExitCodes, safeMessage } from '../src/index.js';

/**
 * The health examples' `PORT`: decimal digits, 0 to 65535 (0: any free port), `fallback` when unset.
 * Anything else is a {@link ConfigError} naming `PORT`: `Number('abc')` would hand NaN to listen,
 * which throws a stack trace about `options.port` that does not say which setting was wrong.
 *
 * @example
 * ```ts
 * const port = portFromEnv(process.env.PORT); // 3000 when unset
 * ```
 */
export function portFromEnv(value: string | undefined, fallback = 3000): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
    throw new ConfigError(
      'PORT',
      `must be a whole number from 0 to 65535, got ${JSON.stringify(value)}`,
      'e.g. PORT=3000, or PORT=0 for any free port',
    );
  }
  return Number(value);
}

/** {@link portFromEnv} for an example's entry point: on a bad value, say why and exit 78 (EX_CONFIG). */
export function portFromEnvOrExit(value: string | undefined): number {
  try {
    return portFromEnv(value);
  } catch (error) {
    console.error(safeMessage(error));
    return process.exit(ExitCodes.CONFIG);
  }
}
