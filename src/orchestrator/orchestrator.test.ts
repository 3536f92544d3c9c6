import { describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../common/random.js';
import { AbortedError } from '../errors/aborted-error.js';
import { ErrorCodes } from '../errors/codes.js';
import { isConfigError } from '../errors/config-error.js';
import { exitCodeFor } from '../errors/exit-codes.js';
import { isStartupError, type StartupError } from '../errors/startup-error.js';
import type { Policy } from '../policies/policy.js';
import { TimedAttempt } from '../policies/timed-attempt.js';
import { FakeClock } from '../testing/fake-clock.js';
import { fakeComponent, type FakeComponentOptionsInput } from '../testing/fake-component.js';
import { runUntilSettled } from '../testing/run-until-settled.js';
import type { ComponentSpec } from './component.js';
import { createOrchestrator } from './orchestrator.js';
import type { OrchestratorOptionsInput } from './orchestrator-options.js';
import type { OrchestratorEvent } from './orchestrator-events.js';
import type { PhaseInput } from './plan.js';

const WALL = 1_700_000_000_000;

function setup(
  phases: (clock: FakeClock, log: string[]) => PhaseInput[],
  options: OrchestratorOptionsInput = {},
) {
  const clock = new FakeClock();
  const log: string[] = [];
  const orchestrator = createOrchestrator(
    { phases: phases(clock, log) },
    { clock, wallClock: () => WALL, random: seededRandom(7), budgetMs: 60_000, ...options },
  );
  const events: OrchestratorEvent[] = [];
  orchestrator.onEvent((e) => events.push(e));
  return { clock, log, orchestrator, events };
}

const fake = (
  clock: FakeClock,
  log: string[],
  name: string,
  extra: Partial<FakeComponentOptionsInput> = {},
) => fakeComponent({ name, clock, log, ...extra });

/** A StartupError from a rejected start (fails the test otherwise). */
function startupErrorOf(result: { ok: boolean; error?: unknown }): StartupError {
  expect(result.ok).toBe(false);
  expect(isStartupError(result.error)).toBe(true);
  return result.error as StartupError;
}

const permanent = Object.assign(new Error('password authentication failed for user "app"'), {
  code: '28P01',
});

describe('Orchestrator: phases and concurrency', () => {
  it('runs phases in order and a phase’s components concurrently, respecting dependsOn', async () => {
    const parts: Record<string, ReturnType<typeof fakeComponent>> = {};
    const { clock, orchestrator, log } = setup((clock, log) => {
      parts.config = fake(clock, log, 'config', { startMs: 5 });
      parts.db = fake(clock, log, 'db', { startMs: 100 });
      parts.cache = fake(clock, log, 'cache', { startMs: 50 });
      parts.migrate = fake(clock, log, 'migrate', { startMs: 10, dependsOn: ['db', 'config'] });
      parts.api = fake(clock, log, 'api', { startMs: 1, dependsOn: ['migrate'] });
      return [
        { name: 'init', components: [parts.config] },
        { name: 'database', components: [parts.migrate, parts.db, parts.cache] },
        { name: 'services', components: [parts.api] },
      ];
    });
    const result = await runUntilSettled(clock, orchestrator.start());
    expect(result.ok).toBe(true);
    expect(Object.fromEntries(Object.entries(parts).map(([k, c]) => [k, c.started[0]!.at]))).toEqual({
      config: 0,
      db: 5,
      cache: 5,
      migrate: 105,
      api: 115,
    });
    expect(log.filter((l) => l.startsWith('ready:'))).toEqual([
      'ready:config',
      'ready:cache',
      'ready:db',
      'ready:migrate',
      'ready:api',
    ]);
    const snapshot = orchestrator.snapshot();
    expect(snapshot).toMatchObject({
      status: 'ready',
      availability: 'FULL',
      startedAt: WALL,
      readyAt: WALL + 116,
      phases: [
        { name: 'init', state: 'done', startedAt: WALL, durationMs: 5 },
        { name: 'database', state: 'done', startedAt: WALL + 5, durationMs: 110 },
        { name: 'services', state: 'done', startedAt: WALL + 115, durationMs: 1 },
      ],
    });
    expect(snapshot.components.map((c) => [c.name, c.state, c.attempts])).toEqual([
      ['config', 'ready', 1],
      ['migrate', 'ready', 1],
      ['db', 'ready', 1],
      ['cache', 'ready', 1],
      ['api', 'ready', 1],
    ]);
    expect(orchestrator.isReady()).toBe(true);
    expect(orchestrator.get<{ name: string }>('db').name).toBe('db');
    expect(orchestrator.start()).toBe(orchestrator.start());
    await orchestrator.stop();
    expect(clock.pending).toBe(0);
  });

  it('gives each phase its share when it starts, so time a phase does not use flows forward', async () => {
    const { clock, orchestrator, events } = setup(
      (clock, log) => [
        { name: 'a', components: [fake(clock, log, 'a', { startMs: 1_000 })] },
        { name: 'b', share: 2, components: [fake(clock, log, 'b', { startMs: 4_000 })] },
        { name: 'c', components: [fake(clock, log, 'c', { startMs: 10 })] },
        { name: 'd', budgetMs: 5_000, components: [fake(clock, log, 'd', { startMs: 10 })] },
      ],
      { budgetMs: 60_000 },
    );
    await runUntilSettled(clock, orchestrator.start());
    const budgets = events.flatMap((e) =>
      e.type === 'phase-start' ? [[e.phase, e.at, e.budgetMs, e.deadline]] : [],
    );
    // 55 s are free of the fixed 5 s; a: 1 of 4 weights; b: 2/3 of what is left; c: the rest; d: fixed.
    expect(budgets).toEqual([
      ['a', 0, 55_000 / 4, 55_000 / 4],
      ['b', 1_000, (54_000 * 2) / 3, 1_000 + 36_000],
      ['c', 5_000, 50_000, 55_000],
      ['d', 5_010, 5_000, 10_010],
    ]);
    await orchestrator.stop();
  });

  it('gives the first attempt a chance in a phase with a small fixed budget (default policy)', async () => {
    const { clock, orchestrator } = setup(
      (clock, log) => [
        {
          name: 'init',
          budgetMs: 300,
          components: [fake(clock, log, 'config', { startMs: 50 })],
        },
      ],
      { budgetMs: 1_000 },
    );
    expect((await runUntilSettled(clock, orchestrator.start())).ok).toBe(true);
    expect(orchestrator.snapshot().components[0]).toMatchObject({ state: 'ready', attempts: 1 });
    await orchestrator.stop();
  });

  it('hands components a context whose deadline never passes the phase deadline', async () => {
    const passThrough: Policy = {
      execute: (fn, options) => {
        const o = options instanceof AbortSignal ? { signal: options } : (options ?? {});
        return Promise.resolve(fn({ signal: o.signal!, deadline: o.deadline ?? Infinity, attempt: 1 }));
      },
    };
    let seen: { deadline: number; remaining: number; attempt: number; phase: string } | undefined;
    const spec: ComponentSpec = {
      name: 'probe',
      policy: passThrough,
      start: async (ctx) => {
        seen = { deadline: ctx.deadline, remaining: ctx.remaining(), attempt: ctx.attempt, phase: ctx.phase };
        return null;
      },
    };
    const { clock, orchestrator } = setup(() => [{ name: 'only', budgetMs: 2_500, components: [spec] }], {
      budgetMs: 10_000,
    });
    await runUntilSettled(clock, orchestrator.start());
    expect(seen).toEqual({ deadline: 2_500, remaining: 2_500, attempt: 1, phase: 'only' });
    await orchestrator.stop();
  });

  it('creates an attempt’s signal only when the component reads it (no AbortController otherwise)', async () => {
    const signalReads = vi.spyOn(TimedAttempt.prototype, 'signal', 'get');
    const seen: AbortSignal[] = [];
    const { clock, orchestrator } = setup(() => [
      {
        name: 'only',
        components: [
          { name: 'blind', start: async (ctx) => ctx.name },
          { name: 'watching', dependsOn: ['blind'], start: async (ctx) => seen.push(ctx.signal) },
        ],
      },
    ]);
    await runUntilSettled(clock, orchestrator.start());
    expect(signalReads).toHaveBeenCalledTimes(1);
    expect(seen[0]?.aborted).toBe(false);
    signalReads.mockRestore();
    await orchestrator.stop();
  });
});

describe('Orchestrator: deterministic failures', () => {
  it('stops retrying at the phase deadline and fails with PHASE_TIMEOUT (exit 3), leaving nothing behind', async () => {
    let db!: ReturnType<typeof fakeComponent>;
    const { clock, orchestrator, log } = setup(
      (clock, log) => {
        db = fake(clock, log, 'db', { startMs: 300, failTimes: Infinity });
        return [
          { name: 'init', budgetMs: 1_000, components: [fake(clock, log, 'config')] },
          { name: 'database', budgetMs: 10_000, components: [db] },
          { name: 'services', components: [fake(clock, log, 'api')] },
        ];
      },
      { budgetMs: 60_000 },
    );
    const error = startupErrorOf(await runUntilSettled(clock, orchestrator.start()));
    expect(error.code).toBe(ErrorCodes.PHASE_TIMEOUT);
    expect(error).toMatchObject({
      phase: 'database',
      component: 'db',
      budgetMs: 60_000,
      classification: 'transient',
    });
    expect(error.attempts).toBe(db.attempts);
    expect(db.attempts).toBeGreaterThan(3);
    expect(db.started.every((s) => s.at + 300 <= 10_000)).toBe(true);
    expect(error.elapsedMs).toBeLessThanOrEqual(10_000);
    expect(exitCodeFor(error)).toBe(3);
    expect(error.message).toMatch(/phase "database".*phase budget of 10000 ms ran out while starting "db"/);
    expect(error.hint).toMatch(/budgetMs or share/);
    expect(db.running).toBe(0);
    expect(clock.pending).toBe(0);
    expect(log.filter((l) => l.startsWith('stop:'))).toEqual(['stop:config']);
    expect(orchestrator.snapshot()).toMatchObject({
      status: 'failed',
      phases: [{ state: 'done' }, { state: 'failed' }, { state: 'skipped', startedAt: null }],
    });
    expect(orchestrator.isReady()).toBe(false);
  });

  it('reports DEADLINE_EXCEEDED when the total budget runs out', async () => {
    const { clock, orchestrator } = setup(
      (clock, log) => [
        { name: 'database', components: [fake(clock, log, 'db', { startMs: 2_000, failTimes: Infinity })] },
      ],
      { budgetMs: 20_000 },
    );
    const error = startupErrorOf(await runUntilSettled(clock, orchestrator.start()));
    expect(error.code).toBe(ErrorCodes.DEADLINE_EXCEEDED);
    expect(error.hint).toMatch(/total startup budget/);
    expect(exitCodeFor(error)).toBe(3);
    expect(clock.pending).toBe(0);
  });

  it('fails at once on a permanent error (exit 78), cancels siblings and stops what started in reverse order', async () => {
    let slow!: ReturnType<typeof fakeComponent>;
    const { clock, orchestrator, log, events } = setup((clock, log) => {
      slow = fake(clock, log, 'slow', { startMs: 5_000 });
      return [
        {
          name: 'init',
          components: [fake(clock, log, 'a'), fake(clock, log, 'b', { dependsOn: ['a'], startMs: 5 })],
        },
        { name: 'database', components: [fake(clock, log, 'c', { startMs: 10 }), slow] },
        {
          name: 'services',
          components: [
            fake(clock, log, 'd', { startMs: 100, failTimes: 1, error: permanent }),
            fake(clock, log, 'e', { startMs: 10_000 }),
          ],
        },
      ];
    });
    const result = await runUntilSettled(clock, orchestrator.start());
    const error = startupErrorOf(result);
    expect(error.code).toBe(ErrorCodes.COMPONENT_FAILED);
    expect(error).toMatchObject({
      phase: 'services',
      component: 'd',
      attempts: 1,
      classification: 'permanent',
    });
    expect(exitCodeFor(error)).toBe(78);
    // The original error is kept intact down the cause chain.
    let cause: unknown = error;
    while (cause !== permanent && cause instanceof Error && cause.cause !== undefined) cause = cause.cause;
    expect(cause).toBe(permanent);
    expect(error.message).toContain('component "d" failed after 1 attempt (permanent)');
    expect(error.hint).toMatch(/settings and credentials/);
    expect(log.filter((l) => l.startsWith('stop:') || l.startsWith('abort:'))).toEqual([
      'abort:e',
      'stop:slow',
      'stop:c',
      'stop:b',
      'stop:a',
    ]);
    expect(slow.stopped).toHaveLength(1);
    const failed = events.filter((e) => e.type === 'component-failed').map((e) => [e.component, e.outcome]);
    expect(failed).toEqual([
      ['d', 'fatal'],
      ['e', 'aborted'],
    ]);
    expect(orchestrator.snapshot().components.find((c) => c.name === 'd')!.lastError).toEqual({
      code: '28P01',
      class: 'permanent',
      message: 'password authentication failed for user "app"',
    });
    expect(clock.pending).toBe(0);
    await orchestrator.stop();
    expect(orchestrator.status).toBe('failed');
  });

  it('skips an optional component that fails, and a critical dependent of it fails with its class', async () => {
    const { clock, orchestrator, events } = setup((clock, log) => [
      {
        name: 'cache',
        components: [fake(clock, log, 'redis', { critical: false, failTimes: Infinity, error: permanent })],
      },
      { name: 'services', components: [fake(clock, log, 'api')] },
    ]);
    expect((await runUntilSettled(clock, orchestrator.start())).ok).toBe(true);
    expect(orchestrator.snapshot()).toMatchObject({ status: 'ready', availability: 'FULL' });
    expect(orchestrator.snapshot().components[0]).toMatchObject({
      name: 'redis',
      state: 'failed',
      critical: false,
    });
    expect(orchestrator.isReady()).toBe(true);
    expect(events.find((e) => e.type === 'component-failed')).toMatchObject({
      outcome: 'skipped',
      critical: false,
    });
    expect(orchestrator.tryGet('redis')).toBeUndefined();
    expect(() => orchestrator.get('redis')).toThrow(/"redis" is not available \(failed\)/);
    expect(() => orchestrator.get('nope')).toThrow(/use one of redis, api/);
    await orchestrator.stop();

    const second = setup((clock, log) => [
      {
        name: 'cache',
        components: [fake(clock, log, 'redis', { critical: false, failTimes: Infinity, error: permanent })],
      },
      { name: 'services', components: [fake(clock, log, 'sessions', { dependsOn: ['redis'] })] },
    ]);
    const error = startupErrorOf(await runUntilSettled(second.clock, second.orchestrator.start()));
    expect(error).toMatchObject({
      code: ErrorCodes.COMPONENT_FAILED,
      component: 'sessions',
      classification: 'permanent',
      attempts: 0,
    });
    expect(error.message).toContain('needs "redis", which is failed');
    expect(exitCodeFor(error)).toBe(78);
  });

  it('maps an unclassified error to internal (exit 1)', async () => {
    const { clock, orchestrator } = setup((clock, log) => [
      {
        name: 'init',
        components: [
          fake(clock, log, 'x', { failTimes: 1, error: new TypeError('undefined is not a function') }),
        ],
      },
    ]);
    const error = startupErrorOf(await runUntilSettled(clock, orchestrator.start()));
    expect(error.classification).toBe('internal');
    expect(exitCodeFor(error)).toBe(1);
    expect(error.hint).toMatch(/unrecognised error/);
  });
});

describe('Orchestrator: cancellation and stop', () => {
  it('an aborted startup rejects with the abort reason, aborts running attempts and leaves no timers', async () => {
    let db!: ReturnType<typeof fakeComponent>;
    let cache!: ReturnType<typeof fakeComponent>;
    const { clock, orchestrator, log } = setup((clock, log) => {
      db = fake(clock, log, 'db', { startMs: 1_000, failTimes: 2 });
      cache = fake(clock, log, 'cache', { startMs: 30_000 });
      return [
        { name: 'init', components: [fake(clock, log, 'config')] },
        { name: 'database', components: [db, cache] },
      ];
    });
    const controller = new AbortController();
    const started = orchestrator.start(controller.signal);
    await clock.advance(1_500);
    const reason = new AbortedError('SIGTERM during startup', 'SIGTERM');
    controller.abort(reason);
    const result = await runUntilSettled(clock, started);
    expect(result).toEqual({ ok: false, error: reason });
    expect(exitCodeFor(reason)).toBe(143);
    expect(db.running + cache.running).toBe(0);
    expect(cache.aborted).toEqual([{ attempt: 1, at: 1_500 }]);
    expect(clock.pending).toBe(0);
    expect(log.filter((l) => l.startsWith('stop:'))).toEqual(['stop:config']);
    expect(orchestrator.status).toBe('stopped');
    expect(orchestrator.timeline.toJSON().outcome).toBe('aborted');
  });

  it('stop() during startup cancels it; stop is idempotent; start after stop is refused', async () => {
    const { clock, orchestrator } = setup((clock, log) => [
      { name: 'database', components: [fake(clock, log, 'db', { startMs: 30_000 })] },
    ]);
    const started = orchestrator.start();
    await clock.advance(10);
    const stopping = orchestrator.stop();
    expect(orchestrator.stop()).toBe(stopping);
    const [result] = await Promise.all([runUntilSettled(clock, started), stopping]);
    expect(result.ok).toBe(false);
    expect((result as { error: Error }).error.message).toBe('Startup was stopped');
    expect(clock.pending).toBe(0);
    expect(orchestrator.status).toBe('stopped');

    const never = setup(() => [{ name: 'a', components: [{ name: 'a', start: async () => 1 }] }]);
    await never.orchestrator.stop();
    await expect(never.orchestrator.start()).rejects.toThrow(/stopped before it started/);
  });

  it('stops in reverse order of coming up, bounding a stop that hangs', async () => {
    const { clock, orchestrator, log, events } = setup(
      (clock, log) => [
        { name: 'one', components: [fake(clock, log, 'a'), fake(clock, log, 'b', { stopMs: Infinity })] },
        {
          name: 'two',
          components: [fake(clock, log, 'c', { stopMs: 100 }), fake(clock, log, 'd', { withStop: false })],
        },
      ],
      { stopTimeoutMs: 2_000 },
    );
    await runUntilSettled(clock, orchestrator.start());
    const stopping = orchestrator.stop();
    expect(orchestrator.status).toBe('draining');
    const result = await runUntilSettled(clock, stopping);
    expect(result.ok).toBe(true);
    expect(orchestrator[Symbol.asyncDispose]()).toBe(stopping);
    expect(log.filter((l) => l.startsWith('stop:'))).toEqual(['stop:c', 'stop:b', 'stop:a']);
    const stops = events.flatMap((e) =>
      e.type === 'component-stop' ? [[e.component, e.outcome, e.durationMs]] : [],
    );
    expect(stops).toEqual([
      ['c', 'ok', 100],
      ['b', 'timeout', 2_000],
      ['a', 'ok', 0],
    ]);
    expect(orchestrator.snapshot().status).toBe('stopped');
    expect(orchestrator.snapshot().components.map((c) => c.state)).toEqual([
      'stopped',
      'stopped',
      'stopped',
      'stopped',
    ]);
    expect(clock.pending).toBe(0);
  });

  it('stops a handle that arrives after its start was given up', async () => {
    let stubborn!: ReturnType<typeof fakeComponent>;
    const { clock, orchestrator } = setup(
      (clock, log) => {
        stubborn = fake(clock, log, 'stubborn', { startMs: 5_000, ignoreSignal: true, critical: false });
        return [{ name: 'a', budgetMs: 1_000, components: [stubborn] }];
      },
      { budgetMs: 2_000 },
    );
    const result = await runUntilSettled(clock, orchestrator.start());
    expect(result.ok).toBe(true);
    expect(orchestrator.snapshot().components[0]!.state).toBe('failed');
    await clock.advance(5_000);
    expect(stubborn.stopped).toEqual([{ name: 'stubborn', attempt: 1 }]);
    await orchestrator.stop();
    expect(clock.pending).toBe(0);
  });
});

describe('Orchestrator: options', () => {
  it('rejects bad options and phase budgets over the total with a ConfigError naming the path', () => {
    const plan = {
      phases: [{ name: 'a', budgetMs: 5_000, components: [{ name: 'x', start: async () => 1 }] }],
    };
    const pathOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        return isConfigError(error) ? error.path : 'not a ConfigError';
      }
      return undefined;
    };
    expect(pathOf(() => createOrchestrator(plan, { budgetMs: 1_000 }))).toBe('phases[0].budgetMs');
    expect(pathOf(() => createOrchestrator(plan, { budgetMs: -1 }))).toBe('options.budgetMs');
    expect(pathOf(() => createOrchestrator(plan, { budgetMs: NaN }))).toBe('options.budgetMs');
    expect(pathOf(() => createOrchestrator(plan, { stopTimeoutMs: Infinity }))).toBe('options.stopTimeoutMs');
    expect(pathOf(() => createOrchestrator(plan, { mode: 'fast' as never }))).toBe('options.mode');
    expect(pathOf(() => createOrchestrator(plan, { clock: {} as never }))).toBe('options.clock');
    expect(pathOf(() => createOrchestrator(plan, { classify: 3 as never }))).toBe('options.classify');
    expect(pathOf(() => createOrchestrator(plan, { recoveryBackoff: {} as never }))).toBe(
      'options.recoveryBackoff',
    );
    expect(pathOf(() => createOrchestrator(plan, { onWaterfall: 'yes' as never }))).toBe(
      'options.onWaterfall',
    );
    expect(pathOf(() => createOrchestrator(plan, { recordTimeline: 'no' as never }))).toBe(
      'options.recordTimeline',
    );
    // The waterfall is drawn from the timeline: asking for it without one is a mistake.
    expect(
      pathOf(() => createOrchestrator(plan, { recordTimeline: false, onWaterfall: () => undefined })),
    ).toBe('options.onWaterfall');
    expect(pathOf(() => createOrchestrator(plan, { recordTimeline: false }))).toBeUndefined();
    expect(pathOf(() => createOrchestrator(plan, { budgetMs: Infinity }))).toBeUndefined();
  });
});
