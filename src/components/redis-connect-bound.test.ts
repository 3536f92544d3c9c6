import { describe, expect, it } from 'vitest';
import { connectBoundMs } from './redis.js';

describe('connectBoundMs', () => {
  it('keeps connectTimeoutMs when the attempt has no bound or more time than that', () => {
    expect(connectBoundMs(10_000, Infinity)).toBe(10_000);
    expect(connectBoundMs(10_000, 30_000)).toBe(10_000);
  });

  it('ends the connect before an attempt that ends no later than connectTimeoutMs', () => {
    expect(connectBoundMs(10_000, 10_000)).toBe(9_900);
    expect(connectBoundMs(10_000, 1_500.7)).toBe(1_400);
  });

  it('leaves an attempt with too little time for a margin to its own timeout', () => {
    expect(connectBoundMs(10_000, 150)).toBe(10_000);
    expect(connectBoundMs(10_000, Number.NaN)).toBe(10_000);
  });
});
