import { describe, expect, it } from 'vitest';
import type { Clock } from '../common/clock.js';
import { isConfigError } from '../errors/config-error.js';
import { FakeClock } from '../testing/fake-clock.js';
import { constantBackoff } from './backoff/constant-backoff.js';
import { consecutiveBreaker } from './breaker/consecutive-breaker.js';
import { circuitBreaker } from './circuit-breaker.js';
import { retry } from './retry.js';
import { timeout } from './timeout.js';
import { wrap } from './wrap.js';

const refused = (): Error => Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' });

/** Call `execute` and say whether it threw synchronously, or what its promise settled with. */
async function call(
  execute: () => Promise<unknown>,
): Promise<{ threw?: unknown; error?: unknown; value?: unknown }> {
  let promise: Promise<unknown>;
  try {
    promise = execute();
  } catch (threw) {
    return { threw };
  }
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('execute never throws synchronously when a user function fails', () => {
  it('retry: a minAttemptMs function that throws rejects the call, and fn is not run', async () => {
    const clock = new FakeClock();
    const boom = new Error('minAttemptMs exploded');
    const policy = retry({
      clock,
      minAttemptMs: () => {
        throw boom;
      },
    });
    let calls = 0;
    const result = await call(() => policy.execute(() => ++calls, { deadline: 10_000 }));
    expect(result).toEqual({ error: boom });
    expect(calls).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('retry: a minAttemptMs function giving NaN rejects with a ConfigError before the first attempt', async () => {
    const clock = new FakeClock();
    const policy = retry({ clock, minAttemptMs: () => Number.NaN });
    let calls = 0;
    const { error } = await call(() => policy.execute(() => ++calls, { deadline: 10_000 }));
    expect(isConfigError(error)).toBe(true);
    expect(calls).toBe(0);
  });

  it('wrap(breaker, retry): a throwing minAttemptMs releases the half-open probe slot', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(1), halfOpenAfterMs: 1_000 });
    let explode = false;
    const policy = wrap(
      breaker,
      retry({
        clock,
        maxAttempts: 1,
        backoff: constantBackoff(0),
        minAttemptMs: () => {
          if (explode) throw new Error('minAttemptMs exploded');
          return 0;
        },
      }),
    );
    const deadline = { deadline: 60_000 };
    expect((await call(() => policy.execute(() => Promise.reject(refused()), deadline))).error).toBeDefined();
    expect(breaker.state).toBe('open');
    await clock.advance(1_000);

    explode = true;
    const probe = await call(() => policy.execute(() => 'never run', deadline));
    expect(probe.threw).toBeUndefined();
    expect((probe.error as Error).message).toBe('minAttemptMs exploded');
    expect(breaker.probesInFlight).toBe(0);

    // The slot is free: the next call is admitted as a probe, succeeds, and closes the breaker.
    explode = false;
    expect(await call(() => policy.execute(() => 'connected', deadline))).toEqual({ value: 'connected' });
    expect(breaker.state).toBe('closed');
  });

  it.each([
    ['retry', (clock: Clock) => retry({ clock })],
    ['timeout', (clock: Clock) => timeout({ clock, ms: 1_000 })],
  ])('%s: a Clock whose now() throws rejects the call', async (_name, make) => {
    const fake = new FakeClock();
    const broken: Clock = {
      now: () => {
        throw new Error('clock broken');
      },
      timer: (ms, callback) => fake.timer(ms, callback),
      sleep: (ms, signal) => fake.sleep(ms, signal),
    };
    const policy = make(broken);
    const result = await call(() => policy.execute(() => 'ok', { deadline: 10_000 }));
    expect(result.threw).toBeUndefined();
    expect((result.error as Error).message).toBe('clock broken');
  });
});
