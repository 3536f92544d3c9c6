/**
 * The README's table of error codes ("Contracts") is what users match on: each row's `code` must be
 * the one its class carries, and every code phasegate can throw must have a row.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AbortedError,
  AdmissionLostError,
  AdmissionTimeoutError,
  AttemptTimeoutError,
  BreakerOpenError,
  ConfigError,
  DeadlineExceededError,
  DependencyError,
  DependencyUnavailableError,
  ErrorCodes,
  exitCodeFor,
  RetryExhaustedError,
  type PhasegateError,
} from '../index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The rows of the table whose header starts with `| \`code\``: [code, class, exit code cell]. */
function tableRows(): Array<[code: string, className: string, exit: string]> {
  const lines = readme.split('\n');
  const header = lines.findIndex((line) => /^\|\s*`code`\s*\|/.test(line));
  expect(header, 'README has a table whose first column is `code`').toBeGreaterThanOrEqual(0);
  const rows: Array<[string, string, string]> = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').map((cell) => cell.trim().replace(/`/g, ''));
    rows.push([cells[1] ?? '', cells[2] ?? '', cells[4] ?? '']);
  }
  return rows;
}

/** One instance of each error class the table names, except `StartupError` (it carries one of three). */
const instances: Record<string, PhasegateError> = {
  ConfigError: new ConfigError('port', 'must be a number'),
  DeadlineExceededError: new DeadlineExceededError('startup', 1_000),
  AttemptTimeoutError: new AttemptTimeoutError(1_000),
  BreakerOpenError: new BreakerOpenError(1_000),
  RetryExhaustedError: new RetryExhaustedError('attempts', 5, 1_000, new Error('x'), 'transient'),
  AbortedError: new AbortedError(),
  AdmissionTimeoutError: new AdmissionTimeoutError('postgres', 2, 1_000),
  AdmissionLostError: new AdmissionLostError('redis', 'the lease expired unrefreshed'),
  DependencyUnavailableError: new DependencyUnavailableError('api', 'postgres', 'failed', 'transient'),
  DependencyError: new DependencyError({
    dependency: 'postgres',
    target: 'db:5432',
    classification: 'transient',
    problem: 'refused',
  }),
};

describe("the README's error code table", () => {
  const rows = tableRows();

  it('has a row for every code in ErrorCodes', () => {
    const codes = new Set(rows.map(([code]) => code));
    expect(Object.values(ErrorCodes).filter((code) => !codes.has(code))).toEqual([]);
  });

  it.each(rows)('row %s (%s): names a code, and the one the class carries', (code, className, exit) => {
    expect(Object.values(ErrorCodes)).toContain(code);
    if (className === 'StartupError') return;
    const instance = instances[className];
    expect(instance, `an instance of ${className} in this test`).toBeDefined();
    expect(instance!.code).toBe(code);
    // A row whose exit code is one number (the others depend on the cause's class): exitCodeFor agrees.
    const fixed = /^(\d+)(?: \(|$)/.exec(exit);
    if (fixed) expect(exitCodeFor(instance)).toBe(Number(fixed[1]));
  });
});
