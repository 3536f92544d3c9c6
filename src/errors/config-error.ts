import { ErrorCodes } from './codes.js';
import { PhasegateError } from './phasegate-error.js';

/**
 * Our own settings are invalid. Names the offending `path` (e.g. `phases[2].components[0].dependsOn`)
 * and says how to fix it. Never retried; exit code 78 (EX_CONFIG).
 *
 * @example
 * ```ts
 * throw new ConfigError('phases[1].name', 'duplicate phase name "database"', 'give each phase a unique name');
 * ```
 */
export class ConfigError extends PhasegateError {
  /**
   * @param hint How to fix it; becomes `hint`, and the message ends with `(fix: <hint>)`.
   * @param cause The error that revealed the problem, if any.
   */
  constructor(
    /** Where the bad setting is. */
    readonly path: string,
    /** What is wrong with it. */
    readonly problem: string,
    hint?: string,
    cause?: unknown,
  ) {
    super(ErrorCodes.CONFIG, `Invalid configuration at ${path}: ${problem}${hint ? ` (fix: ${hint})` : ''}`, {
      classification: 'config',
      hint,
      cause,
    });
  }
}

/** True for a {@link ConfigError} from any copy of phasegate. */
export function isConfigError(value: unknown): value is ConfigError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { code?: unknown }).code === ErrorCodes.CONFIG &&
    typeof (value as { path?: unknown }).path === 'string'
  );
}
