import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatencyWindow } from './latency-window.js';

describe('LatencyWindow', () => {
  it('keeps the last `capacity` samples and answers nearest-rank quantiles', () => {
    const window = new LatencyWindow(4);
    expect(window.quantile(0.5)).toBeUndefined();
    for (const sample of [40, 10, 30, 20]) window.add(sample);
    expect(window.size).toBe(4);
    expect(window.quantile(0)).toBe(10);
    expect(window.quantile(0.25)).toBe(10);
    expect(window.quantile(0.5)).toBe(20);
    expect(window.quantile(0.99)).toBe(40);
    expect(window.quantile(1)).toBe(40);
    window.add(5); // drops 40, the oldest
    expect(window.toArray()).toEqual([10, 30, 20, 5]);
    expect(window.quantile(1)).toBe(30);
    window.clear();
    expect(window.size).toBe(0);
    expect(window.toArray()).toEqual([]);
  });

  it('matches a sort of the most recent samples, whatever the sequence', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 100 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (capacity, samples, q) => {
          const window = new LatencyWindow(capacity);
          for (const s of samples) window.add(s);
          const recent = samples.slice(-capacity);
          expect(window.toArray()).toEqual(recent);
          const sorted = [...recent].sort((a, b) => a - b);
          const expected =
            sorted.length === 0
              ? undefined
              : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
          expect(window.quantile(q)).toBe(expected);
        },
      ),
    );
  });

  it.each([0, -1, 2.5, Number.NaN, Infinity])('rejects a capacity of %s with a ConfigError', (capacity) => {
    // A capacity the ring can never reach (0, NaN, 2.5) used to keep every sample, forever.
    expect(() => new LatencyWindow(capacity)).toThrow(
      expect.objectContaining({ code: 'PG_ERR_CONFIG', path: 'LatencyWindow(capacity)' }),
    );
  });
});
