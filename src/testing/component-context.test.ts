import { describe, expect, it } from 'vitest';
import { systemClock } from '../common/clock.js';
import type { ComponentSpec } from '../orchestrator/component.js';
import { testComponentContext } from './component-context.js';
import { FakeClock } from './fake-clock.js';
import { runUntilSettled } from './run-until-settled.js';
import { FakePostgres } from '../components/postgres/fake-postgres.js';
import { postgresComponent } from '../components/postgres/postgres.js';

describe('testComponentContext', () => {
  it('gives a component what the orchestrator would, and records its marks and reports', async () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    const t = testComponentContext({ clock, name: 'cache', phase: 'cache', onMark: (e) => seen.push(e) });
    const spec: ComponentSpec<string> = {
      name: 'cache',
      start: async (ctx) => {
        ctx.mark('connecting', { host: 'cache:6379' });
        await ctx.clock.sleep(100, ctx.signal);
        ctx.report({ pool: { open: 1, target: 1, max: 1, idle: 1, waiting: 0 } });
        ctx.mark('connected');
        return `${ctx.phase}/${ctx.name} attempt ${ctx.attempt} at ${ctx.clock.now()}`;
      },
    };
    const started = spec.start(t.ctx);
    await clock.advance(100);
    await expect(started).resolves.toBe('cache/cache attempt 1 at 100');
    expect(t.marks).toEqual([
      { event: 'connecting', data: { host: 'cache:6379' } },
      { event: 'connected', data: undefined },
    ]);
    expect(t.mark('connecting')).toEqual({ host: 'cache:6379' });
    expect(t.mark('never')).toBeUndefined();
    expect(seen).toEqual(['connecting', 'connected']);
    expect(t.reports).toEqual([{ pool: { open: 1, target: 1, max: 1, idle: 1, waiting: 0 } }]);
    expect(t.ctx.deadline).toBe(Infinity);
    expect(t.ctx.remaining()).toBe(Infinity);
  });

  it('aborts the attempt and ends the lifetime through its two controllers', () => {
    const t = testComponentContext();
    expect(t.ctx.clock).toBe(systemClock);
    expect([t.ctx.name, t.ctx.phase]).toEqual(['component', 'test']);
    expect(t.ctx.signal.aborted).toBe(false);
    t.attempt.abort(new Error('attempt timed out'));
    expect(t.ctx.signal.aborted).toBe(true);
    expect(t.ctx.lifetime.aborted).toBe(false);
    t.lifetime.abort();
    expect(t.ctx.lifetime.aborted).toBe(true);
  });
});

describe('testComponentContext as its documentation shows it', () => {
  it('starts a Postgres component on a FakePostgres, driven by runUntilSettled, and ends its growth', async () => {
    const clock = new FakeClock();
    const server = new FakePostgres(clock);
    const t = testComponentContext({ clock });
    const started = await runUntilSettled(
      clock,
      postgresComponent({ connectionFactory: server.factory }).start(t.ctx),
    );
    expect(started.ok).toBe(true);
    expect(t.mark('pool-ready')).toEqual({ open: 1, target: 10 });
    t.lifetime.abort();
    await clock.runAll();
    if (started.ok) await started.value.end();
    expect(server.open).toBe(0);
    expect(clock.pending).toBe(0);
  });
});
