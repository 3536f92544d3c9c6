import { describe, expect, it } from 'vitest';
import { BreakerOpenError } from '../errors/breaker-open-error.js';
import { ErrorCodes } from '../errors/codes.js';
import { PhasegateError } from '../errors/phasegate-error.js';
import type { ConfigError } from '../errors/config-error.js';
import { isConfigError } from '../errors/config-error.js';
import { FakeClock } from '../testing/fake-clock.js';
import { consecutiveBreaker } from './breaker/consecutive-breaker.js';
import { samplingBreaker } from './breaker/sampling-breaker.js';
import type { CircuitBreakEvent, CircuitStateChange } from './circuit-breaker-options.js';
import { circuitBreaker, type CircuitBreakerPolicy } from './circuit-breaker.js';

const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const badPassword = (): Error =>
  Object.assign(new Error('password authentication failed'), { code: '28P01' });

function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

async function fail(breaker: CircuitBreakerPolicy, error: Error = refused()): Promise<unknown> {
  return (await outcome(breaker.execute(() => Promise.reject(error)))).error;
}

async function succeed(breaker: CircuitBreakerPolicy): Promise<unknown> {
  return (await outcome(breaker.execute(() => 'ok'))).value;
}

describe('circuitBreaker', () => {
  it('opens after `threshold` failures in a row, not before, then rejects without calling', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(3), halfOpenAfterMs: 1000 });
    const breaks: CircuitBreakEvent[] = [];
    breaker.onBreak((e) => breaks.push(e));
    await fail(breaker);
    await fail(breaker);
    expect(breaker.state).toBe('closed');
    const third = refused();
    await fail(breaker, third);
    expect(breaker.state).toBe('open');
    expect(breaks).toEqual([{ error: third, errorClass: 'transient' }]);
    await clock.advance(400);
    let calls = 0;
    const rejected = await outcome(breaker.execute(() => calls++));
    expect(calls).toBe(0);
    expect(rejected.error).toBeInstanceOf(BreakerOpenError);
    expect((rejected.error as BreakerOpenError).retryAfterMs).toBe(600);
    expect((rejected.error as BreakerOpenError).cause).toBe(third);
    expect(clock.pending).toBe(0); // it schedules no timer of its own
  });

  it('a rejection carries the hint of the failure that opened it', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(1), halfOpenAfterMs: 1000 });
    const hint = 'is the server running and listening on that address?';
    await fail(
      breaker,
      new PhasegateError(ErrorCodes.DEPENDENCY, 'refused', { classification: 'transient', hint }),
    );
    const rejected = (await outcome(breaker.execute(() => 1))).error as BreakerOpenError;
    expect(rejected).toBeInstanceOf(BreakerOpenError);
    expect(rejected.hint).toBe(hint);
    // An error that is not ours has no hint to pass on.
    await clock.advance(1000);
    await fail(breaker);
    expect(((await outcome(breaker.execute(() => 1))).error as BreakerOpenError).hint).toBeUndefined();
  });

  it('a success resets the count of failures in a row', async () => {
    const breaker = circuitBreaker({ clock: new FakeClock(), breaker: consecutiveBreaker(2) });
    await fail(breaker);
    await succeed(breaker);
    await fail(breaker);
    expect(breaker.state).toBe('closed');
    await fail(breaker);
    expect(breaker.state).toBe('open');
  });

  it('counts only transient and capacity failures by default', async () => {
    const breaker = circuitBreaker({ clock: new FakeClock(), breaker: consecutiveBreaker(2) });
    await fail(breaker, badPassword());
    await fail(breaker, new TypeError('bug'));
    await fail(breaker, badPassword());
    expect(breaker.state).toBe('closed');
    await fail(breaker, refused());
    await fail(breaker, badPassword()); // ignored: neither counts nor resets
    await fail(breaker, Object.assign(new Error('too many clients'), { code: '53300' }));
    expect(breaker.state).toBe('open');
  });

  it('counts the classes it is told to, through its classifier', async () => {
    const breaker = circuitBreaker({
      clock: new FakeClock(),
      breaker: consecutiveBreaker(1),
      failureClasses: ['permanent'],
      classify: () => 'permanent',
    });
    await fail(breaker, new Error('anything'));
    expect(breaker.state).toBe('open');
  });

  it('does not count calls the caller aborted', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(1) });
    const controller = new AbortController();
    const call = outcome(breaker.execute(({ signal }) => clock.sleep(1000, signal), controller.signal));
    controller.abort(refused());
    await call;
    expect(breaker.state).toBe('closed');
  });

  it('turns half-open only when a call arrives after halfOpenAfterMs; a successful probe closes it', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(1), halfOpenAfterMs: 1000 });
    const changes: CircuitStateChange[] = [];
    let resets = 0;
    let halfOpens = 0;
    breaker.onStateChange((e) => changes.push(e));
    breaker.onReset(() => resets++);
    breaker.onHalfOpen(() => halfOpens++);
    await fail(breaker);
    await clock.advance(5000);
    expect(breaker.state).toBe('open');
    let probeSawState = '';
    await breaker.execute(() => {
      probeSawState = breaker.state;
    });
    expect(probeSawState).toBe('half-open');
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual([
      { from: 'closed', to: 'open' },
      { from: 'open', to: 'half-open' },
      { from: 'half-open', to: 'closed' },
    ]);
    expect([resets, halfOpens]).toEqual([1, 1]);
  });

  it('a failed probe opens it again for another full period', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(1), halfOpenAfterMs: 1000 });
    await fail(breaker);
    await clock.advance(1000);
    await fail(breaker);
    expect(breaker.state).toBe('open');
    await clock.advance(999);
    expect(((await outcome(breaker.execute(() => 1))).error as BreakerOpenError).retryAfterMs).toBe(1);
    await clock.advance(1);
    expect(await succeed(breaker)).toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('half-open admits at most halfOpenMaxProbes probes at once', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({
      clock,
      breaker: consecutiveBreaker(1),
      halfOpenAfterMs: 100,
      halfOpenMaxProbes: 2,
    });
    await fail(breaker);
    await clock.advance(100);
    let running = 0;
    let maxRunning = 0;
    const probe = (): Promise<string> => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      return clock.sleep(50).then(() => {
        running--;
        return 'probe';
      });
    };
    const calls = [0, 1, 2, 3].map(() => outcome(breaker.execute(probe)));
    expect(breaker.probesInFlight).toBe(2);
    const rejected = await calls[2]!;
    expect(rejected.error).toBeInstanceOf(BreakerOpenError);
    expect((rejected.error as BreakerOpenError).retryAfterMs).toBe(0);
    await clock.advance(50);
    expect((await Promise.all(calls)).map((c) => c.value ?? 'rejected')).toEqual([
      'probe',
      'probe',
      'rejected',
      'rejected',
    ]);
    expect(maxRunning).toBe(2);
    expect(breaker.probesInFlight).toBe(0);
    expect(breaker.state).toBe('closed');
  });

  it('a probe that fails with an ignored class frees its slot and leaves it half-open', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(1), halfOpenAfterMs: 100 });
    await fail(breaker);
    await clock.advance(100);
    await fail(breaker, badPassword());
    expect(breaker.state).toBe('half-open');
    expect(breaker.probesInFlight).toBe(0);
    await succeed(breaker);
    expect(breaker.state).toBe('closed');
  });

  it('ignores the outcome of calls admitted before the state changed', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(1), halfOpenAfterMs: 100 });
    const slowSuccess = outcome(breaker.execute(() => clock.sleep(500).then(() => 'late')));
    const slowFailure = outcome(
      breaker.execute(() => clock.sleep(600).then(() => Promise.reject(refused()))),
    );
    await fail(breaker); // opens now
    expect(breaker.state).toBe('open');
    await clock.advance(500);
    expect((await slowSuccess).value).toBe('late');
    expect(breaker.state).toBe('open'); // the late success did not close it
    await clock.advance(100);
    await slowFailure;
    expect(breaker.toJSON().halfOpenInMs).toBe(0); // nor did the late failure restart the open period
    await succeed(breaker);
    expect(breaker.state).toBe('closed');
  });

  it('counts a synchronous throw as a failure', async () => {
    const breaker = circuitBreaker({ clock: new FakeClock(), breaker: consecutiveBreaker(1) });
    await expect(
      breaker.execute(() => {
        throw refused();
      }),
    ).rejects.toThrow('ECONNREFUSED');
    expect(breaker.state).toBe('open');
  });

  describe('toJSON and initialState', () => {
    it('restores an open breaker with the time it had left, on another clock', async () => {
      const clock = new FakeClock(50_000);
      const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(1), halfOpenAfterMs: 10_000 });
      await fail(breaker);
      await clock.advance(4000);
      const saved = JSON.parse(JSON.stringify(breaker.toJSON())) as ReturnType<
        CircuitBreakerPolicy['toJSON']
      >;
      expect(saved).toEqual({
        state: 'open',
        halfOpenInMs: 6000,
        counter: { kind: 'consecutive', failures: 0 },
      });
      const otherClock = new FakeClock(7);
      const restored = circuitBreaker({
        clock: otherClock,
        breaker: consecutiveBreaker(1),
        halfOpenAfterMs: 10_000,
        initialState: saved,
      });
      expect(restored.state).toBe('open');
      expect(((await outcome(restored.execute(() => 1))).error as BreakerOpenError).retryAfterMs).toBe(6000);
      await otherClock.advance(6000);
      expect(await succeed(restored)).toBe('ok');
      expect(restored.state).toBe('closed');
    });

    it('restores the failure count of a closed breaker', async () => {
      const breaker = circuitBreaker({ clock: new FakeClock(), breaker: consecutiveBreaker(3) });
      await fail(breaker);
      await fail(breaker);
      const saved = breaker.toJSON();
      expect(saved).toEqual({
        state: 'closed',
        halfOpenInMs: 0,
        counter: { kind: 'consecutive', failures: 2 },
      });
      const restored = circuitBreaker({
        clock: new FakeClock(),
        breaker: consecutiveBreaker(3),
        initialState: saved,
      });
      await fail(restored);
      expect(restored.state).toBe('open');
    });

    it('restores a half-open breaker with no probe running', async () => {
      const restored = circuitBreaker({
        clock: new FakeClock(),
        initialState: { state: 'half-open', halfOpenInMs: 0, counter: { kind: 'consecutive', failures: 0 } },
      });
      expect(restored.state).toBe('half-open');
      await succeed(restored);
      expect(restored.state).toBe('closed');
    });

    it.each<[string, unknown, string]>([
      [
        'an unknown state',
        { state: 'ajar', halfOpenInMs: 0, counter: { kind: 'consecutive', failures: 0 } },
        'circuitBreaker.initialState.state',
      ],
      [
        'a negative wait',
        { state: 'open', halfOpenInMs: -1, counter: { kind: 'consecutive', failures: 0 } },
        'circuitBreaker.initialState.halfOpenInMs',
      ],
      ['no counter', { state: 'open', halfOpenInMs: 0 }, 'circuitBreaker.initialState.counter'],
      [
        'another strategy',
        { state: 'closed', halfOpenInMs: 0, counter: { kind: 'sampling', buckets: [] } },
        'circuitBreaker.initialState.counter',
      ],
      [
        'a bad count',
        { state: 'closed', halfOpenInMs: 0, counter: { kind: 'consecutive', failures: 'x' } },
        'circuitBreaker.initialState.counter',
      ],
    ])('rejects %s with a ConfigError', (_name, initialState, path) => {
      let caught: unknown;
      try {
        circuitBreaker({ initialState: initialState as never });
      } catch (error) {
        caught = error;
      }
      expect(isConfigError(caught)).toBe(true);
      expect((caught as ConfigError).path).toBe(path);
    });
  });

  describe('sampling breaker', () => {
    it('opens when the failure ratio over the window reaches the threshold with enough calls', async () => {
      const clock = new FakeClock();
      const breaker = circuitBreaker({
        clock,
        breaker: samplingBreaker({ threshold: 0.5, windowMs: 10_000, minimumCalls: 6 }),
      });
      await succeed(breaker);
      await succeed(breaker);
      await succeed(breaker);
      await fail(breaker);
      await fail(breaker);
      expect(breaker.state).toBe('closed'); // 2/5 and under minimumCalls
      await fail(breaker);
      expect(breaker.state).toBe('open'); // 3/6
    });

    it.each([
      [0.07, 7, 100],
      [0.14, 7, 50],
      [0.28, 7, 25],
      [0.56, 14, 25],
    ])('opens at a threshold of %s exactly: %s failures in %s calls', async (threshold, failures, calls) => {
      // threshold × calls is just above the failure count in floating point for each of these.
      expect(threshold * calls).toBeGreaterThan(failures);
      const clock = new FakeClock();
      const breaker = circuitBreaker({
        clock,
        breaker: samplingBreaker({ threshold, windowMs: 10_000, minimumCalls: calls }),
      });
      for (let i = 0; i < calls - failures; i++) await succeed(breaker);
      for (let i = 0; i < failures - 1; i++) await fail(breaker);
      expect(breaker.state).toBe('closed');
      await fail(breaker);
      expect(breaker.state).toBe('open');
    });

    it('forgets calls that slid out of the window', async () => {
      const clock = new FakeClock();
      const breaker = circuitBreaker({
        clock,
        breaker: samplingBreaker({ threshold: 0.5, windowMs: 1000, minimumCalls: 4, buckets: 4 }),
      });
      for (let i = 0; i < 3; i++) await fail(breaker);
      await clock.advance(1500); // the three failures are gone
      await succeed(breaker);
      await succeed(breaker);
      await succeed(breaker);
      await fail(breaker);
      expect(breaker.state).toBe('closed'); // 1/4 in the window
      await fail(breaker);
      await fail(breaker);
      expect(breaker.state).toBe('open'); // 3/6
    });

    it('saves and restores its window by age', async () => {
      const clock = new FakeClock(1_000_000);
      const strategy = samplingBreaker({ threshold: 0.5, windowMs: 1000, minimumCalls: 4, buckets: 10 });
      const breaker = circuitBreaker({ clock, breaker: strategy });
      await fail(breaker);
      await clock.advance(300);
      await succeed(breaker);
      await fail(breaker);
      const saved = breaker.toJSON();
      expect(saved.counter).toEqual({
        kind: 'sampling',
        buckets: [
          { ageMs: 300, successes: 0, failures: 1 },
          { ageMs: 0, successes: 1, failures: 1 },
        ],
      });
      // Ages are kept to the bucket (100 ms here); a clock on a bucket boundary gives them back exactly.
      const otherClock = new FakeClock(2000);
      const restored = circuitBreaker({ clock: otherClock, breaker: strategy, initialState: saved });
      expect(restored.toJSON().counter).toEqual(saved.counter);
      await fail(restored);
      expect(restored.state).toBe('open'); // 3 of 4 calls failed
      // Restored buckets still age: once the window has passed they no longer count.
      const aging = circuitBreaker({ clock: otherClock, breaker: strategy, initialState: saved });
      await otherClock.advance(1000);
      await fail(aging);
      expect(aging.state).toBe('closed'); // 1 call in the window, under minimumCalls
      // Buckets already older than the window are dropped on restore.
      const old = {
        ...saved,
        counter: { kind: 'sampling', buckets: [{ ageMs: 5000, successes: 0, failures: 9 }] },
      };
      const stale = circuitBreaker({ clock: new FakeClock(), breaker: strategy, initialState: old });
      expect(stale.toJSON().counter).toEqual({ kind: 'sampling', buckets: [] });
    });

    it.each<[string, Parameters<typeof samplingBreaker>[0], string]>([
      ['threshold 0', { threshold: 0 }, 'samplingBreaker.threshold'],
      ['threshold 2', { threshold: 2 }, 'samplingBreaker.threshold'],
      ['windowMs 0', { windowMs: 0 }, 'samplingBreaker.windowMs'],
      ['minimumCalls 0', { minimumCalls: 0 }, 'samplingBreaker.minimumCalls'],
      ['buckets 0.5', { buckets: 0.5 }, 'samplingBreaker.buckets'],
      ['threshold a string', { threshold: '0.5' as never }, 'samplingBreaker.threshold'],
    ])('rejects %s', (_name, input, path) => {
      expect(() => samplingBreaker(input)).toThrow(expect.objectContaining({ path }));
    });
  });

  it.each<[string, () => unknown, string]>([
    ['threshold 0', () => consecutiveBreaker(0), 'consecutiveBreaker(threshold)'],
    ['a non-strategy', () => circuitBreaker({ breaker: {} as never }), 'circuitBreaker.breaker'],
    [
      'a negative halfOpenAfterMs',
      () => circuitBreaker({ halfOpenAfterMs: -1 }),
      'circuitBreaker.halfOpenAfterMs',
    ],
    ['zero probes', () => circuitBreaker({ halfOpenMaxProbes: 0 }), 'circuitBreaker.halfOpenMaxProbes'],
    ['a bad classifier', () => circuitBreaker({ classify: 1 as never }), 'circuitBreaker.classify'],
    [
      'an unknown class',
      () => circuitBreaker({ failureClasses: ['flaky' as never] }),
      'circuitBreaker.failureClasses[0]',
    ],
    [
      'failureClasses not an array',
      () => circuitBreaker({ failureClasses: 'transient' as never }),
      'circuitBreaker.failureClasses',
    ],
    ['clock not a clock', () => circuitBreaker({ clock: { now: () => 0 } as never }), 'circuitBreaker.clock'],
  ])('rejects %s with a ConfigError naming the option', (_name, make, path) => {
    expect(make).toThrow(expect.objectContaining({ path, code: 'PG_ERR_CONFIG' }));
  });

  it('defaults: 5 failures in a row, 10 s open, one probe', () => {
    const breaker = circuitBreaker();
    expect(breaker.options).toMatchObject({
      halfOpenAfterMs: 10_000,
      halfOpenMaxProbes: 1,
      failureClasses: ['transient', 'capacity'],
    });
    expect(breaker.options.breaker.kind).toBe('consecutive');
    expect(breaker.state).toBe('closed');
  });
});
