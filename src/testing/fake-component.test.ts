import { describe, expect, it } from 'vitest';
import { createOrchestrator } from '../orchestrator/index.js';
import { FakeClock } from './fake-clock.js';
import { fakeComponent } from './fake-component.js';
import { runUntilSettled } from './run-until-settled.js';

describe('fakeComponent', () => {
  it('fails failTimes attempts, each taking startMs on the clock, then starts', async () => {
    const clock = new FakeClock();
    const db = fakeComponent({ name: 'db', clock, failTimes: 2, startMs: 100 });
    const orchestrator = createOrchestrator({ phases: [{ name: 'database', components: [db] }] }, { clock });
    const started = await runUntilSettled(clock, orchestrator.start());
    expect(started.ok).toBe(true);
    expect(db.attempts).toBe(3);
    expect(db.running).toBe(0);
    expect(db.started.map((s) => s.attempt)).toEqual([1, 2, 3]);
    // Each attempt takes 100 ms before it fails or succeeds: the next one starts after it and the backoff.
    expect(db.started[1]!.at - db.started[0]!.at).toBeGreaterThanOrEqual(100);
    await runUntilSettled(clock, orchestrator.stop());
    expect(db.stopped).toEqual([{ name: 'db', attempt: 3 }]);
  });

  it('throws what error gives (a function gets the attempt number)', async () => {
    const clock = new FakeClock();
    const db = fakeComponent({
      name: 'db',
      clock,
      failTimes: 1,
      error: (attempt: number) => new Error(`attempt ${attempt} refused`),
    });
    const t = { signal: new AbortController().signal } as Parameters<typeof db.start>[0];
    await expect(db.start(t)).rejects.toThrow('attempt 1 refused');
    await expect(db.start(t)).resolves.toEqual({ name: 'db', attempt: 2 });
  });

  // A count or a delay that is not one (NaN from a bad computation, a negative number) would
  // silently script nothing: `failTimes: NaN` never fails, so the test around it checks nothing.
  it.each([
    ['failTimes', -1, 'a whole number >= 0 or Infinity'],
    ['failTimes', NaN, 'a whole number >= 0 or Infinity'],
    ['failTimes', 1.5, 'a whole number >= 0 or Infinity'],
    ['startMs', -10, 'a number of ms >= 0 (Infinity: never settles)'],
    ['startMs', NaN, 'a number of ms >= 0 (Infinity: never settles)'],
    ['stopMs', -1, 'a number of ms >= 0 (Infinity: never settles)'],
    ['stopMs', NaN, 'a number of ms >= 0 (Infinity: never settles)'],
  ] as const)('refuses %s: %s with a RangeError naming the option', (option, value, expected) => {
    const clock = new FakeClock();
    expect(() => fakeComponent({ name: 'db', clock, [option]: value })).toThrow(
      new RangeError(`fakeComponent(db): ${option} must be ${expected}, got ${value}`),
    );
  });

  it('accepts Infinity for failTimes, startMs and stopMs (never succeeds, never settles)', () => {
    const clock = new FakeClock();
    expect(() =>
      fakeComponent({ name: 'db', clock, failTimes: Infinity, startMs: Infinity, stopMs: Infinity }),
    ).not.toThrow();
  });
});
