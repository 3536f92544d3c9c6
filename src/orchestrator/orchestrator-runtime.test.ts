import { describe, expect, it, vi } from 'vitest';
import { ErrorCodes } from '../errors/codes.js';
import { exitCodeFor } from '../errors/exit-codes.js';
import { isStartupError } from '../errors/startup-error.js';
import type { Policy } from '../policies/policy.js';
import type { FakeClock } from '../testing/fake-clock.js';
import {
  fakeComponent,
  type FakeComponent,
  type FakeComponentOptionsInput,
} from '../testing/fake-component.js';
import { runUntilSettled } from '../testing/run-until-settled.js';
import type { ComponentSpec } from './component.js';
import type { OrchestratorOptionsInput } from './orchestrator-options.js';
import type { OrchestratorEvent } from './orchestrator-events.js';
import type { PhaseInput } from './plan.js';
import { orchestratorFixture } from './test-fixtures.js';

function setup(phases: (clock: FakeClock) => PhaseInput[], options: OrchestratorOptionsInput = {}) {
  const { clock, orchestrator } = orchestratorFixture(phases, options);
  const events: OrchestratorEvent[] = [];
  orchestrator.onEvent((e) => events.push(e));
  return { clock, orchestrator, events };
}

const fake = (clock: FakeClock, name: string, extra: Partial<FakeComponentOptionsInput> = {}) =>
  fakeComponent({ name, clock, ...extra });

const stateOf = (snapshot: { components: readonly { name: string; state: string }[] }) =>
  Object.fromEntries(snapshot.components.map((c) => [c.name, c.state]));

describe('Orchestrator: graceful mode', () => {
  it('starts degraded without a degradable component, recovers it in the background, and raises availability', async () => {
    let redis!: FakeComponent;
    let sessions!: FakeComponent;
    const { clock, orchestrator, events } = setup(
      (clock) => {
        redis = fake(clock, 'redis', { degradable: true, failTimes: Infinity, startMs: 10 });
        sessions = fake(clock, 'sessions', { degradable: true, degradesTo: 'MINIMAL', dependsOn: ['redis'] });
        return [
          { name: 'database', components: [fake(clock, 'db')] },
          { name: 'cache', budgetMs: 3_000, components: [redis] },
          { name: 'services', components: [sessions, fake(clock, 'api', { dependsOn: ['db'] })] },
        ];
      },
      { mode: 'graceful' },
    );
    const result = await runUntilSettled(clock, orchestrator.start());
    expect(result.ok).toBe(true);
    expect(orchestrator.snapshot()).toMatchObject({ status: 'degraded', availability: 'MINIMAL' });
    expect(stateOf(orchestrator.snapshot())).toEqual({
      db: 'ready',
      redis: 'degraded',
      sessions: 'degraded',
      api: 'ready',
    });
    expect(sessions.attempts).toBe(0);
    expect(orchestrator.isReady()).toBe(false);
    expect(orchestrator.isReady({ degradedIsReady: true })).toBe(true);
    expect(orchestrator.tryGet('redis')).toBeUndefined();
    expect(events.filter((e) => e.type === 'component-degraded').map((e) => e.component)).toEqual([
      'redis',
      'sessions',
    ]);

    // Still down: recovery keeps trying on the clock, dependents wait for their dependency.
    await clock.advance(5_000);
    expect(orchestrator.availability).toBe('MINIMAL');
    expect(sessions.attempts).toBe(0);
    const recoveries = events.filter((e) => e.type === 'component-attempt' && e.recovery).length;
    expect(recoveries).toBeGreaterThan(0);

    // It comes back: within one backoff step of its policy (at most 10 s), then its dependent.
    redis.remainingFailures = 0;
    await clock.advance(12_000);
    expect(orchestrator.snapshot()).toMatchObject({ status: 'ready', availability: 'FULL' });
    expect(stateOf(orchestrator.snapshot())).toEqual({
      db: 'ready',
      redis: 'ready',
      sessions: 'ready',
      api: 'ready',
    });
    expect(orchestrator.isReady()).toBe(true);
    expect(orchestrator.get<{ name: string }>('redis').name).toBe('redis');
    expect(events.filter((e) => e.type === 'component-recovered').map((e) => e.component)).toEqual([
      'redis',
      'sessions',
    ]);
    const availability = events.flatMap((e) =>
      e.type === 'availability-change' ? [`${e.from}->${e.to}`] : [],
    );
    // Nothing is served while starting: UNAVAILABLE until startup ends (here at MINIMAL).
    expect(availability).toEqual(['UNAVAILABLE->MINIMAL', 'MINIMAL->FULL']);
    const status = events.flatMap((e) => (e.type === 'status-change' ? [`${e.from}->${e.to}`] : []));
    expect(status).toEqual(['starting->degraded', 'degraded->ready']);

    await orchestrator.stop();
    // Recovered components joined the stop order after the others.
    expect(events.flatMap((e) => (e.type === 'component-stop' ? [e.component] : []))).toEqual([
      'sessions',
      'redis',
      'api',
      'db',
    ]);
    expect(clock.pending).toBe(0);
  });

  it('stop cancels background recovery and leaves nothing running', async () => {
    let redis!: FakeComponent;
    const { clock, orchestrator } = setup(
      (clock) => {
        redis = fake(clock, 'redis', { degradable: true, failTimes: Infinity, startMs: 500 });
        return [{ name: 'cache', components: [redis] }];
      },
      { mode: 'graceful', budgetMs: 5_000 },
    );
    await runUntilSettled(clock, orchestrator.start());
    expect(orchestrator.status).toBe('degraded');
    await clock.advance(1_200);
    expect(redis.running).toBe(1);
    await orchestrator.stop();
    expect(redis.running).toBe(0);
    expect(redis.aborted.length).toBeGreaterThan(0);
    expect(clock.pending).toBe(0);
    expect(stateOf(orchestrator.snapshot())).toEqual({ redis: 'stopped' });
    expect(orchestrator.status).toBe('stopped');
  });

  it('a critical, non-degradable failure still aborts startup', async () => {
    const { clock, orchestrator } = setup(
      (clock) => [
        {
          name: 'database',
          components: [
            fake(clock, 'db', {
              failTimes: Infinity,
              error: Object.assign(new Error('no such database'), { code: '3D000' }),
            }),
            fake(clock, 'redis', { degradable: true, failTimes: Infinity }),
          ],
        },
      ],
      { mode: 'graceful' },
    );
    const result = await runUntilSettled(clock, orchestrator.start());
    expect(result.ok).toBe(false);
    expect(isStartupError(result.ok ? undefined : result.error)).toBe(true);
    const error = (result as { error: { code: string; component: string } }).error;
    expect(error).toMatchObject({ code: ErrorCodes.COMPONENT_FAILED, component: 'db' });
    expect(exitCodeFor(error)).toBe(78);
    expect(clock.pending).toBe(0);
  });

  it('ignores degradable in deterministic mode', async () => {
    const { clock, orchestrator } = setup(
      (clock) => [
        { name: 'cache', components: [fake(clock, 'redis', { degradable: true, failTimes: Infinity })] },
      ],
      { budgetMs: 3_000 },
    );
    const result = await runUntilSettled(clock, orchestrator.start());
    expect(result.ok).toBe(false);
    expect(clock.pending).toBe(0);
  });
});

describe('Orchestrator: availability is what the service serves', () => {
  it('UNAVAILABLE while starting and after a failed start; FULL once ready', async () => {
    const ok = setup((clock) => [{ name: 'database', components: [fake(clock, 'db', { startMs: 100 })] }]);
    const started = ok.orchestrator.start();
    expect(ok.orchestrator.snapshot()).toMatchObject({ status: 'starting', availability: 'UNAVAILABLE' });
    expect((await runUntilSettled(ok.clock, started)).ok).toBe(true);
    expect(ok.orchestrator.snapshot()).toMatchObject({ status: 'ready', availability: 'FULL' });
    const end = ok.events.find((e) => e.type === 'startup-end');
    expect(end).toMatchObject({ outcome: 'ready', availability: 'FULL' });
    await ok.orchestrator.stop();
    expect(ok.orchestrator.availability).toBe('UNAVAILABLE');

    const failing = setup((clock) => [
      { name: 'init', components: [fake(clock, 'config')] },
      { name: 'database', components: [fake(clock, 'db', { failTimes: Infinity, error: new Error('x') })] },
    ]);
    const statusWhileStopping: string[] = [];
    failing.orchestrator.onEvent((e) => {
      if (e.type === 'component-stop') statusWhileStopping.push(failing.orchestrator.status);
    });
    expect((await runUntilSettled(failing.clock, failing.orchestrator.start())).ok).toBe(false);
    expect(statusWhileStopping).toEqual(['failed']); // `config` is stopped after startup gave up
    expect(failing.orchestrator.snapshot()).toMatchObject({ status: 'failed', availability: 'UNAVAILABLE' });
    // Failed as soon as startup gave up, also while what started is stopped.
    const statuses = failing.events.flatMap((e) =>
      e.type === 'status-change' ? [`${e.from}->${e.to}`] : [],
    );
    expect(statuses).toEqual(['starting->failed']);
    expect(failing.events.find((e) => e.type === 'startup-end')).toMatchObject({
      outcome: 'failed',
      availability: 'UNAVAILABLE',
    });
  });
});

describe('Orchestrator: deterministic mode ignores degradable', () => {
  it('skips a failing optional degradable component: ready, FULL, not degraded, no recovery', async () => {
    let redis!: FakeComponent;
    const { clock, orchestrator, events } = setup((clock) => {
      redis = fake(clock, 'redis', { critical: false, degradable: true, failTimes: Infinity });
      return [
        { name: 'database', components: [fake(clock, 'db')] },
        { name: 'cache', budgetMs: 3_000, components: [redis] },
      ];
    });
    const result = await runUntilSettled(clock, orchestrator.start());
    expect(result.ok).toBe(true);
    expect(orchestrator.snapshot()).toMatchObject({ status: 'ready', availability: 'FULL' });
    expect(stateOf(orchestrator.snapshot())).toEqual({ db: 'ready', redis: 'failed' });
    expect(orchestrator.isReady()).toBe(true);
    expect(events.some((e) => e.type === 'component-degraded')).toBe(false);
    const attempts = redis.attempts;
    await clock.advance(60_000);
    expect(redis.attempts).toBe(attempts); // no background recovery in deterministic mode
    await orchestrator.stop();
  });
});

describe('Orchestrator: health checks after start', () => {
  it('a failing check makes a critical component unhealthy and readiness false, until it passes again', async () => {
    let db!: FakeComponent;
    const { clock, orchestrator, events } = setup(
      (clock) => {
        db = fake(clock, 'db', { withCheck: true });
        return [
          { name: 'database', components: [db, fake(clock, 'cache', { withCheck: true, critical: false })] },
        ];
      },
      { checkIntervalMs: 1_000 },
    );
    await runUntilSettled(clock, orchestrator.start());
    expect(clock.pendingTimes).toEqual([1_000]);
    expect(orchestrator.isReady()).toBe(true);

    db.healthy = false;
    await clock.advance(1_000);
    expect(stateOf(orchestrator.snapshot()).db).toBe('unhealthy');
    expect(orchestrator.isReady()).toBe(false);
    expect(orchestrator.snapshot()).toMatchObject({ status: 'degraded', availability: 'UNAVAILABLE' });
    expect(orchestrator.snapshot().components[0]!.lastError).toMatchObject({
      message: 'health check of "db" returned false',
    });
    // The handle stays usable while unhealthy.
    expect(orchestrator.get<{ name: string }>('db').name).toBe('db');

    db.healthy = new Error('connection terminated unexpectedly');
    await clock.advance(1_000);
    expect(events.filter((e) => e.type === 'component-unhealthy')).toHaveLength(1);

    db.healthy = true;
    await clock.advance(1_000);
    expect(stateOf(orchestrator.snapshot()).db).toBe('ready');
    expect(orchestrator.isReady()).toBe(true);
    expect(orchestrator.snapshot()).toMatchObject({ status: 'ready', availability: 'FULL' });
    expect(events.filter((e) => e.type === 'component-healthy').map((e) => e.component)).toEqual(['db']);

    await orchestrator.stop();
    expect(clock.pending).toBe(0);
  });

  it('a check that hangs times out; checkNow runs a round at once; stop cancels a round in flight', async () => {
    let answer: 'hang' | 'ok' = 'ok';
    const spec: ComponentSpec<string> = {
      name: 'ws',
      start: async () => 'listener',
      check: (_handle, { signal }) =>
        answer === 'ok'
          ? true
          : new Promise<boolean>((_resolve, reject) =>
              signal.addEventListener('abort', () => reject(signal.reason)),
            ),
    };
    const { clock, orchestrator, events } = setup(() => [{ name: 'websocket', components: [spec] }], {
      checkIntervalMs: 10_000,
      checkTimeoutMs: 500,
    });
    await runUntilSettled(clock, orchestrator.start());
    answer = 'hang';
    const round = orchestrator.checkNow();
    await clock.advance(500);
    await round;
    expect(stateOf(orchestrator.snapshot()).ws).toBe('unhealthy');
    expect(events.find((e) => e.type === 'component-unhealthy')).toMatchObject({ component: 'ws' });
    expect(orchestrator.snapshot().components[0]!.lastError).toMatchObject({
      code: ErrorCodes.ATTEMPT_TIMEOUT,
    });

    await clock.advance(9_600); // the scheduled round (at 10 s) starts and hangs
    const stopping = orchestrator.stop();
    await runUntilSettled(clock, stopping);
    expect(clock.pending).toBe(0);
  });

  it('schedules nothing when no component has a check, or checks are off', async () => {
    const { clock, orchestrator } = setup((clock) => [{ name: 'a', components: [fake(clock, 'a')] }]);
    await runUntilSettled(clock, orchestrator.start());
    expect(clock.pending).toBe(0);
    const off = setup((clock) => [{ name: 'a', components: [fake(clock, 'a', { withCheck: true })] }], {
      checkIntervalMs: Infinity,
    });
    await runUntilSettled(off.clock, off.orchestrator.start());
    expect(off.clock.pending).toBe(0);
  });
});

describe('Orchestrator: events and snapshot', () => {
  it('typed listeners per event type, disposable', async () => {
    const phases: string[] = [];
    const { clock, orchestrator } = setup((clock) => [
      { name: 'a', components: [fake(clock, 'a')] },
      { name: 'b', components: [fake(clock, 'b')] },
    ]);
    const sub = orchestrator.on('phase-start', (e) => {
      phases.push(`${e.phase}:${e.budgetMs}`);
      if (e.phase === 'a') sub.dispose();
    });
    const ready: string[] = [];
    orchestrator.on('component-ready', (e) => ready.push(`${e.component}#${e.attempts}`));
    await runUntilSettled(clock, orchestrator.start());
    expect(phases).toEqual(['a:30000']);
    expect(ready).toEqual(['a#1', 'b#1']);
    await orchestrator.stop();
  });

  it('reports breaker state, pool and admission from the component, and redacts errors', async () => {
    let breakerState = 'closed';
    let calls = 0;
    const policy: Policy & { readonly state: string } = {
      get state() {
        return breakerState;
      },
      execute: async (fn, options) => {
        const o = options instanceof AbortSignal ? { signal: options } : (options ?? {});
        for (let attempt = 1; ; attempt++) {
          try {
            return await fn({ signal: o.signal!, deadline: o.deadline ?? Infinity, attempt });
          } catch (error) {
            if (attempt >= 2) throw error;
            breakerState = 'half-open';
          }
        }
      },
    };
    const spec: ComponentSpec = {
      name: 'postgres',
      policy,
      start: async (ctx) => {
        calls++;
        ctx.mark('admission-wait', {
          waitedMs: 1_200,
          backend: 'local',
          url: 'postgres://app:hunter2@db/app',
        });
        ctx.report({
          admission: { backend: 'local', waitedMs: 1_200 },
          pool: { open: 2, target: 10, max: 20 },
        });
        if (calls === 1) throw new Error('connect to postgres://app:hunter2@db:5432/app failed: ECONNRESET');
        return 'pool';
      },
    };
    const { clock, orchestrator } = setup(() => [{ name: 'database', components: [spec] }]);
    await runUntilSettled(clock, orchestrator.start());
    const snapshot = orchestrator.snapshot();
    expect(snapshot.components[0]).toEqual({
      name: 'postgres',
      phase: 'database',
      critical: true,
      state: 'ready',
      attempts: 2,
      lastError: {
        code: 'Error',
        class: 'internal',
        message: 'connect to postgres://app:***@db:5432/app failed: ECONNRESET',
      },
      breaker: 'half-open',
      pool: { open: 2, target: 10, max: 20 },
    });
    expect(snapshot.admission).toEqual({ backend: 'local', waitedMs: 1_200 });
    expect(JSON.stringify(snapshot)).not.toContain('hunter2');
    expect(JSON.stringify(orchestrator.timeline.toJSON())).not.toContain('hunter2');
    await orchestrator.stop();
  });

  it('prints the waterfall once when startup ends, and a throwing printer does not break startup', async () => {
    const printed: string[] = [];
    const { clock, orchestrator } = setup(
      (clock) => [{ name: 'a', components: [fake(clock, 'a', { startMs: 20 })] }],
      {
        onWaterfall: (text) => printed.push(text),
      },
    );
    await runUntilSettled(clock, orchestrator.start());
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/READY in 20 ms \(availability FULL\)$/);

    const throwing = setup((clock) => [{ name: 'a', components: [fake(clock, 'a')] }], {
      onWaterfall: () => {
        throw new Error('logger down');
      },
    });
    const rethrown: unknown[] = [];
    vi.spyOn(globalThis, 'queueMicrotask').mockImplementationOnce((callback) => {
      try {
        callback();
      } catch (error) {
        rethrown.push(error);
      }
    });
    expect((await runUntilSettled(throwing.clock, throwing.orchestrator.start())).ok).toBe(true);
    vi.restoreAllMocks();
    expect(rethrown).toEqual([new Error('logger down')]);
  });
});
