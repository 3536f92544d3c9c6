import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { DeadlineExceededError } from '../errors/deadline-exceeded-error.js';
import { Scope } from './scope.js';

describe('Scope', () => {
  it('aborts with DeadlineExceededError when its budget runs out', async () => {
    const clock = new FakeClock();
    const scope = Scope.root(clock, { budgetMs: 1000, label: 'startup' });
    expect(scope.remaining()).toBe(1000);
    await clock.advance(999);
    expect(scope.aborted).toBe(false);
    await clock.advance(1);
    expect(scope.aborted).toBe(true);
    expect(scope.signal.reason).toBeInstanceOf(DeadlineExceededError);
    expect(() => scope.throwIfAborted()).toThrow(/Deadline of startup exceeded/);
    expect(clock.pending).toBe(0);
  });

  it('a child never outlives its parent deadline', async () => {
    const clock = new FakeClock();
    const root = Scope.root(clock, { budgetMs: 1000 });
    const child = root.child({ budgetMs: 5000, label: 'database' });
    expect(child.deadline).toBe(1000);
    const short = root.child({ budgetMs: 200 });
    expect(short.deadline).toBe(200);
    await clock.advance(200);
    expect(short.aborted).toBe(true);
    expect(root.aborted).toBe(false);
    await clock.advance(800);
    expect(child.aborted).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('a budgetMs that is not a number (NaN) is a ConfigError naming it, not a scope without a deadline', () => {
    const clock = new FakeClock();
    expect(() => Scope.root(clock, { budgetMs: NaN, label: 'admission' })).toThrow(
      expect.objectContaining({
        code: 'PG_ERR_CONFIG',
        path: 'budgetMs',
        message: expect.stringContaining('NaN is not a budget for scope "admission"'),
      }),
    );
    const root = Scope.root(clock, { budgetMs: 1000 });
    // A child would have lost its parent's deadline too: min(1000, NaN) is NaN.
    expect(() => root.child({ budgetMs: NaN, label: 'phase "database"' })).toThrow(
      expect.objectContaining({ code: 'PG_ERR_CONFIG', path: 'budgetMs' }),
    );
    expect(() => Scope.root(clock, { budgetMs: '100' as unknown as number })).toThrow(
      expect.objectContaining({ code: 'PG_ERR_CONFIG', path: 'budgetMs' }),
    );
    root.dispose();
    expect(clock.pending).toBe(0);
  });

  it('aborting the parent aborts children with the same reason', () => {
    const clock = new FakeClock();
    const outside = new AbortController();
    const root = Scope.root(clock, { signal: outside.signal });
    const child = root.child({ budgetMs: 100 });
    const reason = new Error('SIGTERM');
    outside.abort(reason);
    expect(root.signal.reason).toBe(reason);
    expect(child.signal.reason).toBe(reason);
    expect(clock.pending).toBe(0);
  });

  it('starts aborted when the parent already is, or the budget is zero', () => {
    const clock = new FakeClock();
    const outside = new AbortController();
    outside.abort('gone');
    expect(Scope.root(clock, { signal: outside.signal }).aborted).toBe(true);
    expect(Scope.root(clock, { budgetMs: 0 }).aborted).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('dispose releases the timer and the parent listener', () => {
    const clock = new FakeClock();
    const root = Scope.root(clock, { budgetMs: 1000 });
    const child = root.child({ budgetMs: 10 });
    expect(clock.pending).toBe(2);
    child.dispose();
    root.dispose();
    expect(clock.pending).toBe(0);
    expect(Scope.root(clock).remaining()).toBe(Infinity);
  });
});
