import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.js';
import { runUntilSettled } from './run-until-settled.js';

describe('FakeClock', () => {
  it('runs due sleepers in time order, ties in creation order', async () => {
    const clock = new FakeClock(100);
    const order: string[] = [];
    void clock.sleep(30).then(() => order.push(`b@${clock.now()}`));
    void clock.sleep(10).then(() => order.push(`a@${clock.now()}`));
    clock.timer(30, () => order.push(`c@${clock.now()}`));
    expect(clock.pendingTimes).toEqual([110, 130, 130]);
    await clock.advance(20);
    expect(order).toEqual(['a@110']);
    expect(clock.now()).toBe(120);
    await clock.advance(100);
    expect(order).toEqual(['a@110', 'b@130', 'c@130']);
    expect(clock.now()).toBe(220);
  });

  it('lets chained sleeps continue within one advance', async () => {
    const clock = new FakeClock();
    const times: number[] = [];
    const chain = (async () => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(100);
        times.push(clock.now());
      }
    })();
    await clock.advance(1000);
    await chain;
    expect(times).toEqual([100, 200, 300]);
  });

  it('rejects an aborted sleep and leaves nothing pending', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleeping = clock.sleep(1000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
    await expect(clock.sleep(1, controller.signal)).rejects.toThrow('stop');
    expect(clock.pending).toBe(0);
  });

  it('rejects a sleep aborted by a timer during advance, at that instant, and runs the rest', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const settled = clock.sleep(500, controller.signal).then(
      () => 'resolved',
      () => `rejected at ${clock.now()}`,
    );
    clock.timer(100, () => controller.abort(new Error('cancelled')));
    let later = 0;
    clock.timer(800, () => (later = clock.now()));
    await clock.advance(1000);
    expect(await settled).toBe('rejected at 100');
    expect(later).toBe(800);
    expect(clock.pending).toBe(0);
  });

  it('cancelling a timer removes it; cancelling twice is harmless', () => {
    const clock = new FakeClock();
    const cancel = clock.timer(5, () => undefined);
    cancel();
    cancel();
    expect(clock.pending).toBe(0);
  });

  it('next() and runAll() drive time to the next timers', async () => {
    const clock = new FakeClock();
    let fired = 0;
    clock.timer(50, () => fired++);
    clock.timer(70, () => fired++);
    expect(await clock.next()).toBe(true);
    expect(clock.now()).toBe(50);
    expect(await clock.runAll()).toBe(1);
    expect(clock.now()).toBe(70);
    expect(fired).toBe(2);
    expect(await clock.next()).toBe(false);
  });

  it('runAll refuses to loop forever', async () => {
    const clock = new FakeClock();
    const again = (): void => {
      clock.timer(1, again);
    };
    again();
    await expect(clock.runAll(10)).rejects.toThrow(/more than 10 timers/);
  });

  it('says where it stopped and what to use instead when a periodic timer keeps runAll going', async () => {
    const clock = new FakeClock();
    const every = (): void => void clock.timer(1_000, every);
    every();
    await expect(clock.runAll(3)).rejects.toThrow(
      'FakeClock.runAll: more than 3 timers, now at t=3000 ms; is something looping? A periodic timer ' +
        '(a health check, a refresh) never runs out: use advance(ms), or runUntilSettled(clock, promise) ' +
        'to run until a promise settles',
    );
  });
});

describe('FakeClock with odd delays', () => {
  it('runs a timer of NaN ms at once, like one of 0 ms, and keeps the others in order', async () => {
    const clock = new FakeClock(100);
    const order: string[] = [];
    clock.timer(10, () => order.push(`ten@${clock.now()}`));
    clock.timer(NaN, () => order.push(`nan@${clock.now()}`));
    clock.timer(-5, () => order.push(`negative@${clock.now()}`));
    expect(clock.pendingTimes).toEqual([100, 100, 110]);
    await clock.advance(0);
    expect(order).toEqual(['nan@100', 'negative@100']);
    expect(await clock.runAll()).toBe(1);
    expect(order).toEqual(['nan@100', 'negative@100', 'ten@110']);
    expect(clock.now()).toBe(110);
  });
});

describe('FakeClock.advance with a bad amount', () => {
  it.each([-50, NaN, Infinity, -Infinity])(
    'refuses advance(%s), leaving time and timers as they were',
    async (ms) => {
      const clock = new FakeClock(100);
      let fired = 0;
      clock.timer(10, () => fired++);
      await expect(clock.advance(ms)).rejects.toThrow(
        new RangeError(
          `FakeClock.advance: ms must be a finite number >= 0, got ${ms}; use runAll() to run every pending timer`,
        ),
      );
      expect(clock.now()).toBe(100);
      expect(fired).toBe(0);
      expect(clock.pendingTimes).toEqual([110]);
    },
  );
});

describe('FakeClock with a timer of infinite delay', () => {
  it('never fires it: runAll and next leave it pending and the time finite', async () => {
    const clock = new FakeClock();
    let forever = false;
    clock.timer(Infinity, () => (forever = true));
    clock.timer(50, () => undefined);
    expect(await clock.runAll()).toBe(1);
    expect(clock.now()).toBe(50);
    expect(await clock.next()).toBe(false);
    expect(clock.now()).toBe(50);
    expect(forever).toBe(false);
    expect(clock.pendingTimes).toEqual([Infinity]);
  });

  it('makes runUntilSettled say the promise would hang instead of resolving a sleep(Infinity)', async () => {
    const clock = new FakeClock();
    await expect(runUntilSettled(clock, clock.sleep(Infinity))).rejects.toThrow(
      'runUntilSettled: pending, but no timer that can fire is left on the clock',
    );
    expect(clock.now()).toBe(0);
  });
});

describe('FakeClock.advance and timers that reschedule themselves', () => {
  it('runs a periodic timer once per period within one advance', async () => {
    const clock = new FakeClock();
    const ticks: number[] = [];
    const tick = (): void => {
      ticks.push(clock.now());
      clock.timer(100, tick);
    };
    clock.timer(100, tick);
    await clock.advance(350);
    expect(ticks).toEqual([100, 200, 300]);
    expect(clock.pendingTimes).toEqual([400]);
  });

  it('refuses a timer that keeps rescheduling itself at the same instant, instead of never returning', async () => {
    const clock = new FakeClock(5);
    const again = (): void => void clock.timer(0, again);
    again();
    await expect(clock.advance(10)).rejects.toThrow(
      'FakeClock.advance: more than 100000 timers at t=5 ms without time moving on; is something rescheduling itself with a delay of 0?',
    );
  }, 30_000);
});

describe('FakeClock settings', () => {
  it.each([NaN, Infinity, -Infinity])('refuses to start at %s ms', (start) => {
    expect(() => new FakeClock(start)).toThrow(
      new RangeError(`FakeClock: start must be a finite number of ms, got ${start}`),
    );
  });

  it.each([NaN, -1])('refuses runAll(%s), whose guard against loops would never trip', async (limit) => {
    const clock = new FakeClock();
    const again = (): void => void clock.timer(1, again);
    again();
    await expect(clock.runAll(limit)).rejects.toThrow(
      new RangeError(`FakeClock.runAll: limit must be a number >= 0, got ${limit}`),
    );
    expect(clock.now()).toBe(0);
  });
});

describe('FakeClock.advance called while another advance runs', () => {
  it('runs advances that were not awaited one after the other: the time is the sum of them', async () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.timer(10, () => fired.push(clock.now()));
    clock.timer(30, () => fired.push(clock.now()));
    await Promise.all([clock.advance(20), clock.advance(20)]);
    expect(clock.now()).toBe(40);
    expect(fired).toEqual([10, 30]);
  });

  it('runs an advance called from a timer callback after the running one, and time never goes back', async () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    let inner: Promise<void> | undefined;
    clock.timer(10, () => {
      seen.push(clock.now());
      inner = clock.advance(200);
    });
    for (const at of [50, 150, 250]) clock.timer(at, () => seen.push(clock.now()));
    await clock.advance(100);
    // The outer advance ran only the timers due by its own target.
    expect(clock.now()).toBe(100);
    expect(seen).toEqual([10, 50]);
    await inner;
    expect(clock.now()).toBe(300);
    expect(seen).toEqual([10, 50, 150, 250]);
  });

  it('lets next() and runAll() take their turn too, and an advance that rejects does not block the next', async () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.timer(5, () => fired.push(clock.now()));
    clock.timer(50, () => fired.push(clock.now()));
    let repeats = 0;
    const again = (): void => void (++repeats < 10 && clock.timer(0, again));
    clock.timer(60, again); // at t=60 it reschedules itself 9 times: runAll(3) gives up
    const results = await Promise.allSettled([
      clock.advance(20),
      clock.next(),
      clock.runAll(3),
      clock.advance(1),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(fired).toEqual([5, 50]);
    expect(clock.now()).toBe(61);
  });
});

describe('FakeClock with a timer callback that throws', () => {
  it('rejects the advance with its error, stops the time there and leaves later timers pending', async () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    clock.timer(10, () => {
      throw new Error('boom');
    });
    clock.timer(20, () => fired.push(clock.now()));
    await expect(clock.advance(100)).rejects.toThrow('boom');
    expect(clock.now()).toBe(10);
    expect(clock.pendingTimes).toEqual([20]);
    await clock.advance(10);
    expect(fired).toEqual([20]);
  });
});
