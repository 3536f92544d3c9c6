import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { runUntilSettled } from '../testing/run-until-settled.js';
import type { BreakerStrategy, FailureCounter } from './breaker/breaker-strategy.js';
import { consecutiveBreaker } from './breaker/consecutive-breaker.js';
import { circuitBreaker, type CircuitBreakerPolicy } from './circuit-breaker.js';
import { BreakerOpenError } from '../errors/breaker-open-error.js';
import { RetryExhaustedError } from './retry-exhausted-error.js';
import { retry } from './retry.js';
import { timeout } from './timeout.js';
import { wrap } from './wrap.js';

const refused = (): Error => Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' });

/** A user's breaker strategy whose `success()` or `failure()` throws `boom`. */
function brokenStrategy(throwsOn: 'success' | 'failure', boom: Error): BreakerStrategy {
  return {
    kind: 'broken',
    create(): FailureCounter {
      return {
        success() {
          if (throwsOn === 'success') throw boom;
        },
        failure() {
          if (throwsOn === 'failure') throw boom;
          return false;
        },
        reset() {},
        toJSON: () => ({ kind: 'broken' }),
      };
    },
  };
}

/** A breaker that is half-open: the next call through it is a probe. */
async function halfOpenBreaker(clock: FakeClock): Promise<CircuitBreakerPolicy> {
  const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(1), halfOpenAfterMs: 1_000 });
  await breaker.execute(() => Promise.reject(refused())).catch(() => undefined);
  expect(breaker.state).toBe('open');
  await clock.advance(1_000);
  return breaker;
}

describe("an outer layer's bookkeeping that throws settles the call (never a hang)", () => {
  it.each([
    ['a synchronous value', () => 'ok'],
    ['a promise', () => Promise.resolve('ok')],
  ])(
    'wrap(breaker, timeout): a FailureCounter.success() that throws rejects the call (%s)',
    async (_name, fn) => {
      const clock = new FakeClock();
      const boom = new Error('success() exploded');
      const breaker = circuitBreaker({ clock, breaker: brokenStrategy('success', boom) });
      const policy = wrap(breaker, timeout({ clock, ms: 1_000 }));
      const result = await runUntilSettled(clock, policy.execute(fn));
      expect(result).toEqual({ ok: false, error: boom });
      expect(clock.pending).toBe(0);
    },
  );

  it('wrap(outer breaker, inner breaker, timeout): the outer probe slot is released when the inner success() throws', async () => {
    const clock = new FakeClock();
    const boom = new Error('success() exploded');
    const outer = await halfOpenBreaker(clock);
    const inner = circuitBreaker({ clock, breaker: brokenStrategy('success', boom) });
    const policy = wrap(outer, inner, timeout({ clock, ms: 1_000 }));
    const result = await runUntilSettled(
      clock,
      policy.execute(() => 'ok'),
    );
    expect(result).toEqual({ ok: false, error: boom });
    expect(outer.probesInFlight).toBe(0);
    // The dependency answered: the outer breaker counts the probe as a success and closes.
    expect(outer.state).toBe('closed');
  });

  it('wrap(outer breaker, inner breaker, timeout): the outer probe slot is released when the inner failure() throws', async () => {
    const clock = new FakeClock();
    const boom = new Error('failure() exploded');
    const outer = await halfOpenBreaker(clock);
    const inner = circuitBreaker({ clock, breaker: brokenStrategy('failure', boom) });
    const policy = wrap(outer, inner, timeout({ clock, ms: 1_000 }));
    const result = await runUntilSettled(
      clock,
      policy.execute(() => Promise.reject(refused())),
    );
    expect(result).toEqual({ ok: false, error: boom });
    expect(outer.probesInFlight).toBe(0);
    // The slot is free: the next probe runs and closes the outer breaker.
    const inner2 = circuitBreaker({ clock });
    const next = await runUntilSettled(
      clock,
      wrap(outer, inner2).execute(() => 'connected'),
    );
    expect(next).toEqual({ ok: true, value: 'connected' });
    expect(outer.state).toBe('closed');
  });

  it('wrap(retry, breaker, timeout): a failure() that throws reaches the retry as the failure (not retried)', async () => {
    const clock = new FakeClock();
    const boom = new Error('failure() exploded');
    const breaker = circuitBreaker({ clock, breaker: brokenStrategy('failure', boom) });
    const policy = wrap(retry({ clock, maxAttempts: 3 }), breaker, timeout({ clock, ms: 1_000 }));
    let calls = 0;
    const result = await runUntilSettled(
      clock,
      policy.execute(() => {
        calls++;
        return Promise.reject(refused());
      }),
    );
    expect(result.ok).toBe(false);
    const error = (result as { error: unknown }).error;
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect((error as RetryExhaustedError).cause).toBe(boom);
    expect(calls).toBe(1);
    expect(clock.pending).toBe(0);
  });
});

/** A user's strategy that opens on the first failure and whose `reset()` throws `boom`. */
function resetThrowsStrategy(boom: Error): BreakerStrategy {
  return {
    kind: 'reset-throws',
    create(): FailureCounter {
      return {
        success() {},
        failure: () => true,
        reset() {
          throw boom;
        },
        toJSON: () => ({ kind: 'reset-throws' }),
      };
    },
  };
}

describe('a FailureCounter whose reset() throws cannot keep the breaker from changing state', () => {
  const boom = new Error('reset() exploded');
  const halfOpen = (clock: FakeClock): CircuitBreakerPolicy =>
    circuitBreaker({
      clock,
      breaker: resetThrowsStrategy(boom),
      halfOpenAfterMs: 1_000,
      initialState: { state: 'open', halfOpenInMs: 0, counter: { kind: 'reset-throws' } },
    });

  it('a closed breaker still opens; the call fails with the thrown error', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, breaker: resetThrowsStrategy(boom), halfOpenAfterMs: 1_000 });
    const breaks: unknown[] = [];
    breaker.onBreak(({ error }) => breaks.push(error));
    const failure = refused();
    const result = await runUntilSettled(
      clock,
      breaker.execute(() => Promise.reject(failure)),
    );
    expect(result).toEqual({ ok: false, error: boom });
    expect(breaker.state).toBe('open');
    expect(breaks).toEqual([failure]);
    let calls = 0;
    const next = await runUntilSettled(
      clock,
      breaker.execute(() => ++calls),
    );
    expect(next.ok).toBe(false);
    expect((next as { error: unknown }).error).toBeInstanceOf(BreakerOpenError);
    expect(calls).toBe(0);
  });

  it('a successful probe still closes the breaker; the call fails with the thrown error', async () => {
    const clock = new FakeClock();
    const breaker = halfOpen(clock);
    let resets = 0;
    breaker.onReset(() => resets++);
    const result = await runUntilSettled(
      clock,
      breaker.execute(() => 'ok'),
    );
    expect(result).toEqual({ ok: false, error: boom });
    expect(breaker.state).toBe('closed');
    expect(breaker.probesInFlight).toBe(0);
    expect(resets).toBe(1);
  });

  it('(unchanged by the reorder) a state-change listener sees the new state with the counter already reset', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(2), halfOpenAfterMs: 1_000 });
    const seen: unknown[] = [];
    breaker.onStateChange(() => seen.push(breaker.toJSON()));
    for (let i = 0; i < 2; i++) await breaker.execute(() => Promise.reject(refused())).catch(() => undefined);
    expect(seen).toEqual([
      { state: 'open', halfOpenInMs: 1_000, counter: { kind: 'consecutive', failures: 0 } },
    ]);
  });

  it('a failed probe still reopens the breaker for halfOpenAfterMs', async () => {
    const clock = new FakeClock();
    const breaker = halfOpen(clock);
    const result = await runUntilSettled(
      clock,
      breaker.execute(() => Promise.reject(refused())),
    );
    expect(result).toEqual({ ok: false, error: boom });
    expect(breaker.state).toBe('open');
    expect(breaker.probesInFlight).toBe(0);
    await clock.advance(999);
    const early = await runUntilSettled(
      clock,
      breaker.execute(() => 'ok'),
    );
    expect((early as { error: unknown }).error).toBeInstanceOf(BreakerOpenError);
    await clock.advance(1);
    await runUntilSettled(
      clock,
      breaker.execute(() => 'ok'),
    );
    expect(breaker.state).toBe('closed');
  });
});
