/**
 * What kind of failure an error is, which decides whether waiting can help.
 *
 * - `transient`: the network blinked; retry.
 * - `capacity`: the far side is full or starting (Postgres 53300, 57P03; a saturated connector); retry
 *   with backoff and ask for less.
 * - `permanent`: waiting will not help (bad password, unknown database). Never retried; exit 78.
 * - `config`: our own settings are invalid. Never retried; exit 78.
 * - `internal`: a bug, or an error nobody recognised. Never retried; exit 1.
 */
export type ErrorClass = 'transient' | 'capacity' | 'permanent' | 'config' | 'internal';

/** All error classes, in order of how hopeful they are. */
export const ERROR_CLASSES: readonly ErrorClass[] = [
  'transient',
  'capacity',
  'permanent',
  'config',
  'internal',
];

/** Whether retrying an error of this class can help. Only `transient` and `capacity` are retried. */
export function isRetryableClass(errorClass: ErrorClass): boolean {
  return errorClass === 'transient' || errorClass === 'capacity';
}
