import { describe, expect, it } from 'vitest';
import { AbortedError } from './aborted-error.js';
import { ErrorCodes } from './codes.js';
import { ConfigError, isConfigError } from './config-error.js';
import { ExitCodes, exitCodeFor } from './exit-codes.js';
import { isPhasegateError } from './phasegate-error.js';
import { StartupError, isStartupError } from './startup-error.js';

const startupError = (classification: 'transient' | 'capacity' | 'permanent' | 'internal', cause?: unknown) =>
  new StartupError(ErrorCodes.COMPONENT_FAILED, 'database failed', {
    phase: 'database',
    component: 'postgres',
    attempts: 5,
    elapsedMs: 1234.4,
    budgetMs: 60_000,
    classification,
    cause,
    hint: 'check the connector',
  });

describe('StartupError', () => {
  it('keeps context and the original cause intact', () => {
    const cause = Object.assign(new Error('too many'), { code: '53300' });
    const error = startupError('capacity', cause);
    expect(error.cause).toBe(cause);
    expect(error).toMatchObject({
      code: 'PG_ERR_COMPONENT_FAILED',
      phase: 'database',
      component: 'postgres',
      attempts: 5,
      classification: 'capacity',
      hint: 'check the connector',
      name: 'StartupError',
    });
    expect(error.toJSON()).toMatchObject({ class: 'capacity', elapsedMs: 1234, budgetMs: 60000 });
  });

  it('redacts secrets from its message', () => {
    const error = new StartupError(
      ErrorCodes.COMPONENT_FAILED,
      'cannot reach postgres://app:hunter2@db/app',
      {
        classification: 'transient',
      },
    );
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('postgres://app:***@db/app');
  });

  it('guards work without instanceof', () => {
    const error = startupError('transient');
    const copy = Object.create(error) as unknown;
    expect(isStartupError(error)).toBe(true);
    expect(isPhasegateError(copy)).toBe(true);
    expect(isStartupError(new Error('x'))).toBe(false);
    expect(isPhasegateError(null)).toBe(false);
    expect(isConfigError(new ConfigError('a.b', 'bad', 'fix it'))).toBe(true);
    expect(isConfigError({ code: 'PG_ERR_CONFIG' })).toBe(false);
    expect(isConfigError(undefined)).toBe(false);
  });
});

describe('ConfigError', () => {
  it('names the path, the problem and the fix', () => {
    const error = new ConfigError(
      'phases[1].name',
      'duplicate phase name "db"',
      'give each phase a unique name',
    );
    expect(error.message).toBe(
      'Invalid configuration at phases[1].name: duplicate phase name "db" (fix: give each phase a unique name)',
    );
    expect(error.classification).toBe('config');
    expect(new ConfigError('x', 'bad').message).toBe('Invalid configuration at x: bad');
  });
});

describe('exitCodeFor', () => {
  it.each([
    ['transient dependency failure', startupError('transient'), ExitCodes.DEPENDENCY],
    ['capacity dependency failure', startupError('capacity'), ExitCodes.DEPENDENCY],
    ['permanent failure (bad password)', startupError('permanent'), ExitCodes.CONFIG],
    ['config error', new ConfigError('port', 'not a number'), ExitCodes.CONFIG],
    ['raw 28P01', Object.assign(new Error('auth'), { code: '28P01' }), ExitCodes.CONFIG],
    ['raw ECONNREFUSED', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), ExitCodes.DEPENDENCY],
    ['internal', startupError('internal'), ExitCodes.INTERNAL],
    ['plain bug', new TypeError('x is undefined'), ExitCodes.INTERNAL],
    ['SIGTERM during startup', new AbortedError('stopped', 'SIGTERM'), ExitCodes.SIGTERM],
    ['SIGINT during startup', new AbortedError('stopped', 'SIGINT'), ExitCodes.SIGINT],
    ['abort without a signal', new AbortedError(), ExitCodes.INTERNAL],
  ])('%s', (_name, error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });
});

describe('isStartupError', () => {
  it('is false for other phasegate errors that carry attempts', () => {
    const other = Object.assign(new ConfigError('x', 'bad'), { attempts: 3 });
    expect(isStartupError(other)).toBe(false);
  });
});
