import { describe, expect, it } from 'vitest';
import { readLiveLimits } from './live-limits.js';

describe('readLiveLimits', () => {
  // pg reads a connection or statement timeout of 0 as "none": such a bound would wait for good.
  it.each([[0], [-1], [Number.NaN], [Infinity], ['5000']])(
    'refuses connectTimeoutMs %s with a ConfigError naming it, before connecting',
    async (connectTimeoutMs) => {
      await expect(
        readLiveLimits('postgres://app@127.0.0.1:1/app', { connectTimeoutMs: connectTimeoutMs as number }),
      ).rejects.toMatchObject({ code: 'PG_ERR_CONFIG', path: 'connectTimeoutMs' });
    },
  );
});
