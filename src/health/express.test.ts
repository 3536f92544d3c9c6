import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { healthMiddleware } from './express.js';
import { readySource } from './test-fixtures.js';

const source = readySource;

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('healthMiddleware', () => {
  it('names a source without snapshot() as its argument', () => {
    const error = errorOf(() => healthMiddleware({} as never));
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ path: 'healthMiddleware(source)' });
  });

  // Its options were named `health.degradedIsReady`, an option of runService, not of this call.
  it.each([
    ['degradedIsReady', { degradedIsReady: 'yes' }],
    ['degradedIsready', { degradedIsready: true }],
    ['metrics.prefix', { metrics: { prefix: 'not a prefix' } }],
  ])('names an invalid option %s as an option of healthMiddleware', (path, bad) => {
    const error = errorOf(() => healthMiddleware(source, bad as never));
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ path: `healthMiddleware options.${path}` });
  });
});
