import { describe, expect, it } from 'vitest';
import { classify } from '../errors/classify.js';
import { FakeClock } from '../testing/fake-clock.js';
import { defaultComponentPolicy } from './default-policy.js';

const refused = (): Error =>
  Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });
const tooMany = (): Error => Object.assign(new Error('sorry, too many clients already'), { code: '53300' });

describe('defaultComponentPolicy', () => {
  it('waits 1 s to 30 s after capacity failures and 250 ms to 10 s after transient ones', async () => {
    const clock = new FakeClock();
    // random() = 1 takes decorrelated jitter's longest step each time: min(max, previous × 3).
    const policy = defaultComponentPolicy(
      { name: 'db', start: () => Promise.resolve() },
      { phase: 'database', clock, random: () => 1, classify },
    );
    const failures = [tooMany, tooMany, tooMany, tooMany, refused, refused];
    const starts: number[] = [];
    const result = policy.execute(() => {
      starts.push(clock.now());
      const failure = failures.shift();
      if (failure) throw failure();
      return 'connected';
    });
    await clock.runAll();
    await expect(result).resolves.toBe('connected');
    // Capacity: 3 s, 9 s, 27 s, then the 30 s cap; transient: 750 ms, 2.25 s (its own progression).
    expect(starts).toEqual([0, 3_000, 12_000, 39_000, 69_000, 69_750, 72_000]);
  });
});
