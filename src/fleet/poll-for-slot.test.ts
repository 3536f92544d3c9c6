import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FakeClock } from '../testing/fake-clock.js';
import { seededRandom } from '../common/random.js';
import { pollForSlot, type PollForSlotOptions, type SlotAttempt } from './poll-for-slot.js';
import { AdmissionTimeoutError } from './admission-timeout-error.js';

/** An in-memory counting semaphore standing in for a backend; records when it was tried. */
class MemorySlots implements SlotAttempt<number> {
  held = 0;
  tries: number[] = [];
  givenBack = 0;
  constructor(
    private readonly clock: FakeClock,
    private readonly width: number,
  ) {}
  tryOnce(): Promise<number | undefined> {
    this.tries.push(this.clock.now());
    if (this.held >= this.width) return Promise.resolve(undefined);
    this.held++;
    return Promise.resolve(this.held);
  }
  giveBack(): Promise<void> {
    this.held--;
    this.givenBack++;
    return Promise.resolve();
  }
}

function options(clock: FakeClock, overrides: Partial<PollForSlotOptions> = {}): PollForSlotOptions {
  return {
    clock,
    random: seededRandom(7),
    initialDelayMs: 100,
    maxDelayMs: 1000,
    signal: new AbortController().signal,
    deadline: Infinity,
    backend: 'test',
    width: 1,
    ...overrides,
  };
}

describe('pollForSlot', () => {
  it('takes a free slot at once, without waiting or leaving a timer', async () => {
    const clock = new FakeClock();
    const slots = new MemorySlots(clock, 1);
    const result = await pollForSlot(slots, options(clock, { deadline: 5000 }));
    expect(result).toEqual({ taken: 1, waitedMs: 0 });
    expect(clock.pending).toBe(0);
  });

  it('polls while busy with waits inside [initialDelay, maxDelay], and reports the time waited', async () => {
    const clock = new FakeClock();
    const slots = new MemorySlots(clock, 1);
    slots.held = 1;
    const waiting = pollForSlot(slots, options(clock));
    clock.timer(7000, () => void slots.giveBack());
    let done = false;
    void waiting.then(() => (done = true));
    while (!done) await clock.next();
    const { waitedMs } = await waiting;
    const gaps = slots.tries.slice(1).map((t, i) => t - slots.tries[i]!);
    expect(gaps.length).toBeGreaterThan(3);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(100);
      expect(gap).toBeLessThanOrEqual(1000);
    }
    expect(waitedMs).toBe(slots.tries.at(-1));
    expect(waitedMs).toBeGreaterThanOrEqual(7000);
    expect(clock.pending).toBe(0);
  });

  it('gives up at the deadline, trying until just before it, with the time waited', async () => {
    const clock = new FakeClock();
    const slots = new MemorySlots(clock, 1);
    slots.held = 1;
    const waiting = pollForSlot(slots, options(clock, { deadline: 3000, width: 1 }));
    const outcome = waiting.catch((error: unknown) => error);
    await clock.runAll();
    const error = await outcome;
    expect(error).toBeInstanceOf(AdmissionTimeoutError);
    expect(error).toMatchObject({ code: 'PG_ERR_ADMISSION', classification: 'capacity', waitedMs: 3000 });
    expect(slots.tries.length).toBeGreaterThan(2);
    expect(slots.tries.at(-1)).toBeLessThan(3000);
    expect(clock.pending).toBe(0);
  });

  it('abort during the wait rejects with the reason and leaves no timer and no slot', async () => {
    const clock = new FakeClock();
    const slots = new MemorySlots(clock, 1);
    slots.held = 1;
    const controller = new AbortController();
    const outcome = pollForSlot(slots, options(clock, { signal: controller.signal, deadline: 60_000 })).catch(
      (error: unknown) => error,
    );
    await clock.advance(1500);
    const reason = new Error('stopping');
    controller.abort(reason);
    expect(await outcome).toBe(reason);
    expect(clock.pending).toBe(0);
    expect(slots.held).toBe(1);
  });

  it('a try still in flight when the caller aborts is given back when it succeeds', async () => {
    const clock = new FakeClock();
    let grant!: (value: number) => void;
    const given: number[] = [];
    const slow: SlotAttempt<number> = {
      tryOnce: () => new Promise((resolve) => (grant = resolve)),
      giveBack: (taken) => {
        given.push(taken);
        return Promise.resolve();
      },
    };
    const controller = new AbortController();
    const outcome = pollForSlot(slow, options(clock, { signal: controller.signal })).catch((e: unknown) => e);
    controller.abort(new Error('stop'));
    expect(await outcome).toMatchObject({ message: 'stop' });
    grant(42);
    await clock.advance(0);
    expect(given).toEqual([42]);
    expect(clock.pending).toBe(0);
  });

  it('the deadline also bounds a try that hangs, and a late success is given back', async () => {
    const clock = new FakeClock();
    let grant!: (value: number) => void;
    const given: number[] = [];
    const hanging: SlotAttempt<number> = {
      tryOnce: () => new Promise((resolve) => (grant = resolve)),
      giveBack: (taken) => {
        given.push(taken);
        return Promise.resolve();
      },
    };
    const outcome = pollForSlot(hanging, options(clock, { deadline: 2000 })).catch((e: unknown) => e);
    await clock.advance(2000);
    expect(await outcome).toBeInstanceOf(AdmissionTimeoutError);
    grant(7);
    await clock.advance(0);
    expect(given).toEqual([7]);
    expect(clock.pending).toBe(0);
  });

  it("a deadline before any try was answered ends with the attempt's unanswered error, not a busy fleet", async () => {
    const clock = new FakeClock();
    const dark: SlotAttempt<number> = {
      tryOnce: () => new Promise<never>(() => undefined),
      giveBack: () => Promise.resolve(),
      unanswered: (waitedMs) => new Error(`no answer in ${waitedMs} ms`),
    };
    const outcome = pollForSlot(dark, options(clock, { deadline: 2000 })).catch((e: unknown) => e);
    await clock.advance(2000);
    const error = await outcome;
    expect(error).not.toBeInstanceOf(AdmissionTimeoutError);
    expect(error).toMatchObject({ message: 'no answer in 2000 ms' });
    expect(clock.pending).toBe(0);

    // Once a try said "busy", the deadline is a busy fleet's, even if a later try hangs.
    let tries = 0;
    const busyThenDark: SlotAttempt<number> = {
      ...dark,
      tryOnce: () => (tries++ === 0 ? Promise.resolve(undefined) : new Promise<never>(() => undefined)),
    };
    const later = pollForSlot(busyThenDark, options(clock, { deadline: 4000 })).catch((e: unknown) => e);
    await clock.advance(2000);
    expect(await later).toBeInstanceOf(AdmissionTimeoutError);
  });

  it('an abort just as a try succeeds rejects at once, without waiting for a give-back that never ends', async () => {
    // The abort lands some microtasks after the try's success; one of these counts falls between the
    // success and pollForSlot seeing it (the slot is in hand, the scope aborted). A give-back that
    // hangs there (a Redis or a session gone dark) must not hold up the rejection.
    for (let hops = 0; hops < 8; hops++) {
      const clock = new FakeClock();
      const controller = new AbortController();
      const given: number[] = [];
      const attempt: SlotAttempt<number> = {
        tryOnce: () => {
          let later = Promise.resolve();
          for (let i = 0; i < hops; i++) later = later.then(() => undefined);
          void later.then(() => controller.abort(new Error('stop')));
          return Promise.resolve(hops);
        },
        giveBack: (taken) => {
          given.push(taken);
          return new Promise(() => undefined);
        },
      };
      let outcome: unknown = 'pending';
      void pollForSlot(attempt, options(clock, { signal: controller.signal })).then(
        (slot) => (outcome = slot),
        (error: unknown) => (outcome = error),
      );
      await clock.advance(0);
      // Either the slot was granted before the abort (the caller holds it), or the wait rejected
      // with the reason and the slot was handed back.
      if (given.length === 0) expect(outcome).toEqual({ taken: hops, waitedMs: 0 });
      else expect([outcome, given]).toEqual([expect.objectContaining({ message: 'stop' }), [hops]]);
      expect(clock.pending).toBe(0);
    }
  });

  it('a failing try ends the wait with its own error', async () => {
    const clock = new FakeClock();
    const failure = Object.assign(new Error('Connection terminated'), { code: 'ECONNRESET' });
    const broken: SlotAttempt<number> = {
      tryOnce: () => Promise.reject(failure),
      giveBack: () => Promise.resolve(),
    };
    await expect(pollForSlot(broken, options(clock, { deadline: 1000 }))).rejects.toBe(failure);
    expect(clock.pending).toBe(0);
  });

  it('refuses at once when already aborted or past the deadline', async () => {
    const clock = new FakeClock(5000);
    const slots = new MemorySlots(clock, 1);
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(pollForSlot(slots, options(clock, { signal: controller.signal }))).rejects.toThrow('gone');
    await expect(pollForSlot(slots, options(clock, { deadline: 5000 }))).rejects.toBeInstanceOf(
      AdmissionTimeoutError,
    );
    expect(slots.tries).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('property: never more holders than slots, and every waiter either holds or timed out', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 100, max: 5000 }),
        async (width, waiters, seed, holdMs) => {
          const clock = new FakeClock();
          const slots = new MemorySlots(clock, width);
          let maxHeld = 0;
          const random = seededRandom(seed);
          const runs = Array.from({ length: waiters }, async () => {
            try {
              await pollForSlot(slots, options(clock, { random, deadline: 20_000 }));
            } catch (error) {
              expect(error).toBeInstanceOf(AdmissionTimeoutError);
              return 'timeout';
            }
            maxHeld = Math.max(maxHeld, slots.held);
            await clock.sleep(holdMs);
            await slots.giveBack();
            return 'held';
          });
          await clock.runAll();
          const results = await Promise.all(runs);
          expect(maxHeld).toBeLessThanOrEqual(width);
          expect(results.filter((r) => r === 'held').length).toBeGreaterThanOrEqual(Math.min(width, waiters));
          expect(slots.held).toBe(0);
          expect(clock.pending).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });
});
