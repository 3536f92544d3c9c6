import { describe, expect, it } from 'vitest';
import { circuitBreaker, consecutiveBreaker, wrap } from '../policies/index.js';
import type { Policy } from '../policies/policy.js';
import type { FakeClock } from '../testing/fake-clock.js';
import { fakeComponent, type FakeComponent } from '../testing/fake-component.js';
import { runUntilSettled } from '../testing/run-until-settled.js';
import { buildSnapshot } from './build-snapshot.js';
import type { Orchestrator } from './orchestrator.js';
import type { OrchestratorOptionsInput } from './orchestrator-options.js';
import type { PhaseInput } from './plan.js';
import { WALL, orchestratorFixture } from './test-fixtures.js';
import type { StartupSnapshot } from './snapshot.js';

function setup(phases: (clock: FakeClock) => PhaseInput[], options: OrchestratorOptionsInput = {}) {
  const { clock, orchestrator } = orchestratorFixture(phases, options, 5);
  return { clock, orchestrator, probe: prober(orchestrator) };
}

/** What an uncached snapshot would show now. */
const truth = (orchestrator: Orchestrator): StartupSnapshot => buildSnapshot(orchestrator['core']);

/**
 * Takes snapshots as a probe would: `changed()` expects a new object that matches an uncached build
 * (the cache was invalidated), `unchanged()` the very same object as last time.
 */
function prober(orchestrator: Orchestrator) {
  let last = orchestrator.snapshot();
  return {
    changed(): StartupSnapshot {
      const now = orchestrator.snapshot();
      expect(now).not.toBe(last);
      expect(now).toEqual(truth(orchestrator));
      last = now;
      return now;
    },
    unchanged(): StartupSnapshot {
      expect(orchestrator.snapshot()).toBe(last);
      expect(last).toEqual(truth(orchestrator));
      return last;
    },
  };
}

const component = (snapshot: StartupSnapshot, name: string) =>
  snapshot.components.find((c) => c.name === name)!;

describe('Orchestrator.snapshot() cache', () => {
  it('returns the same frozen object while nothing changes, and never changes a snapshot handed out', async () => {
    const { clock, orchestrator, probe } = setup((clock) => [
      { name: 'database', components: [fakeComponent({ name: 'db', clock, startMs: 100 })] },
    ]);
    const before = probe.unchanged();
    await runUntilSettled(clock, orchestrator.start());
    const ready = probe.changed();
    expect(before).toMatchObject({ status: 'starting', startedAt: null });
    expect(before.phases[0]!.state).toBe('pending');
    expect(ready).toMatchObject({ status: 'ready', startedAt: WALL, readyAt: WALL + 100 });

    await clock.advance(60_000); // time passing alone changes nothing shown
    probe.unchanged();
    expect(Object.isFrozen(ready)).toBe(true);
    expect(Object.isFrozen(ready.phases)).toBe(true);
    expect(Object.isFrozen(ready.phases[0])).toBe(true);
    expect(Object.isFrozen(ready.components)).toBe(true);
    expect(Object.isFrozen(ready.components[0])).toBe(true);
    await orchestrator.stop();
    expect(ready.status).toBe('ready');
    expect(probe.changed().status).toBe('stopped');
  });

  it('matches an uncached build after every event and every clock step, through startup, degrade, recovery and stop', async () => {
    let redis!: FakeComponent;
    const { clock, orchestrator } = setup(
      (clock) => {
        redis = fakeComponent({ name: 'redis', clock, degradable: true, failTimes: 4, startMs: 30 });
        return [
          { name: 'init', components: [fakeComponent({ name: 'config', clock, startMs: 10 })] },
          { name: 'database', components: [fakeComponent({ name: 'db', clock, failTimes: 2, startMs: 50 })] },
          { name: 'cache', budgetMs: 1_000, components: [redis] },
          {
            name: 'services',
            components: [fakeComponent({ name: 'api', clock, withCheck: true, startMs: 20 })],
          },
        ];
      },
      { mode: 'graceful', checkIntervalMs: 500 },
    );
    // Listeners must not throw (the emitter would only rethrow later): collect, compare at the end.
    const cached: unknown[] = [];
    const built: unknown[] = [];
    orchestrator.onEvent((event) => {
      cached.push([event.type, orchestrator.snapshot()]);
      built.push([event.type, truth(orchestrator)]);
    });
    const started = orchestrator.start();
    for (let t = 0; t < 30_000; t += 25) {
      await clock.advance(25);
      expect(orchestrator.snapshot()).toEqual(truth(orchestrator));
    }
    await started;
    expect(orchestrator.snapshot()).toMatchObject({ status: 'ready', availability: 'FULL' });
    expect(redis.attempts).toBe(5);
    const stopping = orchestrator.stop();
    await runUntilSettled(clock, stopping);
    expect(orchestrator.snapshot()).toEqual(truth(orchestrator));
    expect(orchestrator.snapshot().status).toBe('stopped');
    expect(cached.length).toBeGreaterThan(20);
    expect(cached).toEqual(built);
  });

  it('sees each kind of change: phase, status, start and ready times, component state, attempts and last error', async () => {
    let db!: FakeComponent;
    const { clock, orchestrator, probe } = setup((clock) => {
      db = fakeComponent({ name: 'db', clock, failTimes: 1, startMs: 100 });
      return [{ name: 'database', components: [db] }];
    });
    const started = orchestrator.start();
    await clock.advance(0);
    let s = probe.changed(); // startedAt, phase running, component starting, attempt 1
    expect(s.startedAt).toBe(WALL);
    expect(s.phases[0]).toMatchObject({ state: 'running', startedAt: WALL });
    expect(component(s, 'db')).toMatchObject({ state: 'starting', attempts: 1, lastError: null });
    probe.unchanged();

    await clock.advance(100); // attempt 1 fails
    s = probe.changed();
    expect(component(s, 'db')).toMatchObject({ attempts: 1, lastError: { code: 'ECONNREFUSED' } });

    await runUntilSettled(clock, started);
    s = probe.changed();
    expect(s).toMatchObject({ status: 'ready', readyAt: expect.any(Number) as number });
    expect(s.phases[0]).toMatchObject({ state: 'done', durationMs: expect.any(Number) as number });
    expect(component(s, 'db')).toMatchObject({ state: 'ready', attempts: 2 });
    probe.unchanged();
    await orchestrator.stop();
  });

  it('sees a component state change alone (starting, before its policy makes the first attempt)', async () => {
    const { clock, orchestrator, probe } = setup((clock) => {
      const slowPolicy: Policy = {
        execute: async (fn, options) => {
          await clock.sleep(50); // e.g. waiting for admission before the first attempt
          return wrap().execute(fn, options);
        },
      };
      return [
        {
          name: 'database',
          components: [
            fakeComponent({ name: 'db', clock, startMs: 100 }),
            fakeComponent({ name: 'migrate', clock, dependsOn: ['db'], policy: slowPolicy }),
          ],
        },
      ];
    });
    const atReady: string[] = [];
    orchestrator.on('component-ready', (e) => {
      if (e.component === 'db') atReady.push(component(orchestrator.snapshot(), 'migrate').state);
    });
    const started = orchestrator.start();
    await clock.advance(100);
    expect(atReady).toEqual(['pending']);
    expect(component(probe.changed(), 'migrate')).toMatchObject({ state: 'starting', attempts: 0 });
    await runUntilSettled(clock, started);
    await orchestrator.stop();
  });

  it('sees a health check turning a component unhealthy and back (state, availability, status, error)', async () => {
    let db!: FakeComponent;
    const { clock, orchestrator, probe } = setup(
      (clock) => {
        db = fakeComponent({ name: 'db', clock, withCheck: true });
        return [{ name: 'database', components: [db] }];
      },
      { checkIntervalMs: 1_000 },
    );
    await runUntilSettled(clock, orchestrator.start());
    probe.changed();
    db.healthy = false;
    await clock.advance(1_000);
    const down = probe.changed();
    expect(down).toMatchObject({ status: 'degraded', availability: 'UNAVAILABLE' });
    expect(component(down, 'db').state).toBe('unhealthy');
    db.healthy = true;
    await clock.advance(1_000);
    expect(probe.changed()).toMatchObject({ status: 'ready', availability: 'FULL' });
    await orchestrator.stop();
  });

  it('sees pool and admission reports, which emit no event', async () => {
    let db!: FakeComponent;
    const { clock, orchestrator, probe } = setup((clock) => {
      db = fakeComponent({ name: 'db', clock });
      return [{ name: 'database', components: [db] }];
    });
    await runUntilSettled(clock, orchestrator.start());
    probe.changed();
    db.contexts[0]!.report({ pool: { open: 2, target: 10, max: 20 } });
    expect(component(probe.changed(), 'db').pool).toEqual({ open: 2, target: 10, max: 20 });
    db.contexts[0]!.report({ pool: { open: 5, target: 10, max: 20 } });
    expect(component(probe.changed(), 'db').pool!.open).toBe(5);
    db.contexts[0]!.report({ admission: { backend: 'local', waitedMs: 1_200 } });
    expect(probe.changed().admission).toEqual({ backend: 'local', waitedMs: 1_200 });
    probe.unchanged();
    await orchestrator.stop();
  });

  it('sees a breaker state change alone, on the policy or nested in a wrap', async () => {
    const breaker = (): Policy & { breakerState: string } => ({
      breakerState: 'closed',
      execute: async (fn, options) => {
        const signal = options instanceof AbortSignal ? options : options?.signal;
        return fn({ signal: signal ?? new AbortController().signal, deadline: Infinity, attempt: 1 });
      },
    });
    const own = breaker();
    const nested = breaker();
    const { clock, orchestrator, probe } = setup((clock) => [
      {
        name: 'database',
        components: [
          fakeComponent({ name: 'a', clock, policy: own }),
          fakeComponent({ name: 'b', clock, policy: wrap(constantRetryLike(), nested) }),
        ],
      },
    ]);
    await runUntilSettled(clock, orchestrator.start());
    expect(component(probe.changed(), 'b').breaker).toBe('closed');
    own.breakerState = 'open';
    expect(component(probe.changed(), 'a').breaker).toBe('open');
    nested.breakerState = 'half-open';
    expect(component(probe.changed(), 'b').breaker).toBe('half-open');
    probe.unchanged();
    await orchestrator.stop();
  });

  it('sees a real breaker opening after the attempt’s end event; a recovery round the open breaker rejects changes nothing shown', async () => {
    const { clock, orchestrator, probe } = setup(
      (clock) => [
        {
          name: 'cache',
          components: [
            fakeComponent({
              name: 'redis',
              clock,
              degradable: true,
              failTimes: Infinity,
              policy: wrap(
                circuitBreaker({ clock, breaker: consecutiveBreaker(1), halfOpenAfterMs: 60_000 }),
              ),
            }),
          ],
        },
      ],
      { mode: 'graceful' },
    );
    const seen: string[] = [];
    orchestrator.on('component-attempt-end', () => {
      // Taken before the breaker has counted the failure: cached now, it must not stick.
      seen.push(String(component(orchestrator.snapshot(), 'redis').breaker));
    });
    await runUntilSettled(clock, orchestrator.start());
    expect(seen).toEqual(['closed']);
    const degraded = probe.changed();
    expect(component(degraded, 'redis')).toMatchObject({ state: 'degraded', breaker: 'open' });
    await clock.advance(1_000); // a recovery round: the open breaker rejects it without an attempt
    // Its BreakerOpenError only restates the failure that opened the breaker (its cause), which
    // stays the last error; the breaker field already says it is open.
    expect(component(probe.unchanged(), 'redis').lastError!.code).toBe('ECONNREFUSED');
    await orchestrator.stop();
  });

  it('sees states set after their event on stop: stopping, stopped, and a degraded component stopped silently', async () => {
    const { clock, orchestrator, probe } = setup(
      (clock) => [
        { name: 'database', components: [fakeComponent({ name: 'db', clock, stopMs: 100 })] },
        {
          name: 'cache',
          components: [fakeComponent({ name: 'redis', clock, degradable: true, failTimes: Infinity })],
        },
      ],
      { mode: 'graceful', budgetMs: 5_000 },
    );
    await runUntilSettled(clock, orchestrator.start());
    expect(component(probe.changed(), 'redis').state).toBe('degraded');
    const atStopEvent: string[] = [];
    orchestrator.on('component-stop', () => atStopEvent.push(component(orchestrator.snapshot(), 'db').state));
    await runUntilSettled(clock, orchestrator.stop());
    expect(atStopEvent).toEqual(['stopping']);
    const stopped = probe.changed();
    expect(stopped.status).toBe('stopped');
    expect(stopped.components.map((c) => [c.name, c.state])).toEqual([
      ['db', 'stopped'],
      ['redis', 'stopped'],
    ]);
  });

  it('shows phases skipped as soon as a failed startup marks them, before the cleanup ends', async () => {
    const { clock, orchestrator } = setup((clock) => [
      { name: 'database', components: [fakeComponent({ name: 'db', clock, stopMs: 100 })] },
      {
        name: 'cache',
        components: [fakeComponent({ name: 'redis', clock, failTimes: Infinity, error: permanentError() })],
      },
      { name: 'services', components: [fakeComponent({ name: 'api', clock })] },
    ]);
    const during: string[][] = [];
    orchestrator.on('component-stop', () => during.push(orchestrator.snapshot().phases.map((p) => p.state)));
    const result = await runUntilSettled(clock, orchestrator.start());
    expect(result.ok).toBe(false);
    expect(during).toEqual([['done', 'failed', 'skipped']]);
    expect(orchestrator.snapshot().status).toBe('failed');
  });
});

/** A pass-through policy without a breaker, to nest a breaker inside a wrap. */
function constantRetryLike(): Policy {
  return { execute: async (fn, options) => wrap().execute(fn, options) };
}

function permanentError(): Error {
  return Object.assign(new Error('password authentication failed for user "app"'), { code: '28P01' });
}
