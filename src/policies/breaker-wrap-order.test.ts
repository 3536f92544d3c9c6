/**
 * Where the timeout sits relative to a circuit breaker decides what the breaker learns (the README's
 * "Order in `wrap` matters" paragraph states these results).
 */
import { describe, expect, it } from 'vitest';
import { BreakerOpenError } from '../errors/breaker-open-error.js';
import { AttemptTimeoutError } from '../errors/attempt-timeout-error.js';
import { FakeClock } from '../testing/fake-clock.js';
import { consecutiveBreaker } from './breaker/consecutive-breaker.js';
import { circuitBreaker } from './circuit-breaker.js';
import type { PolicyContext } from './policy.js';
import { timeout } from './timeout.js';
import { wrap } from './wrap.js';

const refused = (): Error => Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' });

function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

/** A far side that never answers and ignores cancellation (a network path gone dark). */
const neverAnswers = (): Promise<never> => new Promise<never>(() => undefined);
/** A far side that never answers but stops waiting when its signal aborts. */
const hangsUntilAborted =
  (clock: FakeClock) =>
  ({ signal }: PolicyContext) =>
    clock.sleep(3_600_000, signal).then(() => 'late');

/** An open breaker (one failure opens it) on `clock`, half-open 1 s after it opened. */
async function openBreaker(clock: FakeClock) {
  const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(1), halfOpenAfterMs: 1_000 });
  await outcome(breaker.execute(() => Promise.reject(refused())));
  expect(breaker.state).toBe('open');
  return breaker;
}

describe('circuit breaker and timeout: wrap order', () => {
  it('without a timeout inside the breaker, a half-open probe that never settles keeps every later call out', async () => {
    const clock = new FakeClock();
    const breaker = await openBreaker(clock);
    await clock.advance(1_000);
    void outcome(breaker.execute(neverAnswers)); // admitted as the probe
    expect(breaker.probesInFlight).toBe(1);
    for (const ms of [0, 10_000, 3_600_000]) {
      await clock.advance(ms);
      const { error } = await outcome(breaker.execute(() => 'up again'));
      expect(error).toBeInstanceOf(BreakerOpenError);
      expect(breaker.state).toBe('half-open');
    }
  });

  it('wrap(breaker, timeout): the timeout ends the probe, which counts as a failure and frees the slot', async () => {
    const clock = new FakeClock();
    const breaker = await openBreaker(clock);
    const policy = wrap(breaker, timeout({ clock, ms: 2_000 }));
    await clock.advance(1_000);
    const probe = outcome(policy.execute(neverAnswers));
    await clock.advance(2_000);
    expect((await probe).error).toBeInstanceOf(AttemptTimeoutError);
    expect(breaker.probesInFlight).toBe(0);
    expect(breaker.state).toBe('open'); // the failed probe opened it again
    await clock.advance(1_000);
    expect(await outcome(policy.execute(() => 'up again'))).toEqual({ value: 'up again' });
    expect(breaker.state).toBe('closed');
  });

  it('wrap(timeout, breaker): the breaker sees the timeout as its caller aborting and does not count it', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(1), halfOpenAfterMs: 1_000 });
    const policy = wrap(timeout({ clock, ms: 2_000 }), breaker);
    for (let i = 0; i < 3; i++) {
      const call = outcome(policy.execute(hangsUntilAborted(clock)));
      await clock.advance(2_000);
      expect((await call).error).toBeInstanceOf(AttemptTimeoutError);
    }
    expect(breaker.state).toBe('closed'); // one counted failure would have opened it

    const inside = wrap(breaker, timeout({ clock, ms: 2_000 }));
    const call = outcome(inside.execute(hangsUntilAborted(clock)));
    await clock.advance(2_000);
    expect((await call).error).toBeInstanceOf(AttemptTimeoutError);
    expect(breaker.state).toBe('open');
  });
});
