import { describe, expect, it } from 'vitest';
import { seededRandom, type Random } from '../../common/random.js';
import { isConfigError } from '../../errors/config-error.js';
import type { Backoff } from './backoff.js';
import { constantBackoff } from './constant-backoff.js';
import { decorrelatedJitterBackoff } from './decorrelated-jitter-backoff.js';
import { exponentialBackoff } from './exponential-backoff.js';
import { fullJitterBackoff } from './full-jitter-backoff.js';

/** The first `count` delays of a schedule (to the nanosecond, hiding float noise). */
function schedule(backoff: Backoff, count: number, random?: Random): number[] {
  const delays: number[] = [];
  let step = backoff.start(random);
  for (let i = 0; i < count; i++, step = step.next()) delays.push(Math.round(step.duration * 1e6) / 1e6);
  return delays;
}

/** A "random" source that always returns `value`. */
const always =
  (value: number): Random =>
  () =>
    value;

describe('backoff schedules', () => {
  it.each<[string, Backoff, Random | undefined, number[]]>([
    ['constant 250', constantBackoff(250), undefined, [250, 250, 250, 250]],
    ['constant 0', constantBackoff(0), undefined, [0, 0]],
    [
      'exponential 100 ×2 cap 1000',
      exponentialBackoff({ initialMs: 100, maxMs: 1000 }),
      undefined,
      [100, 200, 400, 800, 1000, 1000],
    ],
    [
      'exponential ×3',
      exponentialBackoff({ initialMs: 100, factor: 3, maxMs: 1000 }),
      undefined,
      [100, 300, 900, 1000],
    ],
    [
      'exponential ×1',
      exponentialBackoff({ initialMs: 50, factor: 1, maxMs: 1000 }),
      undefined,
      [50, 50, 50],
    ],
    [
      // The incident: 2 s base, doubling, 30 s cap, 0–50 % added jitter (here r = 0.5 → +25 %).
      'exponential incident, add jitter',
      exponentialBackoff({ initialMs: 2000, maxMs: 30_000, jitter: 0.5 }),
      always(0.5),
      [2500, 5000, 10_000, 20_000, 37_500, 37_500],
    ],
    [
      'exponential gRPC-style spread, r = 0',
      exponentialBackoff({ initialMs: 1000, factor: 1.6, maxMs: 120_000, jitter: 0.2, jitterMode: 'spread' }),
      always(0),
      [800, 1280, 2048],
    ],
    [
      'exponential spread, r = 0.75',
      exponentialBackoff({ initialMs: 1000, maxMs: 120_000, jitter: 0.2, jitterMode: 'spread' }),
      always(0.75),
      [1100, 2200, 4400],
    ],
    [
      'full jitter, r = 0.5',
      fullJitterBackoff({ initialMs: 100, maxMs: 1000 }),
      always(0.5),
      [50, 100, 200, 400, 500, 500],
    ],
    ['full jitter, r = 0', fullJitterBackoff({ initialMs: 100, maxMs: 1000 }), always(0), [0, 0, 0]],
    [
      'decorrelated jitter, r = 0.5',
      decorrelatedJitterBackoff({ initialMs: 100, maxMs: 1000 }),
      always(0.5),
      [200, 350, 575, 912.5, 1000, 1000],
    ],
    [
      'decorrelated jitter, r = 0 stays at the base',
      decorrelatedJitterBackoff({ initialMs: 100, maxMs: 1000 }),
      always(0),
      [100, 100, 100],
    ],
  ])('%s', (_name, backoff, random, expected) => {
    expect(schedule(backoff, expected.length, random)).toEqual(expected);
  });

  it('uses 100 ms to 10 s by default', () => {
    expect(schedule(exponentialBackoff(), 9)).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000]);
    expect(schedule(fullJitterBackoff(), 1, always(0.999))[0]).toBeCloseTo(99.9);
    expect(schedule(decorrelatedJitterBackoff(), 1, always(0))[0]).toBe(100);
  });

  it('steps are immutable values: next() never changes a step, and each call gives a fresh future', () => {
    const first = exponentialBackoff({ initialMs: 100, maxMs: 1000 }).start();
    const a = first.next();
    const b = first.next();
    expect(first.duration).toBe(100);
    expect(a).not.toBe(b);
    expect([a.duration, b.duration, a.next().duration]).toEqual([200, 200, 400]);
    expect(() => {
      (first as { duration: number }).duration = 5;
    }).toThrow(TypeError);
  });

  it('is reproducible with a seeded random source', () => {
    const backoff = decorrelatedJitterBackoff({ initialMs: 100, maxMs: 10_000 });
    expect(schedule(backoff, 8, seededRandom(42))).toEqual(schedule(backoff, 8, seededRandom(42)));
    expect(schedule(backoff, 8, seededRandom(42))).not.toEqual(schedule(backoff, 8, seededRandom(43)));
  });

  it('grows past the cap without overflow after many steps', () => {
    let step = exponentialBackoff({ initialMs: 100, maxMs: 1000 }).start();
    for (let i = 0; i < 5000; i++) step = step.next();
    expect(step.duration).toBe(1000);
  });
});

describe('backoff validation', () => {
  it.each<[string, () => unknown, string]>([
    ['constant negative', () => constantBackoff(-1), 'constantBackoff(ms)'],
    ['constant NaN', () => constantBackoff(Number.NaN), 'constantBackoff(ms)'],
    ['exponential initial 0', () => exponentialBackoff({ initialMs: 0 }), 'exponentialBackoff.initialMs'],
    [
      'exponential initial > max',
      () => exponentialBackoff({ initialMs: 500, maxMs: 100 }),
      'exponentialBackoff.initialMs',
    ],
    ['exponential factor < 1', () => exponentialBackoff({ factor: 0.5 }), 'exponentialBackoff.factor'],
    ['exponential jitter > 1', () => exponentialBackoff({ jitter: 1.5 }), 'exponentialBackoff.jitter'],
    [
      'exponential bad mode',
      () => exponentialBackoff({ jitter: 0.1, jitterMode: 'both' as never }),
      'exponentialBackoff.jitterMode',
    ],
    ['full jitter max Infinity', () => fullJitterBackoff({ maxMs: Infinity }), 'fullJitterBackoff.maxMs'],
    [
      'decorrelated initial > max',
      () => decorrelatedJitterBackoff({ initialMs: 20_000 }),
      'decorrelatedJitterBackoff.initialMs',
    ],
    [
      'decorrelated negative',
      () => decorrelatedJitterBackoff({ initialMs: -5 }),
      'decorrelatedJitterBackoff.initialMs',
    ],
  ])('%s is a ConfigError naming the option', (_name, make, path) => {
    let caught: unknown;
    try {
      make();
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught)).toBe(true);
    expect((caught as { path: string }).path).toBe(path);
  });
});
