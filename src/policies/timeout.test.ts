import { describe, expect, it } from 'vitest';
import { AttemptTimeoutError } from '../errors/attempt-timeout-error.js';
import { isConfigError } from '../errors/config-error.js';
import { FakeClock } from '../testing/fake-clock.js';
import type { PolicyContext } from './policy.js';
import { timeout, type TimeoutEvent } from './timeout.js';

function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

const never = (): Promise<never> => new Promise<never>(() => {});

describe('timeout', () => {
  it('rejects with AttemptTimeoutError when the time is up and aborts the attempt signal', async () => {
    const clock = new FakeClock();
    const policy = timeout({ ms: 1000, clock });
    const events: TimeoutEvent[] = [];
    policy.onTimeout((e) => events.push(e));
    let context: PolicyContext | undefined;
    const result = outcome(
      policy.execute((ctx) => {
        context = ctx;
        return clock.sleep(5000, ctx.signal);
      }),
    );
    await clock.advance(999);
    expect(context!.signal.aborted).toBe(false);
    await clock.advance(1);
    const { error } = await result;
    expect(error).toBeInstanceOf(AttemptTimeoutError);
    expect((error as AttemptTimeoutError).timeoutMs).toBe(1000);
    expect(context!.signal.aborted).toBe(true);
    expect(context!.signal.reason).toBe(error);
    expect(events).toEqual([{ timeoutMs: 1000, cappedByDeadline: false, attempt: 1 }]);
    expect(clock.pending).toBe(0);
  });

  it('rejects on time even when the function ignores its signal, and ignores the late outcome', async () => {
    const clock = new FakeClock();
    let finish!: (value: string) => void;
    const result = outcome(
      timeout({ ms: 100, clock }).execute(() => new Promise<string>((resolve) => (finish = resolve))),
    );
    await clock.advance(100);
    finish('too late');
    expect((await result).error).toBeInstanceOf(AttemptTimeoutError);
  });

  it('returns the value of a fast attempt and leaves no timer behind', async () => {
    const clock = new FakeClock();
    const policy = timeout({ ms: 1000, clock });
    const result = outcome(policy.execute(() => clock.sleep(10).then(() => 'fast')));
    expect(clock.pending).toBe(2); // the attempt's own sleep and the timeout
    await clock.advance(10);
    expect(await result).toEqual({ value: 'fast' });
    expect(clock.pending).toBe(0);
    expect(await policy.execute(() => 'sync')).toBe('sync');
    await expect(
      policy.execute(() => {
        throw new Error('sync throw');
      }),
    ).rejects.toThrow('sync throw');
    await expect(policy.execute(() => Promise.reject(new Error('async')))).rejects.toThrow('async');
    expect(clock.pending).toBe(0);
  });

  it('is cut short by the deadline', async () => {
    const clock = new FakeClock(1000);
    const policy = timeout({ ms: 5000, clock });
    const events: TimeoutEvent[] = [];
    policy.onTimeout((e) => events.push(e));
    expect(policy.currentTimeoutMs(1300)).toBe(300);
    expect(policy.currentTimeoutMs(99_999)).toBe(5000);
    expect(policy.currentTimeoutMs()).toBe(5000);
    expect(policy.currentTimeoutMs(0)).toBe(0);
    const result = outcome(policy.execute(never, { deadline: 1300 }));
    await clock.advance(300);
    expect((await result).error).toMatchObject({ timeoutMs: 300 });
    expect(events).toEqual([{ timeoutMs: 300, cappedByDeadline: true, attempt: 1 }]);
  });

  it('does not start an attempt whose deadline has passed', async () => {
    const clock = new FakeClock(1000);
    let calls = 0;
    const result = await outcome(
      timeout({ ms: 5000, clock }).execute(
        () => {
          calls++;
        },
        { deadline: 1000 },
      ),
    );
    expect(result.error).toMatchObject({ code: 'PG_ERR_DEADLINE_EXCEEDED', classification: 'transient' });
    expect(calls).toBe(0);
  });

  it('rejects at once with the reason when the caller aborts, aborting the attempt signal', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    let signal: AbortSignal | undefined;
    const result = outcome(
      timeout({ ms: 1000, clock }).execute((ctx) => {
        signal = ctx.signal;
        return never();
      }, controller.signal),
    );
    await clock.advance(10);
    const reason = new Error('stop');
    controller.abort(reason);
    expect((await result).error).toBe(reason);
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBe(reason);
    expect(clock.pending).toBe(0);
  });

  it('rejects an already aborted call without running it', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    let calls = 0;
    const result = await outcome(
      timeout({ ms: 1000, clock }).execute(() => {
        calls++;
      }, controller.signal),
    );
    expect((result.error as Error).message).toBe('gone');
    expect(calls).toBe(0);
  });

  it('hands out an already aborted signal when it is read after the timeout', async () => {
    const clock = new FakeClock();
    let context: PolicyContext | undefined;
    const result = outcome(
      timeout({ ms: 50, clock }).execute((ctx) => {
        context = ctx;
        return never();
      }),
    );
    await clock.advance(50);
    const { error } = await result;
    expect(context!.signal.aborted).toBe(true);
    expect(context!.signal.reason).toBe(error);
  });

  it('serves concurrent attempts with one clock timer, expiring each at its own time', async () => {
    const clock = new FakeClock();
    const policy = timeout({ ms: 100, clock });
    const first = outcome(policy.execute(never));
    await clock.advance(30);
    const second = outcome(policy.execute(never));
    const third = outcome(policy.execute(() => clock.sleep(50).then(() => 'done')));
    expect(clock.pending).toBe(2); // one timeout timer + the third attempt's own sleep
    await clock.advance(70);
    expect((await first).error).toMatchObject({ timeoutMs: 100 });
    await clock.advance(29);
    expect(await third).toEqual({ value: 'done' });
    expect(clock.pending).toBe(1);
    await clock.advance(1);
    expect((await second).error).toMatchObject({ timeoutMs: 100 });
    expect(clock.pending).toBe(0);
  });

  it('with ms = Infinity, bounds attempts by the deadline only', async () => {
    const clock = new FakeClock();
    const policy = timeout({ ms: Infinity, clock });
    const unbounded = policy.execute(() => clock.sleep(1_000_000).then(() => 'slow'));
    expect(clock.pending).toBe(1); // only the attempt's own sleep
    await clock.runAll();
    expect(await unbounded).toBe('slow');
    const bounded = outcome(policy.execute(never, { deadline: clock.now() + 500 }));
    await clock.advance(500);
    expect((await bounded).error).toMatchObject({ timeoutMs: 500 });
  });

  it("passes the caller's attempt number through, and the attempt's own due time as the deadline", async () => {
    const clock = new FakeClock();
    const seen: Array<[number, number]> = [];
    const policy = timeout({ ms: 10, clock });
    const record = ({ attempt, deadline }: PolicyContext): void => {
      seen.push([attempt, deadline]);
    };
    await policy.execute(record, { deadline: 42 });
    await policy.execute(record, { deadline: 7 });
    await policy.execute(record);
    expect(seen).toEqual([
      [1, 10],
      [1, 7],
      [1, 10],
    ]);
    await timeout({ ms: Infinity, clock }).execute(record);
    expect(seen[3]).toEqual([1, Infinity]);
  });

  it('times out an attempt whose deadline is more than 24.8 days away', async () => {
    const clock = new FakeClock();
    const days30 = 30 * 86_400_000;
    let settled: unknown = 'still running';
    timeout({ ms: Infinity, clock })
      .execute(() => new Promise<never>(() => {}), { deadline: days30 })
      .catch((error: unknown) => (settled = error));
    await clock.advance(days30);
    expect(settled).toMatchObject({ code: 'PG_ERR_ATTEMPT_TIMEOUT' });
    expect(clock.pending).toBe(0);
  });

  it.each([0, -1, Number.NaN])('rejects ms = %s with a ConfigError', (ms) => {
    expect(() => timeout({ ms })).toThrow(expect.objectContaining({ path: 'timeout.ms' }));
    try {
      timeout({ ms });
    } catch (error) {
      expect(isConfigError(error)).toBe(true);
    }
  });

  it('rejects a clock that is not a Clock with a ConfigError naming it', () => {
    expect(() => timeout({ ms: 10, clock: 1 as never })).toThrow(
      expect.objectContaining({ code: 'PG_ERR_CONFIG', path: 'timeout.clock' }),
    );
  });

  it('rejects a bad deadline in execute options', async () => {
    const executing = timeout({ ms: 10 }).execute(() => 1, { deadline: Number.NaN });
    await expect(executing).rejects.toSatisfy(isConfigError);
    await expect(executing).rejects.toMatchObject({
      code: 'PG_ERR_CONFIG',
      path: 'execute() options.deadline',
    });
  });
});
