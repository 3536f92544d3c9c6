import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';
import { runUntilSettled } from './run-until-settled.js';

describe('runUntilSettled', () => {
  it('stops the clock where the promise settles, and says how it settled', async () => {
    const clock = new FakeClock();
    clock.timer(5_000, () => undefined);
    const slept = clock.sleep(300).then(() => 'woke');
    await expect(runUntilSettled(clock, slept)).resolves.toEqual({ ok: true, value: 'woke' });
    expect(clock.now()).toBe(300);
    const failed = clock.sleep(100).then(() => Promise.reject(new Error('refused')));
    const settled = await runUntilSettled(clock, failed);
    expect(settled).toMatchObject({ ok: false, error: new Error('refused') });
    expect(clock.pendingTimes).toEqual([5_000]);
  });

  it('throws after `limit` timers when something keeps scheduling', async () => {
    const clock = new FakeClock();
    const again = (): void => void clock.timer(10, again);
    again();
    await expect(runUntilSettled(clock, new Promise(() => undefined), 5)).rejects.toThrow(
      'runUntilSettled: still pending after 5 timers',
    );
  });

  it.each([NaN, -1])('refuses a limit of %s, under which the guard would never trip', async (limit) => {
    const clock = new FakeClock();
    const again = (): void => void clock.timer(10, again);
    again();
    await expect(runUntilSettled(clock, new Promise(() => undefined), limit)).rejects.toThrow(
      new RangeError(`runUntilSettled: limit must be a number >= 0, got ${limit}`),
    );
    expect(clock.now()).toBe(0);
  });
});
