import { describe, expect, it } from 'vitest';
import { AttemptTimeoutError } from '../errors/attempt-timeout-error.js';
import { isConfigError } from '../errors/config-error.js';
import { FakeClock } from '../testing/fake-clock.js';
import { adaptiveTimeout, type AdaptiveTimeoutPolicy } from './adaptive-timeout.js';

function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

/** Run one attempt that takes `ms` on the fake clock; resolves with its outcome. */
async function attemptTaking(
  policy: AdaptiveTimeoutPolicy,
  clock: FakeClock,
  ms: number,
): Promise<{ value?: unknown; error?: unknown }> {
  const result = outcome(policy.execute(({ signal }) => clock.sleep(ms, signal)));
  await clock.advance(ms);
  return result;
}

describe('adaptiveTimeout', () => {
  it('uses initialMs before it has seen any latency', () => {
    const policy = adaptiveTimeout({ clock: new FakeClock(), initialMs: 5000, floorMs: 100 });
    expect(policy.currentTimeoutMs()).toBe(5000);
    expect(policy.samples).toBe(0);
    expect(policy.expectedAttemptMs()).toBe(100);
  });

  it('shrinks towards quantile × factor of fast attempts, clamped to the floor', async () => {
    const clock = new FakeClock();
    const policy = adaptiveTimeout({ clock, initialMs: 5000, floorMs: 150 });
    for (let i = 0; i < 3; i++) expect(await attemptTaking(policy, clock, 100)).toEqual({ value: undefined });
    expect(policy.currentTimeoutMs()).toBe(200);
    // An attempt needs what attempts took (100 ms), at least the floor; the timeout adds headroom.
    expect(policy.expectedAttemptMs()).toBe(150);
    const floored = adaptiveTimeout({ clock, initialMs: 5000, floorMs: 300 });
    await attemptTaking(floored, clock, 100);
    expect(floored.currentTimeoutMs()).toBe(300);
  });

  it('grows when attempts get slower, and comes back down once the window has slid past them', async () => {
    const clock = new FakeClock();
    const policy = adaptiveTimeout({ clock, initialMs: 5000, floorMs: 50, window: 5 });
    for (let i = 0; i < 5; i++) await attemptTaking(policy, clock, 100);
    expect(policy.currentTimeoutMs()).toBe(200);
    await attemptTaking(policy, clock, 180); // within the 200 ms timeout, but slower
    expect(policy.currentTimeoutMs()).toBe(360);
    await attemptTaking(policy, clock, 300);
    expect(policy.currentTimeoutMs()).toBe(600);
    for (let i = 0; i < 5; i++) await attemptTaking(policy, clock, 100);
    expect(policy.currentTimeoutMs()).toBe(200);
    expect(policy.latencySamples()).toEqual([100, 100, 100, 100, 100]);
  });

  it('times out an attempt that exceeds the learned timeout, and grows by factor on each timeout', async () => {
    const clock = new FakeClock();
    const policy = adaptiveTimeout({ clock, initialMs: 1000, floorMs: 100, ceilingMs: 3000 });
    await attemptTaking(policy, clock, 100);
    expect(policy.currentTimeoutMs()).toBe(200);
    // The far side slows down to 10 s per attempt.
    const timeouts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const result = outcome(policy.execute(({ signal }) => clock.sleep(10_000, signal)));
      await clock.runAll();
      const { error } = await result;
      expect(error).toBeInstanceOf(AttemptTimeoutError);
      timeouts.push((error as AttemptTimeoutError).timeoutMs);
    }
    expect(timeouts).toEqual([200, 400, 800, 1600, 3000]);
    expect(clock.pending).toBe(0);
  });

  it('is clamped to the time left before the deadline, and such cut-short timeouts teach nothing', async () => {
    const clock = new FakeClock();
    const policy = adaptiveTimeout({ clock, initialMs: 1000, floorMs: 400 });
    expect(policy.currentTimeoutMs(clock.now() + 250)).toBe(250);
    const result = outcome(policy.execute(({ signal }) => clock.sleep(10_000, signal), { deadline: 250 }));
    await clock.runAll();
    expect((await result).error).toMatchObject({ timeoutMs: 250 });
    expect(policy.samples).toBe(0);
    expect(policy.currentTimeoutMs()).toBe(1000);
  });

  it('does not learn from failures', async () => {
    const clock = new FakeClock();
    const policy = adaptiveTimeout({ clock, initialMs: 1000, floorMs: 10 });
    await expect(policy.execute(() => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(policy.samples).toBe(0);
  });

  it('follows the configured quantile and factor', async () => {
    const clock = new FakeClock();
    const policy = adaptiveTimeout({
      clock,
      initialMs: 10_000,
      floorMs: 1,
      quantile: 0.5,
      factor: 3,
      window: 10,
    });
    for (const ms of [10, 20, 30, 40, 1000]) await attemptTaking(policy, clock, ms);
    expect(policy.currentTimeoutMs()).toBe(90); // median 30 × 3
  });

  it('defaults: 10 s initial, 1 s floor, p99 × 2 over 50 samples', () => {
    const policy = adaptiveTimeout();
    expect(policy.options).toMatchObject({
      initialMs: 10_000,
      floorMs: 1000,
      ceilingMs: Infinity,
      quantile: 0.99,
      factor: 2,
      window: 50,
    });
    expect(adaptiveTimeout({ initialMs: 200 }).options.floorMs).toBe(200);
  });

  it.each<[string, Parameters<typeof adaptiveTimeout>[0], string]>([
    ['initialMs 0', { initialMs: 0 }, 'adaptiveTimeout.initialMs'],
    ['floor above initial', { initialMs: 100, floorMs: 500 }, 'adaptiveTimeout.floorMs'],
    ['ceiling below initial', { initialMs: 1000, ceilingMs: 500 }, 'adaptiveTimeout.initialMs'],
    ['quantile 0', { quantile: 0 }, 'adaptiveTimeout.quantile'],
    ['quantile 1.5', { quantile: 1.5 }, 'adaptiveTimeout.quantile'],
    ['factor 0.5', { factor: 0.5 }, 'adaptiveTimeout.factor'],
    ['window 0', { window: 0 }, 'adaptiveTimeout.window'],
    ['window 2.5', { window: 2.5 }, 'adaptiveTimeout.window'],
    ['ceiling 0', { ceilingMs: 0 }, 'adaptiveTimeout.ceilingMs'],
    ['quantile a string', { quantile: '0.9' as never }, 'adaptiveTimeout.quantile'],
    ['clock not a clock', { clock: 5 as never }, 'adaptiveTimeout.clock'],
  ])('rejects %s with a ConfigError naming the option', (_name, input, path) => {
    let caught: unknown;
    try {
      adaptiveTimeout(input);
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught)).toBe(true);
    expect((caught as { path: string }).path).toBe(path);
  });
});
