import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { classify } from '../errors/classify.js';
import { circuitBreaker, consecutiveBreaker, retry, wrap } from '../policies/index.js';
import { FakeClock } from '../testing/fake-clock.js';
import { boundedCall, raceAbort } from './bounded-call.js';
import {
  admissionOf,
  availabilityContribution,
  breakerStateOf,
  createRuntime,
  errorCodeOf,
  summarizeError,
} from './component-runtime.js';
import { worseAvailability, worstAvailability } from './availability.js';

const start = async (): Promise<null> => null;

describe('breakerStateOf', () => {
  it('finds the state of a real circuit breaker inside a wrap, as it changes', async () => {
    const clock = new FakeClock();
    const breaker = circuitBreaker({ breaker: consecutiveBreaker(1), halfOpenAfterMs: 1_000, clock });
    const policy = wrap(retry({ maxAttempts: 1, clock }), breaker);
    expect(breakerStateOf(policy)).toBe('closed');
    await expect(
      policy.execute(() => Promise.reject(Object.assign(new Error('x'), { code: 'ECONNRESET' }))),
    ).rejects.toThrow();
    expect(breakerStateOf(policy)).toBe('open');
    // The breaker changes state only when a call arrives: a probe after halfOpenAfterMs closes it.
    await clock.advance(1_000);
    await policy.execute(() => 'ok');
    expect(breakerStateOf(breaker)).toBe('closed');
  });

  it('is null without a breaker, and maps other spellings', () => {
    expect(breakerStateOf(retry())).toBeNull();
    expect(breakerStateOf(null)).toBeNull();
    expect(breakerStateOf({ state: 'running' })).toBeNull();
    expect(breakerStateOf({ breakerState: 'halfOpen' })).toBe('half-open');
    expect(breakerStateOf({ policies: [{}, { state: 'isolated' }] })).toBe('open');
  });
});

describe('errors and availability', () => {
  it('names an error by its code, else its name', () => {
    expect(errorCodeOf({ code: '53300' })).toBe('53300');
    expect(errorCodeOf({ code: 42 })).toBe('42');
    expect(errorCodeOf(new TypeError('x'))).toBe('TypeError');
    expect(errorCodeOf('text')).toBe('UNKNOWN');
    expect(summarizeError(Object.assign(new Error('too many clients'), { code: '53300' }), classify)).toEqual(
      {
        code: '53300',
        class: 'capacity',
        message: 'too many clients',
      },
    );
  });

  it('takes the worst level over the components that are down', () => {
    const runtime = (extra: object, state: string) =>
      Object.assign(createRuntime({ name: 'x', start, ...extra }, 'p', retry(), 'graceful'), { state });
    expect(availabilityContribution(runtime({}, 'ready'))).toBe('FULL');
    expect(availabilityContribution(runtime({}, 'unhealthy'))).toBe('UNAVAILABLE');
    expect(availabilityContribution(runtime({ critical: false }, 'failed'))).toBe('FULL');
    expect(availabilityContribution(runtime({ degradable: true }, 'degraded'))).toBe('DEGRADED');
    expect(availabilityContribution(runtime({ degradable: true, degradesTo: 'MINIMAL' }, 'degraded'))).toBe(
      'MINIMAL',
    );
    // Deterministic mode ignores `degradable`: a skipped optional component lowers nothing.
    const deterministic = createRuntime(
      { name: 'x', start, critical: false, degradable: true },
      'p',
      retry(),
      'deterministic',
    );
    expect(availabilityContribution(Object.assign(deterministic, { state: 'failed' }))).toBe('FULL');
    expect(worstAvailability([])).toBe('FULL');
    expect(worstAvailability(['DEGRADED', 'MINIMAL', 'DEGRADED'])).toBe('MINIMAL');
    expect(worseAvailability('UNAVAILABLE', 'FULL')).toBe('UNAVAILABLE');
  });

  it('sums admission waits over components', () => {
    const reporting = (admission?: { backend: string; waitedMs: number }) => {
      const r = createRuntime({ name: 'x', start }, 'p', retry(), 'graceful');
      if (admission) r.report = { admission };
      return r;
    };
    expect(admissionOf([reporting(), reporting()])).toBeUndefined();
    expect(
      admissionOf([
        reporting({ backend: 'redis', waitedMs: 5 }),
        reporting(),
        reporting({ backend: 'local', waitedMs: 7 }),
      ]),
    ).toEqual({
      backend: 'redis,local',
      waitedMs: 12,
    });
  });
});

describe('boundedCall / raceAbort', () => {
  it('answers ok, error, timeout or aborted, and leaves no timer', async () => {
    const clock = new FakeClock();
    expect(await boundedCall(clock, 100, () => 7)).toEqual({ outcome: 'ok', value: 7 });
    const boom = new Error('boom');
    expect(
      await boundedCall(clock, 100, () => {
        throw boom;
      }),
    ).toEqual({ outcome: 'error', error: boom });
    let seen: AbortSignal | undefined;
    const hanging = boundedCall(clock, 100, (signal) => {
      seen = signal;
      return new Promise(() => undefined);
    });
    await clock.advance(100);
    expect(await hanging).toMatchObject({ outcome: 'timeout' });
    expect(seen!.aborted).toBe(true);
    const parent = new AbortController();
    parent.abort(new Error('stop'));
    expect(await boundedCall(clock, 100, () => 1, parent.signal)).toEqual({
      outcome: 'aborted',
      error: new Error('stop'),
    });
    expect(clock.pending).toBe(0);
  });

  it('raceAbort rejects at once on abort and hands a late value to onLate', async () => {
    const late: number[] = [];
    const controller = new AbortController();
    let resolve!: (n: number) => void;
    const racing = raceAbort(new Promise<number>((r) => (resolve = r)), controller.signal, (n) =>
      late.push(n),
    );
    controller.abort(new Error('gone'));
    await expect(racing).rejects.toThrow('gone');
    resolve(3);
    await Promise.resolve();
    await Promise.resolve();
    expect(late).toEqual([3]);
    await expect(raceAbort(Promise.resolve(4), controller.signal, (n) => late.push(n))).rejects.toThrow(
      'gone',
    );
    await expect(
      raceAbort(Promise.reject(new Error('own')), new AbortController().signal, () => undefined),
    ).rejects.toThrow('own');
  });

  it('races and bounded calls on one signal share one abort listener (no MaxListenersExceededWarning at 11)', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const { signal } = controller;
    const never = new Promise<number>(() => undefined);
    const races = Array.from({ length: 12 }, () => raceAbort(never, signal, () => undefined));
    const calls = Array.from({ length: 12 }, () => boundedCall(clock, 100, () => never, signal));
    expect(getEventListeners(signal, 'abort').length).toBe(1);
    controller.abort(new Error('gone'));
    for (const race of races) await expect(race).rejects.toThrow('gone');
    for (const call of calls) expect(await call).toMatchObject({ outcome: 'aborted' });
    expect(clock.pending).toBe(0);
    // Settled ones let go: a finished race or call leaves nothing for the signal to call.
    const other = new AbortController();
    await raceAbort(Promise.resolve(1), other.signal, () => undefined);
    await boundedCall(clock, 100, () => 1, other.signal);
    expect(getEventListeners(other.signal, 'abort').length).toBeLessThanOrEqual(1);
  });
});
