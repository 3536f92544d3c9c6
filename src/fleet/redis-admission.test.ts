import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { RedisAdmission } from './redis-admission.js';

/** Everything an error carries that a logger might print: message, own fields, cause. */
function printed(error: unknown): string {
  const e = error as Error & { cause?: unknown };
  return [
    e.message,
    JSON.stringify({ ...e }),
    String(e.cause),
    JSON.stringify({ ...(e.cause as object) }),
  ].join('\n');
}

describe('RedisAdmission url', () => {
  it.each([
    ['unparseable, with a password', 'redis://app:hunter2@[bad'],
    ['another scheme, with a password', 'http://app:hunter2@127.0.0.1:6379'],
    ['empty', ''],
    ['blank', '  '],
  ])('refuses a url that is %s with a ConfigError at admission.url that hides the password', (_, url) => {
    let error: unknown;
    try {
      // An invalid URL must fail here, before any client exists (nothing half-started).
      new RedisAdmission({ width: 1, url });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PG_ERR_CONFIG', path: 'admission.url', classification: 'config' });
    expect((error as Error).message).toMatch(/redis:\/\//);
    expect(printed(error)).not.toContain('hunter2');
  });

  it('accepts redis:// and rediss:// urls without connecting', async () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://user:pw@cache.internal:6380/2']) {
      const admission = new RedisAdmission({ width: 1, url });
      await admission.close();
    }
  });
});
