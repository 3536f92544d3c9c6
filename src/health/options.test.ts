import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { resolveHealthOptions, resolveListenOptions, type HealthOptionsInput } from './options.js';

function configErrorOf(fn: () => unknown): { path: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isConfigError(error)) return { path: error.path, message: error.message };
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveHealthOptions', () => {
  it('has the documented defaults', () => {
    const options = resolveHealthOptions();
    expect(options.degradedIsReady).toBe(false);
    expect(options.trustLoopback).toBe(true);
    expect(options.hasToken).toBe(false);
    expect(options.metrics).toBe(true);
    expect(options.live()).toBe(true);
  });

  it('rejects an empty or blank token without echoing it', () => {
    expect(configErrorOf(() => resolveHealthOptions({ token: '' })).path).toBe('health.token');
    const error = configErrorOf(() => resolveHealthOptions({ token: 'has space-s3cr3t' }));
    expect(error.path).toBe('health.token');
    expect(error.message).not.toContain('s3cr3t');
  });

  it('names the option that has the wrong type', () => {
    const bad = { degradedIsReady: 'yes' } as unknown as HealthOptionsInput;
    expect(configErrorOf(() => resolveHealthOptions(bad)).path).toBe('health.degradedIsReady');
    const badLive = { live: true } as unknown as HealthOptionsInput;
    expect(configErrorOf(() => resolveHealthOptions(badLive)).path).toBe('health.live');
  });
});

describe('resolveListenOptions', () => {
  it('accepts port 0 and defaults to 9000 on every interface', () => {
    expect(resolveListenOptions({ port: 0 })).toEqual({ port: 0, host: undefined });
    expect(resolveListenOptions({})).toEqual({ port: 9000, host: undefined });
  });
  it('says a string port is a string, not the number it holds', () => {
    const error = configErrorOf(() => resolveListenOptions({ port: '9000' as never }));
    expect(error.path).toBe('health.port');
    expect(error.message).toContain('got "9000" (string)');
  });

  it.each([-1, 65536, 1.5, Number.NaN])('rejects port %s', (port) => {
    expect(configErrorOf(() => resolveListenOptions({ port })).path).toBe('health.port');
  });

  it('rejects a key that is not an option, naming it, instead of leaving the option at its default', () => {
    const input = { degradedIsready: true } as HealthOptionsInput;
    const error = configErrorOf(() => resolveHealthOptions(input));
    expect(error.path).toBe('health.degradedIsready');
    expect(error.message).toMatch(/is not an option.*use one of degradedIsReady, token/);
  });
});
