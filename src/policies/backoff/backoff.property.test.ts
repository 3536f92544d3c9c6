import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Random } from '../../common/random.js';
import type { BackoffStep } from './backoff.js';
import { decorrelatedJitterBackoff } from './decorrelated-jitter-backoff.js';
import { exponentialBackoff } from './exponential-backoff.js';
import { fullJitterBackoff } from './full-jitter-backoff.js';

/** A random source replaying `values` (uniform draws in [0, 1)) in a loop. */
function replay(values: readonly number[]): Random {
  let i = 0;
  return () => values[i++ % values.length]!;
}

const draws = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
  minLength: 1,
  maxLength: 40,
});
const initialAndMax = fc
  .tuple(fc.double({ min: 1, max: 10_000, noNaN: true }), fc.double({ min: 1, max: 100_000, noNaN: true }))
  .map(([a, b]) => (a <= b ? { initialMs: a, maxMs: b } : { initialMs: b, maxMs: a }));
const factor = fc.double({ min: 1, max: 4, noNaN: true });
const steps = fc.integer({ min: 1, max: 60 });

function durations(first: BackoffStep, count: number): number[] {
  const out: number[] = [];
  for (let step = first, i = 0; i < count; i++, step = step.next()) out.push(step.duration);
  return out;
}

describe('backoff properties', () => {
  it('exponential without jitter: initialMs <= d <= maxMs, never decreasing', () => {
    fc.assert(
      fc.property(initialAndMax, factor, steps, ({ initialMs, maxMs }, f, n) => {
        const ds = durations(exponentialBackoff({ initialMs, maxMs, factor: f }).start(), n);
        ds.forEach((d, i) => {
          expect(d).toBeGreaterThanOrEqual(initialMs);
          expect(d).toBeLessThanOrEqual(maxMs);
          if (i > 0) expect(d).toBeGreaterThanOrEqual(ds[i - 1]!);
        });
      }),
    );
  });

  it('exponential with jitter stays within ±jitter of the capped delay', () => {
    fc.assert(
      fc.property(
        initialAndMax,
        factor,
        steps,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom<'add' | 'spread'>('add', 'spread'),
        draws,
        ({ initialMs, maxMs }, f, n, jitter, jitterMode, values) => {
          const backoff = exponentialBackoff({ initialMs, maxMs, factor: f, jitter, jitterMode });
          const ds = durations(backoff.start(replay(values)), n);
          ds.forEach((d, i) => {
            const capped = Math.min(maxMs, initialMs * f ** i);
            const low = jitterMode === 'add' ? capped : capped * (1 - jitter);
            expect(d).toBeGreaterThanOrEqual(low * (1 - 1e-12));
            expect(d).toBeLessThanOrEqual(capped * (1 + jitter) * (1 + 1e-12));
            expect(d).toBeLessThanOrEqual(maxMs * (1 + jitter) * (1 + 1e-12));
            expect(d).toBeGreaterThanOrEqual(0);
          });
        },
      ),
    );
  });

  it('full jitter: 0 <= d <= min(maxMs, initialMs × factor^n), and that cap never decreases', () => {
    fc.assert(
      fc.property(initialAndMax, factor, steps, draws, ({ initialMs, maxMs }, f, n, values) => {
        const ds = durations(fullJitterBackoff({ initialMs, maxMs, factor: f }).start(replay(values)), n);
        let previousCap = 0;
        ds.forEach((d, i) => {
          const cap = Math.min(maxMs, initialMs * f ** i);
          expect(cap).toBeGreaterThanOrEqual(previousCap);
          previousCap = cap;
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(cap);
        });
      }),
    );
  });

  it('decorrelated jitter: initialMs <= d <= maxMs, and d <= 3 × previous', () => {
    fc.assert(
      fc.property(initialAndMax, steps, draws, ({ initialMs, maxMs }, n, values) => {
        const ds = durations(decorrelatedJitterBackoff({ initialMs, maxMs }).start(replay(values)), n);
        ds.forEach((d, i) => {
          expect(d).toBeGreaterThanOrEqual(initialMs);
          expect(d).toBeLessThanOrEqual(maxMs);
          expect(d).toBeLessThanOrEqual(3 * (i === 0 ? initialMs : ds[i - 1]!) + 1e-9);
        });
      }),
    );
  });
});
