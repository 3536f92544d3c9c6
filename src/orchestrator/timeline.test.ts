import { describe, expect, it } from 'vitest';
import { constantBackoff, retry } from '../policies/index.js';
import { FakeClock } from '../testing/fake-clock.js';
import { fakeComponent } from '../testing/fake-component.js';
import { runUntilSettled } from '../testing/run-until-settled.js';
import type { ComponentContext, ComponentSpec } from './component.js';
import { createOrchestrator } from './orchestrator.js';
import type { OrchestratorOptionsInput } from './orchestrator-options.js';
import type { OrchestratorEvent } from './orchestrator-events.js';
import { TIMELINE_SCHEMA_VERSION, Timeline, type TimelineEntry } from './timeline.js';
import { formatWaterfall } from './waterfall.js';

const WALL = 1_700_000_000_000;
const wrongPass = new Error('WRONGPASS invalid username-password pair');

/** The incident in small: a fast init, a database that needs three attempts, an optional cache that fails. */
function incident(options: OrchestratorOptionsInput = {}, databaseFailures = 2) {
  const clock = new FakeClock();
  const policy = () => retry({ clock, maxAttempts: 3, backoff: constantBackoff(1_000) });
  const pg = fakeComponent({
    name: 'postgres',
    clock,
    startMs: 500,
    failTimes: databaseFailures,
    policy: policy(),
  });
  const postgres: ComponentSpec = {
    ...pg,
    start: async (ctx: ComponentContext) => {
      if (ctx.attempt === 1) {
        ctx.mark('admission-wait', {
          waitedMs: 1_200,
          backend: 'local',
          dsn: 'postgres://app:hunter2@db/app',
        });
      }
      return pg.start(ctx);
    },
  };
  const orchestrator = createOrchestrator(
    {
      phases: [
        { name: 'init', components: [fakeComponent({ name: 'config', clock, startMs: 60 })] },
        { name: 'database', components: [postgres] },
        {
          name: 'cache',
          components: [
            fakeComponent({
              name: 'redis',
              clock,
              critical: false,
              failTimes: 1,
              error: wrongPass,
              policy: policy(),
            }),
          ],
        },
        { name: 'services', components: [fakeComponent({ name: 'api', clock, startMs: 40 })] },
      ],
    },
    { clock, wallClock: () => WALL, budgetMs: 60_000, ...options },
  );
  return { clock, orchestrator };
}

const KEYS = [
  't',
  'type',
  'phase',
  'component',
  'attempt',
  'outcome',
  'durationMs',
  'errorClass',
  'errorCode',
  'message',
  'data',
];

describe('Timeline', () => {
  it('records every event with its time, in a stable, redacted JSON schema', async () => {
    const { clock, orchestrator } = incident();
    await runUntilSettled(clock, orchestrator.start());
    const json = orchestrator.timeline.toJSON();
    expect(json).toMatchObject({
      version: TIMELINE_SCHEMA_VERSION,
      startedAt: WALL,
      budgetMs: 60_000,
      phases: ['init', 'database', 'cache', 'services'],
      durationMs: 3_600,
      outcome: 'ready',
      availability: 'FULL',
      dropped: 0,
    });
    expect(TIMELINE_SCHEMA_VERSION).toBe(1);
    for (const entry of json.events) expect(Object.keys(entry)).toEqual(KEYS);
    const of = (type: string, component?: string): TimelineEntry[] =>
      json.events.filter((e) => e.type === type && (component === undefined || e.component === component));
    expect(of('component-attempt-end', 'postgres')).toEqual([
      {
        t: 560,
        type: 'component-attempt-end',
        phase: 'database',
        component: 'postgres',
        attempt: 1,
        outcome: 'error',
        durationMs: 500,
        errorClass: 'transient',
        errorCode: 'ECONNREFUSED',
        message: 'connect ECONNREFUSED 127.0.0.1:5432 (postgres)',
        data: null,
      },
      {
        t: 2_060,
        type: 'component-attempt-end',
        phase: 'database',
        component: 'postgres',
        attempt: 2,
        outcome: 'error',
        durationMs: 500,
        errorClass: 'transient',
        errorCode: 'ECONNREFUSED',
        message: 'connect ECONNREFUSED 127.0.0.1:5432 (postgres)',
        data: null,
      },
      {
        t: 3_560,
        type: 'component-attempt-end',
        phase: 'database',
        component: 'postgres',
        attempt: 3,
        outcome: 'ok',
        durationMs: 500,
        errorClass: null,
        errorCode: null,
        message: null,
        data: null,
      },
    ]);
    expect(of('component-mark')).toEqual([
      {
        t: 60,
        type: 'component-mark',
        phase: 'database',
        component: 'postgres',
        attempt: null,
        outcome: null,
        durationMs: null,
        errorClass: null,
        errorCode: null,
        message: null,
        data: { mark: 'admission-wait', waitedMs: 1_200, backend: 'local', dsn: 'postgres://app:***@db/app' },
      },
    ]);
    expect(of('component-failed')).toEqual([
      expect.objectContaining({
        t: 3_560,
        component: 'redis',
        attempt: 1,
        outcome: 'skipped',
        errorClass: 'permanent',
        errorCode: 'PG_ERR_RETRY_EXHAUSTED',
        data: { critical: false },
      }),
    ]);
    expect(of('phase-start').map((e) => [e.phase, e.t, e.data])).toEqual([
      ['init', 0, { budgetMs: 15_000 }],
      ['database', 60, { budgetMs: 19_980 }],
      ['cache', 3_560, { budgetMs: 28_220 }],
      ['services', 3_560, { budgetMs: 56_440 }],
    ]);
    expect(of('startup-end')).toEqual([
      {
        t: 3_600,
        type: 'startup-end',
        phase: null,
        component: null,
        attempt: null,
        outcome: 'ready',
        durationMs: 3_600,
        errorClass: null,
        errorCode: null,
        message: null,
        data: { availability: 'FULL' },
      },
    ]);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(JSON.stringify(json)).not.toContain('hunter2');
    await orchestrator.stop();
  });

  it('formats control characters in names and messages as plain text, one line per row', async () => {
    const { clock, orchestrator } = incident();
    await runUntilSettled(clock, orchestrator.start());
    const json = orchestrator.timeline.toJSON();
    const hostile = 'con\nfig\u001b[2J\u0007';
    const forged = {
      ...json,
      events: json.events.map((e) => ({
        ...e,
        component: e.component === 'config' ? hostile : e.component,
        message: e.message === null ? null : `${e.message}\r\nFAKE LINE`,
      })),
    };
    const lines = formatWaterfall(forged).split('\n');
    expect(lines).toHaveLength(formatWaterfall(json).split('\n').length);
    // eslint-disable-next-line no-control-regex -- looking for control characters
    expect(lines.filter((line) => /[\u0000-\u001f\u007f-\u009f]/.test(line))).toEqual([]);
    expect(lines[3]).toMatch(/^ {2}con fig\?\[2J\? /);
    await orchestrator.stop();
  });

  it('formats a waterfall: phases and components on the time axis, attempts, waits and the verdict', async () => {
    const { clock, orchestrator } = incident();
    await runUntilSettled(clock, orchestrator.start());
    expect(formatWaterfall(orchestrator.timeline)).toBe(
      [
        'phasegate startup (budget 60000 ms)',
        'phase / component            start       dur  share  bar',
        'init                          0 ms     60 ms   1.7%  |█·······························| done, budget 15000 ms',
        '  config                      0 ms     60 ms   1.7%  |█·······························| x1 (ok)',
        'database                     60 ms   3500 ms  97.2%  |███████████████████████████████·| done, budget 19980 ms',
        '  postgres                   60 ms   3500 ms  97.2%  |███████████████████████████████·| x3 (2 transient, ok); admission-wait 1200 ms',
        'cache                      3560 ms      0 ms   0.0%  |·······························█| done, budget 28220 ms',
        '  redis                    3560 ms      0 ms   0.0%  |·······························█| x1 (1 permanent, skipped); PG_ERR_RETRY_EXHAUSTED: Gave up after 1 attempt in 0 ms (the error is not retryable): WRONGPASS invalid username-password pair',
        'services                   3560 ms     40 ms   1.1%  |·······························█| done, budget 56440 ms',
        '  api                      3560 ms     40 ms   1.1%  |·······························█| x1 (ok)',
        'READY in 3600 ms (availability FULL)',
      ].join('\n'),
    );
    // The JSON form formats the same, and the bar width is an option.
    expect(formatWaterfall(orchestrator.timeline.toJSON())).toBe(formatWaterfall(orchestrator.timeline));
    const narrow = formatWaterfall(orchestrator.timeline, { width: 10 }).split('\n');
    expect(narrow[5]).toMatch(/^ {2}postgres .*\|██████████\| x3/);
    expect(narrow[2]).toMatch(/\|█·········\|/);
    await orchestrator.stop();
  });

  it('ends the waterfall with the failure: code, class, where and attempts', async () => {
    const printed: string[] = [];
    const { clock, orchestrator } = incident({ onWaterfall: (text) => printed.push(text) }, Infinity);
    const result = await runUntilSettled(clock, orchestrator.start());
    expect(result.ok).toBe(false);
    expect(printed).toHaveLength(1);
    const lines = printed[0]!.split('\n');
    expect(lines.find((l) => l.startsWith('  postgres'))).toMatch(
      /x3 \(3 transient, failed\); PG_ERR_RETRY_EXHAUSTED: Gave up after 3 attempts/,
    );
    expect(lines.find((l) => l.startsWith('database'))).toMatch(/failed, budget 19980 ms$/);
    expect(lines.some((l) => l.startsWith('cache'))).toBe(false);
    expect(lines.at(-1)).toBe(
      'FAILED after 3560 ms: PG_ERR_COMPONENT_FAILED, transient, database/postgres after 3 attempts',
    );
    const end = orchestrator.timeline.toJSON().events.at(-1)!;
    expect(end).toMatchObject({
      type: 'startup-end',
      outcome: 'failed',
      phase: 'database',
      component: 'postgres',
      attempt: 3,
      errorCode: 'PG_ERR_COMPONENT_FAILED',
      errorClass: 'transient',
    });
  });

  it('shows a startup in progress, an aborted one, and a degraded one with its recovery', async () => {
    const clock = new FakeClock();
    const redis = fakeComponent({
      name: 'redis',
      clock,
      degradable: true,
      failTimes: 1,
      policy: retry({ clock, maxAttempts: 1 }),
    });
    const slow = fakeComponent({ name: 'slow', clock, startMs: 10_000 });
    const orchestrator = createOrchestrator(
      {
        phases: [
          { name: 'cache', components: [redis] },
          { name: 'web', components: [slow] },
        ],
      },
      {
        clock,
        mode: 'graceful',
        budgetMs: 60_000,
        recoveryBackoff: constantBackoff(2_000),
        wallClock: () => WALL,
      },
    );
    const controller = new AbortController();
    const started = orchestrator.start(controller.signal);
    await clock.advance(4_000);
    const running = formatWaterfall(orchestrator.timeline);
    expect(running.split('\n').at(-1)).toBe('STARTING (last event at 2000 ms)');
    expect(running).toMatch(
      / {2}redis .* x1 \(1 transient, degraded\); PG_ERR_RETRY_EXHAUSTED: Gave up after 1 attempt .*ECONNREFUSED.*; recovered at 2000 ms after 1 recovery attempts/,
    );
    expect(running).toMatch(/ {2}slow .*\| x1 \(running\)$/m);
    controller.abort(new Error('SIGINT'));
    await runUntilSettled(clock, started);
    const text = formatWaterfall(orchestrator.timeline);
    expect(text.split('\n').at(-1)).toBe('ABORTED after 4000 ms: SIGINT');

    const degraded = new Timeline();
    const events: OrchestratorEvent[] = [
      { type: 'startup-start', at: 100, budgetMs: Infinity, wallTime: WALL, phases: ['cache'] },
      { type: 'phase-start', at: 100, phase: 'cache', budgetMs: Infinity, deadline: Infinity },
      {
        type: 'component-degraded',
        at: 150,
        phase: 'cache',
        component: 'redis',
        degradesTo: 'DEGRADED',
        attempts: 0,
        durationMs: 50,
        error: wrongPass,
        errorClass: 'permanent',
      },
      { type: 'phase-end', at: 150, phase: 'cache', state: 'done', durationMs: 50 },
      { type: 'startup-end', at: 150, outcome: 'degraded', durationMs: 50, availability: 'DEGRADED' },
      {
        type: 'component-attempt',
        at: 1_150,
        phase: 'cache',
        component: 'redis',
        attempt: 1,
        recovery: true,
      },
    ];
    for (const event of events) degraded.record(event);
    const json = degraded.toJSON();
    expect(json.budgetMs).toBeNull();
    expect(json.events[1]!.data).toEqual({ budgetMs: null });
    expect(json.events.at(-1)).toMatchObject({ t: 1_050, data: { recovery: true } });
    const lines = formatWaterfall(json).split('\n');
    expect(lines[0]).toBe('phasegate startup (budget unbounded)');
    expect(lines[3]).toMatch(
      /x0 \(degraded\); Error: WRONGPASS invalid username-password pair; recovering \(1 attempts so far\)$/,
    );
    expect(lines.at(-1)).toBe('DEGRADED in 50 ms (availability DEGRADED; down: redis)');
  });

  it('a DEGRADED verdict names only what is still down at the end of startup, not what recovered during it', async () => {
    const clock = new FakeClock();
    const once = (name: string, failTimes: number, startMs = 0) =>
      fakeComponent({
        name,
        clock,
        startMs,
        degradable: true,
        failTimes,
        policy: retry({ clock, maxAttempts: 1 }),
      });
    const orchestrator = createOrchestrator(
      {
        phases: [
          { name: 'cache', components: [once('redis', 1)] },
          { name: 'search', components: [once('search', Infinity, 5_000)] },
        ],
      },
      {
        clock,
        mode: 'graceful',
        budgetMs: 60_000,
        recoveryBackoff: constantBackoff(1_000),
        wallClock: () => WALL,
      },
    );
    await runUntilSettled(clock, orchestrator.start());
    // redis came back 1 s in, while search was starting; search failed at 5 s and is still down.
    expect(orchestrator.snapshot().components.map((c) => `${c.name}:${c.state}`)).toEqual([
      'redis:ready',
      'search:degraded',
    ]);
    expect(formatWaterfall(orchestrator.timeline).split('\n').at(-1)).toBe(
      'DEGRADED in 5000 ms (availability DEGRADED; down: search)',
    );
    await runUntilSettled(clock, orchestrator.stop());
  });

  it('keeps every startup event but drops the oldest later ones past maxEvents', () => {
    const timeline = new Timeline({ maxEvents: 3 });
    const at = (n: number): OrchestratorEvent => ({
      type: 'component-healthy',
      at: n,
      phase: 'p',
      component: `c${n}`,
    });
    timeline.record({ type: 'startup-start', at: 0, budgetMs: 10, wallTime: WALL, phases: [] });
    timeline.record(at(1));
    timeline.record(at(2));
    timeline.record({ type: 'startup-end', at: 3, outcome: 'ready', durationMs: 3, availability: 'FULL' });
    for (let n = 4; n < 8; n++) timeline.record(at(n));
    const json = timeline.toJSON();
    expect(json.events.map((e) => e.t)).toEqual([0, 1, 2, 3, 7]);
    expect(json.dropped).toBe(3);
    expect(new Timeline().toJSON()).toMatchObject({ startedAt: null, outcome: null, events: [] });
  });

  it('stays empty with recordTimeline: false, while listeners still get every event', async () => {
    const kept = incident();
    const { clock, orchestrator } = incident({ recordTimeline: false });
    const heard: string[] = [];
    const keptHeard: string[] = [];
    for (const type of ['component-attempt', 'component-attempt-end', 'startup-end'] as const) {
      orchestrator.on(type, (event) => heard.push(event.type));
      kept.orchestrator.on(type, (event) => keptHeard.push(event.type));
    }
    expect((await runUntilSettled(clock, orchestrator.start())).ok).toBe(true);
    expect((await runUntilSettled(kept.clock, kept.orchestrator.start())).ok).toBe(true);
    expect(orchestrator.timeline.events).toEqual([]);
    expect(kept.orchestrator.timeline.events.length).toBeGreaterThan(0);
    expect(heard).toEqual(keptHeard);
    expect(heard).toContain('startup-end');
    expect(orchestrator.status).toBe('ready');
    await orchestrator.stop();
    await kept.orchestrator.stop();
  });
});
