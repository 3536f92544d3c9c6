import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../common/clock.js';
import { FakeClock } from '../testing/fake-clock.js';
import { DeadlineQueue, MAX_TIMER_MS, deadlineQueueFor, type DeadlineEntry } from './deadline-queue.js';

function entry(due: number, log: number[]): DeadlineEntry {
  return { due, heapIndex: -1, expire: () => log.push(due) };
}

describe('DeadlineQueue', () => {
  it('expires entries in due order on one clock timer and cancels it when emptied', async () => {
    const clock = new FakeClock();
    const queue = new DeadlineQueue(clock, false);
    const log: number[] = [];
    const entries = [300, 100, 200, 100].map((due) => entry(due, log));
    for (const e of entries) queue.add(e);
    expect(clock.pending).toBe(1);
    expect(clock.pendingTimes).toEqual([100]);
    queue.remove(entries[2]!); // the 200
    queue.remove(entries[2]!); // removing twice is harmless
    await clock.advance(150);
    expect(log).toEqual([100, 100]);
    expect(clock.pendingTimes).toEqual([300]);
    queue.remove(entries[0]!);
    expect(queue.size).toBe(0);
    expect(clock.pending).toBe(0);
    expect(queue.armed).toBe(false);
  });

  it('re-arms earlier when an earlier entry arrives', async () => {
    const clock = new FakeClock();
    const queue = new DeadlineQueue(clock, false);
    const log: number[] = [];
    queue.add(entry(500, log));
    queue.add(entry(50, log));
    expect(clock.pendingTimes).toEqual([50]);
    await clock.runAll();
    expect(log).toEqual([50, 500]);
  });

  it('with lazy cancelling keeps its timer when emptied, and stops when it fires with nothing due', async () => {
    const clock = new FakeClock();
    const queue = new DeadlineQueue(clock, true);
    const log: number[] = [];
    const first = entry(100, log);
    queue.add(first);
    queue.remove(first);
    expect(clock.pending).toBe(1);
    await clock.advance(10);
    const second = entry(110, log); // later than the armed timer: no new timer
    queue.add(second);
    expect(clock.pending).toBe(1);
    await clock.advance(90); // the timer fires at 100, nothing is due, it re-arms for 110
    expect(log).toEqual([]);
    expect(clock.pendingTimes).toEqual([110]);
    queue.remove(second);
    await clock.runAll();
    expect(log).toEqual([]);
    expect(clock.pending).toBe(0);
    expect(queue.armed).toBe(false);
  });

  it('expires an entry due beyond what one Node timer can hold, waiting in steps', async () => {
    const clock = new FakeClock();
    const queue = new DeadlineQueue(clock, false);
    const log: number[] = [];
    queue.add(entry(5_000_000_000, log));
    expect(clock.pendingTimes).toEqual([MAX_TIMER_MS]);
    await clock.advance(MAX_TIMER_MS);
    expect(log).toEqual([]);
    expect(clock.pendingTimes).toEqual([2 * MAX_TIMER_MS]);
    queue.add(entry(3_000_000_000, log)); // earlier than the armed step: re-armed for it
    expect(clock.pendingTimes).toEqual([3_000_000_000]);
    await clock.runAll();
    expect(log).toEqual([3_000_000_000, 5_000_000_000]);
    expect(clock.pending).toBe(0);
  });

  it('is shared per clock, lazy on the system clock only', () => {
    const clock = new FakeClock();
    expect(deadlineQueueFor(clock)).toBe(deadlineQueueFor(clock));
    expect(deadlineQueueFor(clock)).not.toBe(deadlineQueueFor(new FakeClock()));
    expect((deadlineQueueFor(clock) as unknown as { lazyCancel: boolean }).lazyCancel).toBe(false);
    expect((deadlineQueueFor(systemClock) as unknown as { lazyCancel: boolean }).lazyCancel).toBe(true);
  });

  it('expires any mix of added and removed entries in due order, each once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.boolean()), { minLength: 1, maxLength: 60 }),
        async (specs) => {
          const clock = new FakeClock();
          const queue = new DeadlineQueue(clock, false);
          const log: number[] = [];
          const entries = specs.map(([due]) => entry(due, log));
          entries.forEach((e) => queue.add(e));
          specs.forEach(([, remove], i) => remove && queue.remove(entries[i]!));
          await clock.runAll();
          const expected = specs.filter(([, remove]) => !remove).map(([due]) => due);
          expect(log).toEqual([...expected].sort((a, b) => a - b));
          expect(clock.pending).toBe(0);
        },
      ),
      { numRuns: 50 },
    );
  });
});
