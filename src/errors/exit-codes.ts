import { isPhasegateError } from './phasegate-error.js';
import { classify as defaultClassify, type Classifier } from './classify.js';

/**
 * Process exit codes of a service started by `runService` or `phasegate run` (the README's
 * "Contracts" section lists them with what each means and whether a restart helps).
 */
export const ExitCodes = {
  /** Clean stop. */
  OK: 0,
  /** Internal error: a bug. */
  INTERNAL: 1,
  /** A critical dependency failed within the startup budget. */
  DEPENDENCY: 3,
  /** Configuration error (EX_CONFIG): fixed by a person, never retried. */
  CONFIG: 78,
  /** Stopped by SIGINT during startup, after cleanup. */
  SIGINT: 130,
  /** Stopped by SIGTERM during startup, after cleanup. */
  SIGTERM: 143,
} as const;

/** One of {@link ExitCodes}. */
export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];

/**
 * The exit code for an error that ended startup.
 *
 * - an abort caused by SIGINT / SIGTERM: 130 / 143;
 * - `config` or `permanent`: 78;
 * - `transient` or `capacity`: 3;
 * - anything else: 1.
 *
 * @example
 * ```ts
 * exitCodeFor(new ConfigError('port', 'must be a number')); // 78
 * ```
 */
export function exitCodeFor(error: unknown, classify: Classifier = defaultClassify): ExitCode {
  const signalName = isPhasegateError(error) ? (error as { signalName?: unknown }).signalName : undefined;
  if (signalName === 'SIGINT') return ExitCodes.SIGINT;
  if (signalName === 'SIGTERM') return ExitCodes.SIGTERM;
  switch (classify(error)) {
    case 'config':
    case 'permanent':
      return ExitCodes.CONFIG;
    case 'transient':
    case 'capacity':
      return ExitCodes.DEPENDENCY;
    case 'internal':
      return ExitCodes.INTERNAL;
  }
}
