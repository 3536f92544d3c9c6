import { describe, expect, it } from 'vitest';
import { AttemptTimeoutError } from '../errors/attempt-timeout-error.js';
import { isConfigError } from '../errors/config-error.js';
import { FakeClock } from '../testing/fake-clock.js';
import { constantBackoff } from './backoff/constant-backoff.js';
import { consecutiveBreaker } from './breaker/consecutive-breaker.js';
import { circuitBreaker } from './circuit-breaker.js';
import type { ExecuteOptions, Policy, PolicyContext } from './policy.js';
import type { RetryExhaustedError } from './retry-exhausted-error.js';
import { retry } from './retry.js';
import { timeout } from './timeout.js';
import { runInChain } from './chain.js';
import { wrap } from './wrap.js';

const refused = (): Error => Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' });

function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

/** A foreign policy (only `execute`) that records when calls enter and leave it. */
function recording(name: string, log: string[]): Policy {
  return {
    async execute<T>(
      fn: (context: PolicyContext) => PromiseLike<T> | T,
      options?: ExecuteOptions | AbortSignal,
    ) {
      log.push(`enter ${name}`);
      const context = options as PolicyContext;
      try {
        return await fn({ signal: context.signal, deadline: context.deadline, attempt: context.attempt });
      } finally {
        log.push(`leave ${name}`);
      }
    },
  };
}

describe('wrap', () => {
  it('runs policies outermost first and unwinds them in reverse', async () => {
    const log: string[] = [];
    const policy = wrap(recording('a', log), recording('b', log), recording('c', log));
    expect(await policy.execute(() => (log.push('fn'), 42))).toBe(42);
    expect(log).toEqual(['enter a', 'enter b', 'enter c', 'fn', 'leave c', 'leave b', 'leave a']);
  });

  it('order matters: a breaker inside a retry sees every attempt; outside it sees one call', async () => {
    const clock = new FakeClock();
    const failAlways = (): Promise<never> => Promise.reject(refused());
    const innerBreaker = circuitBreaker({ clock, breaker: consecutiveBreaker(3) });
    const retryThenBreaker = wrap(
      retry({ clock, backoff: constantBackoff(10), maxAttempts: 3 }),
      innerBreaker,
    );
    const first = outcome(retryThenBreaker.execute(failAlways));
    await clock.runAll();
    await first;
    expect(innerBreaker.state).toBe('open');

    const outerBreaker = circuitBreaker({ clock, breaker: consecutiveBreaker(3) });
    const breakerThenRetry = wrap(
      outerBreaker,
      retry({ clock, backoff: constantBackoff(10), maxAttempts: 3 }),
    );
    const second = outcome(breakerThenRetry.execute(failAlways));
    await clock.runAll();
    await second;
    expect(outerBreaker.state).toBe('closed');
  });

  it('retry + breaker + timeout: timeouts are retried, the open breaker is waited out, the call succeeds', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(2), halfOpenAfterMs: 1000 });
    const policy = wrap(
      retry({ clock, backoff: constantBackoff(100), maxAttempts: 10 }),
      breaker,
      timeout({ ms: 200, clock }),
    );
    const attempts: Array<[number, number]> = [];
    const result = outcome(
      policy.execute(async ({ attempt, signal }) => {
        attempts.push([attempt, clock.now()]);
        if (attempts.length <= 2) await clock.sleep(10_000, signal); // hangs: the timeout cuts it
        return 'up';
      }),
    );
    await clock.runAll();
    expect(await result).toEqual({ value: 'up' });
    // 1: 0–200 timeout; 2: 300–500 timeout, the breaker opens at 500; 3 (at 600) is rejected by the
    // open breaker without running, with retryAfterMs 900, so the retry sleeps until 1500.
    expect(attempts).toEqual([
      [1, 0],
      [2, 300],
      [4, 1500],
    ]);
    expect(breaker.state).toBe('closed');
    expect(clock.pending).toBe(0);
  });

  it('the function signal aborts on timeout, and the retry sees an AttemptTimeoutError', async () => {
    const clock = new FakeClock();
    const signals: AbortSignal[] = [];
    const result = outcome(
      wrap(retry({ clock, backoff: constantBackoff(1), maxAttempts: 2 }), timeout({ ms: 50, clock })).execute(
        ({ signal }) => {
          signals.push(signal);
          return clock.sleep(1000, signal);
        },
      ),
    );
    await clock.runAll();
    const exhausted = (await result).error as RetryExhaustedError;
    expect(exhausted.reason).toBe('attempts');
    expect(exhausted.cause).toBeInstanceOf(AttemptTimeoutError);
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
    expect(clock.pending).toBe(0);
  });

  it('timeout + retry: the retry plans against the time the timeout leaves, and gives up before it', async () => {
    const clock = new FakeClock();
    const attemptsAt: number[] = [];
    // A 10 s timeout around the whole retry; attempts fail at once and the back-off is 4 s.
    const policy = wrap(
      timeout({ ms: 10_000, clock }),
      retry({ clock, backoff: constantBackoff(4_000), maxAttempts: 10, minAttemptMs: 500, random: () => 0 }),
    );
    const result = outcome(
      policy.execute(() => {
        attemptsAt.push(clock.now());
        throw refused();
      }),
    );
    await clock.runAll();
    const { error } = await result;
    // At 8 s a 4 s sleep would not fit: one last attempt after a shortened sleep (the later half of
    // the 1.5 s that leave 500 ms for it), then the retry gives up at its deadline with the
    // database's own error, instead of sleeping into the timeout (an AttemptTimeoutError at 10 s).
    expect(attemptsAt).toEqual([0, 4_000, 8_000, 8_750]);
    expect(error).toMatchObject({ name: 'RetryExhaustedError', reason: 'deadline', attempts: 4 });
    expect((error as RetryExhaustedError).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(clock.now()).toBe(8_750);
  });

  it('an abort in the middle of a composed call leaves nothing pending and nothing running', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    let running = 0;
    const policy = wrap(
      retry({ clock, backoff: constantBackoff(50), maxAttempts: Infinity }),
      circuitBreaker({ clock }),
      timeout({ ms: 500, clock }),
    );
    const result = outcome(
      policy.execute(
        async ({ signal }) => {
          running++;
          try {
            await clock.sleep(100, signal);
            throw refused();
          } finally {
            running--;
          }
        },
        { signal: controller.signal, deadline: 60_000 },
      ),
    );
    await clock.advance(170); // the first attempt failed at 100; the second runs from 150
    expect(running).toBe(1);
    controller.abort(new Error('SIGTERM'));
    expect(((await result).error as Error).message).toBe('SIGTERM');
    await clock.advance(0);
    expect(running).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('flattens nested wraps, lists its policies, and runs fn directly when empty', async () => {
    const a = timeout({ ms: 10 });
    const b = circuitBreaker();
    const c = retry();
    const nested = wrap(a, wrap(b, c));
    expect(nested.policies).toEqual([a, b, c]);
    expect(await wrap().execute(({ attempt }) => attempt)).toBe(1);
    await expect(
      wrap().execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
  });

  it('accepts a bare AbortSignal as options, and rejects bad options as a promise', async () => {
    const clock = new FakeClock();
    const policy = wrap(timeout({ ms: 100, clock }));
    const controller = new AbortController();
    expect(
      await policy.execute(({ signal }) => signal === controller.signal || signal.aborted, controller.signal),
    ).toBe(false);
    // A bad deadline is the caller's mistake: a ConfigError (PG_ERR_CONFIG, exit 78), not a TypeError.
    const badDeadline = {
      path: 'execute() options.deadline',
      code: 'PG_ERR_CONFIG',
      classification: 'config',
    };
    await expect(policy.execute(() => 1, { deadline: Number.NaN })).rejects.toSatisfy(isConfigError);
    await expect(policy.execute(() => 1, { deadline: Number.NaN })).rejects.toMatchObject(badDeadline);
    await expect(retry().execute(() => 1, { deadline: 'soon' as never })).rejects.toMatchObject(badDeadline);
  });

  it('a wrapped policy can sit inside a foreign policy and keep working', async () => {
    const log: string[] = [];
    const inner = wrap(retry({ clock: new FakeClock(), maxAttempts: 1 }));
    const outer = wrap(recording('outer', log), inner);
    expect(await outer.execute(({ attempt }) => attempt)).toBe(1);
    expect(log).toEqual(['enter outer', 'leave outer']);
  });

  it('rejects something that is not a policy, as a ConfigError naming its position', () => {
    expect(() => wrap({} as Policy)).toThrow(/argument 0 is not a policy/);
    expect(() => wrap(retry(), undefined as unknown as Policy)).toThrow(
      expect.objectContaining({
        code: 'PG_ERR_CONFIG',
        classification: 'config',
        path: 'wrap() policies[1]',
      }),
    );
    let thrown: unknown;
    try {
      wrap({} as Policy);
    } catch (error) {
      thrown = error;
    }
    expect(isConfigError(thrown)).toBe(true);
  });
});

describe('wrap: failures inside the machinery', () => {
  it('a classifier that throws surfaces as the call error instead of leaving the call hanging', async () => {
    const clock = new FakeClock();
    const broken = (): never => {
      throw new Error('classifier bug');
    };
    const policy = wrap(circuitBreaker({ clock, classify: broken }), timeout({ ms: 100, clock }));
    // The attempt fails inside the timeout; the breaker's observer throws while recording it.
    await expect(policy.execute(() => Promise.reject(refused()))).rejects.toThrow('classifier bug');
    // The timeout refuses a call whose deadline has passed; recording that throws too.
    await expect(policy.execute(() => 1, { deadline: clock.now() })).rejects.toThrow('classifier bug');
    // At the end of the chain (no timeout inside), the same holds.
    await expect(
      wrap(circuitBreaker({ clock, classify: broken })).execute(() => Promise.reject(refused())),
    ).rejects.toThrow('classifier bug');
    expect(clock.pending).toBe(0);
  });

  it('a foreign policy whose execute throws synchronously rejects the call', async () => {
    const throwing: Policy = {
      execute() {
        throw new Error('foreign bug');
      },
    };
    await expect(
      wrap(retry({ clock: new FakeClock(), maxAttempts: 1 }), throwing).execute(() => 1),
    ).rejects.toThrow('foreign bug');
  });

  it('a retry whose clock fails to sleep passes that failure on', async () => {
    const clock = new FakeClock();
    const failingSleep = {
      now: () => clock.now(),
      timer: clock.timer.bind(clock),
      sleep: () => Promise.reject(new Error('no timers')),
    };
    const result = retry({ clock: failingSleep, backoff: constantBackoff(10) }).execute(() =>
      Promise.reject(refused()),
    );
    await expect(result).rejects.toThrow('no timers');
  });

  it('a wrapped policy run as a link of an outer chain runs its links, then the rest of that chain', async () => {
    const clock = new FakeClock();
    const inner = wrap(timeout({ ms: 100, clock }));
    const seen: number[] = [];
    const outerLink = timeout({ ms: 200, clock });
    const context = { signal: new AbortController().signal, deadline: Infinity, attempt: 3 };
    const value = await inner[runInChain](
      (ctx) => (seen.push(ctx.attempt), 'done'),
      context,
      [outerLink],
      0,
      undefined,
    );
    expect(value).toBe('done');
    expect(seen).toEqual([3]);
    const failing = inner[runInChain](
      () => {
        throw new Error('sync');
      },
      context,
      [],
      0,
      undefined,
    );
    await expect(failing).rejects.toThrow('sync');
    await expect(
      wrap()[runInChain](
        () => {
          throw new Error('empty');
        },
        context,
        [],
        0,
        undefined,
      ),
    ).rejects.toThrow('empty');
  });
});
