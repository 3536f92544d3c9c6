import { describe, expect, it } from 'vitest';
import { constantBackoff, retry } from '../policies/index.js';
import { fakeComponent } from '../testing/fake-component.js';
import type { OrchestratorEvent } from './orchestrator-events.js';
import { orchestratorFixture } from './test-fixtures.js';
import { Timeline } from './timeline.js';
import { formatWaterfall } from './waterfall.js';

describe('Timeline: bounded during a long startup', () => {
  it('a component retrying for 15 minutes of an unbounded budget keeps the timeline within maxEvents', async () => {
    const { clock, orchestrator } = orchestratorFixture(
      (clock) => [
        { name: 'init', components: [fakeComponent({ name: 'config', clock })] },
        {
          name: 'database',
          components: [
            fakeComponent({
              name: 'db',
              clock,
              failTimes: Infinity,
              startMs: 10,
              policy: retry({ clock, maxAttempts: Infinity, backoff: constantBackoff(90) }),
            }),
          ],
        },
      ],
      { budgetMs: Infinity },
    );
    const started = orchestrator.start();
    started.catch(() => undefined);
    await clock.advance(15 * 60_000); // 9 000 attempts, two events each
    expect(orchestrator.timeline.events.length).toBeLessThanOrEqual(10_000);
    await orchestrator.stop();
    const json = orchestrator.timeline.toJSON();
    expect(json.events.length).toBeLessThanOrEqual(10_000);
    expect(json.dropped).toBeGreaterThan(8_000);
    // The story's start, its end and the newest attempts are kept.
    const types = json.events.map((e) => e.type);
    expect(types.slice(0, 4)).toEqual([
      'startup-start',
      'phase-start',
      'component-attempt',
      'component-attempt-end',
    ]);
    expect(types.filter((t) => t === 'phase-start' || t === 'phase-end')).toHaveLength(4);
    expect(types).toContain('startup-end');
    const attempts = json.events.filter((e) => e.type === 'component-attempt').map((e) => e.attempt!);
    expect(attempts.at(-1)).toBe(9_001);
    expect(formatWaterfall(json)).toMatch(/ {2}db .* x9001 \(\d+ transient, .*\d+ not kept, aborted\)/);
    expect(clock.pending).toBe(0);
  });

  it('past maxEvents during startup, drops only repeated attempt and mark events after the first half', () => {
    const timeline = new Timeline({ maxEvents: 6 });
    const base = { phase: 'p', component: 'db', recovery: false };
    const attempt = (n: number): OrchestratorEvent => ({
      type: 'component-attempt',
      at: n,
      attempt: n,
      ...base,
    });
    timeline.record({ type: 'startup-start', at: 0, budgetMs: 10, wallTime: 0, phases: ['p'] });
    timeline.record({ type: 'phase-start', at: 0, phase: 'p', budgetMs: 10, deadline: 10 });
    for (let n = 1; n <= 6; n++) timeline.record(attempt(n));
    timeline.record({ type: 'phase-end', at: 7, phase: 'p', state: 'failed', durationMs: 7 });
    const json = timeline.toJSON();
    expect(json.events.map((e) => [e.type, e.attempt])).toEqual([
      ['startup-start', null],
      ['phase-start', null],
      ['component-attempt', 1],
      ['component-attempt', 5],
      ['component-attempt', 6],
      ['phase-end', null],
    ]);
    expect(json.dropped).toBe(3);

    // startup-end arrives at the limit: an attempt before it goes, and later events drop as before.
    timeline.record({ type: 'startup-end', at: 8, outcome: 'ready', durationMs: 8, availability: 'FULL' });
    for (let n = 9; n <= 12; n++)
      timeline.record({ type: 'component-healthy', at: n, phase: 'p', component: 'db' });
    expect(timeline.toJSON().events.map((e) => [e.type, e.t])).toEqual([
      ['startup-start', 0],
      ['phase-start', 0],
      ['component-attempt', 1],
      ['phase-end', 7],
      ['startup-end', 8],
      ['component-healthy', 12],
    ]);
    expect(timeline.toJSON().dropped).toBe(8);
  });

  it.each([[0], [-1], [2.5], [Number.NaN], ['100']])(
    'refuses maxEvents %s with a ConfigError naming it, instead of failing later in record()',
    (maxEvents) => {
      expect(() => new Timeline({ maxEvents: maxEvents as number })).toThrow(
        expect.objectContaining({ code: 'PG_ERR_CONFIG', path: 'timeline.maxEvents' }),
      );
    },
  );

  it('takes maxEvents Infinity: nothing is dropped', () => {
    const timeline = new Timeline({ maxEvents: Infinity });
    for (let n = 0; n < 20; n++)
      timeline.record({ type: 'component-healthy', at: n, phase: 'p', component: 'db' });
    expect(timeline.toJSON()).toMatchObject({ dropped: 0, events: { length: 20 } });
  });

  it.each([[Number.NaN], [Infinity], [0], ['40']])(
    'formatWaterfall refuses width %s with a ConfigError naming it (NaN drew empty bars)',
    (width) => {
      expect(() => formatWaterfall(new Timeline(), { width: width as number })).toThrow(
        expect.objectContaining({ code: 'PG_ERR_CONFIG', path: 'waterfall.width' }),
      );
    },
  );
});
