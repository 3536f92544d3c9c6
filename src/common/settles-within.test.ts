import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { settlesWithin } from './settles-within.js';

describe('settlesWithin', () => {
  it('is true when the promise settles in time, fulfilled or rejected, and leaves no timer', async () => {
    const clock = new FakeClock();
    expect(await settlesWithin(clock, 1_000, Promise.resolve(1))).toBe(true);
    expect(await settlesWithin(clock, 1_000, Promise.reject(new Error('no')))).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('is false once ms pass on the clock first, and never rejects', async () => {
    const clock = new FakeClock();
    let result: boolean | undefined;
    void settlesWithin(clock, 1_000, new Promise(() => undefined)).then((r) => (result = r));
    await clock.advance(999);
    expect(result).toBeUndefined();
    await clock.advance(1);
    expect(result).toBe(false);
    expect(clock.pending).toBe(0);
  });
});
