import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { sleepOnTimer, type TimerFn } from './sleep-on-timer.js';

describe('sleepOnTimer', () => {
  it('resolves when the timer fires, with or without a signal', async () => {
    const clock = new FakeClock();
    const timer: TimerFn = (ms, callback) => clock.timer(ms, callback);
    const done = vi.fn();
    void sleepOnTimer(timer, 100).then(done);
    void sleepOnTimer(timer, 200, new AbortController().signal).then(done);
    await clock.advance(99);
    expect(done).not.toHaveBeenCalled();
    await clock.advance(101);
    expect(done).toHaveBeenCalledTimes(2);
    expect(clock.pending).toBe(0);
  });

  it('adds one abort listener per signal however many sleeps wait on it', async () => {
    const clock = new FakeClock();
    const timer: TimerFn = (ms, callback) => clock.timer(ms, callback);
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    for (let i = 1; i <= 5; i++)
      await Promise.all([sleepOnTimer(timer, i, controller.signal), clock.advance(i)]);
    expect(add).toHaveBeenCalledTimes(1);
  });

  it('rejects every sleep still waiting with the reason as soon as the signal aborts, and cancels their timers', async () => {
    const clock = new FakeClock();
    const timer: TimerFn = (ms, callback) => clock.timer(ms, callback);
    const controller = new AbortController();
    const finished = sleepOnTimer(timer, 10, controller.signal);
    const first = sleepOnTimer(timer, 1_000, controller.signal);
    const second = sleepOnTimer(timer, 2_000, controller.signal);
    await clock.advance(10);
    await finished;
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(first).rejects.toBe(reason);
    await expect(second).rejects.toBe(reason);
    expect(clock.pending).toBe(0);
  });

  it('rejects at once, starting no timer, when the signal has already aborted', async () => {
    const timer = vi.fn<TimerFn>();
    const controller = new AbortController();
    controller.abort(new Error('already'));
    await expect(sleepOnTimer(timer, 10, controller.signal)).rejects.toThrow('already');
    expect(timer).not.toHaveBeenCalled();
  });

  it('lets go of a sleep whose timer calls back at once, so a later abort finds nothing of it', async () => {
    const cancel = vi.fn();
    const immediate: TimerFn = (_ms, callback) => {
      callback();
      return cancel;
    };
    const controller = new AbortController();
    for (let i = 0; i < 3; i++) await sleepOnTimer(immediate, 0, controller.signal);
    controller.abort(new Error('stop'));
    expect(cancel).not.toHaveBeenCalled();
  });

  it('rejects with the error of a timer that throws, and leaves nothing watching the signal', async () => {
    const controller = new AbortController();
    const failing: TimerFn = () => {
      throw new RangeError('bad delay');
    };
    await expect(sleepOnTimer(failing, 5, controller.signal)).rejects.toThrow('bad delay');
    const clock = new FakeClock();
    const timer: TimerFn = (ms, callback) => clock.timer(ms, callback);
    const waiting = sleepOnTimer(timer, 100, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
  });
});

describe('sleepOnTimer when a timer cannot be cancelled', () => {
  it('still rejects every sleep on the aborted signal, and re-throws the cancel error on its own', async () => {
    const failing = new Error('cancel failed');
    const throwingCancel: TimerFn = () => () => {
      throw failing;
    };
    const fine: TimerFn = () => () => undefined;
    const controller = new AbortController();
    const first = sleepOnTimer(throwingCancel, 1_000, controller.signal);
    const second = sleepOnTimer(fine, 1_000, controller.signal);
    const deferred: Array<() => void> = [];
    const queue = vi
      .spyOn(globalThis, 'queueMicrotask')
      .mockImplementation((task) => void deferred.push(task));
    const reason = new Error('stop');
    try {
      controller.abort(reason);
    } finally {
      queue.mockRestore();
    }
    await expect(first).rejects.toBe(reason);
    await expect(second).rejects.toBe(reason);
    expect(deferred).toHaveLength(1);
    expect(() => deferred[0]!()).toThrow(failing);
  });
});
