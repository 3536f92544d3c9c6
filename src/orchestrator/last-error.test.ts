import { describe, expect, it } from 'vitest';
import { isStartupError } from '../errors/startup-error.js';
import type { ComponentSpec } from './component.js';
import {
  circuitBreaker,
  consecutiveBreaker,
  constantBackoff,
  retry,
  timeout,
  wrap,
} from '../policies/index.js';
import type { FakeClock } from '../testing/fake-clock.js';
import { fakeComponent, type FakeComponent } from '../testing/fake-component.js';
import { runUntilSettled } from '../testing/run-until-settled.js';
import { orchestratorFixture } from './test-fixtures.js';

/** What `/health` shows as the last error of a component. */
const lastErrorOf = (orchestrator: ReturnType<typeof orchestratorFixture>['orchestrator'], name: string) =>
  orchestrator.snapshot().components.find((c) => c.name === name)?.lastError;

describe('Orchestrator: lastError is the component’s own failure', () => {
  it('keeps the last attempt’s error when the phase deadline cuts an attempt short (and names it in the StartupError)', async () => {
    const { clock, orchestrator } = orchestratorFixture((clock) => [
      {
        name: 'database',
        budgetMs: 5_000,
        // Each attempt takes 700 ms: the deadline falls while one is in flight.
        components: [fakeComponent({ name: 'db', clock, failTimes: Infinity, startMs: 700 })],
      },
    ]);
    const result = await runUntilSettled(clock, orchestrator.start());
    expect(result.ok).toBe(false);
    const error = (result as { error: unknown }).error;
    expect(isStartupError(error)).toBe(true);
    expect((error as Error).message).toMatch(/last error: connect ECONNREFUSED/);
    expect(lastErrorOf(orchestrator, 'db')).toMatchObject({ code: 'ECONNREFUSED', class: 'transient' });
    expect(clock.pending).toBe(0);
  });

  it('keeps the attempt’s own error after a recovery round gives up, not the policy’s RETRY_EXHAUSTED', async () => {
    const { clock, orchestrator } = orchestratorFixture(
      (clock) => [
        {
          name: 'cache',
          components: [
            fakeComponent({
              name: 'redis',
              clock,
              degradable: true,
              failTimes: Infinity,
              error: Object.assign(new Error('NOAUTH Authentication required'), { code: 'NOAUTH' }),
              policy: retry({ clock, maxAttempts: 1, backoff: constantBackoff(0) }),
            }),
          ],
        },
      ],
      { mode: 'graceful' },
    );
    expect((await runUntilSettled(clock, orchestrator.start())).ok).toBe(true);
    expect(lastErrorOf(orchestrator, 'redis')?.code).toBe('NOAUTH');
    await clock.advance(2_500); // two recovery rounds, each given up by the policy
    expect(orchestrator.snapshot().components[0]!.attempts).toBe(3);
    expect(lastErrorOf(orchestrator, 'redis')?.code).toBe('NOAUTH');
    await orchestrator.stop();
  });

  it('keeps the attempt’s own error when the retry gives up on an open breaker’s wait', async () => {
    // Three refusals open the breaker for 60 s; the fourth call is rejected without running, and
    // the retry gives up since that wait does not fit the 5 s phase: RETRY_EXHAUSTED wraps the
    // BreakerOpenError, which wraps the third refusal.
    const { clock, orchestrator } = orchestratorFixture((clock) => [
      {
        name: 'database',
        budgetMs: 5_000,
        components: [
          fakeComponent({
            name: 'db',
            clock,
            failTimes: Infinity,
            policy: wrap(
              retry({ clock, maxAttempts: 10, backoff: constantBackoff(100) }),
              circuitBreaker({ clock, breaker: consecutiveBreaker(3), halfOpenAfterMs: 60_000 }),
            ),
          }),
        ],
      },
    ]);
    const result = await runUntilSettled(clock, orchestrator.start());
    expect(result.ok).toBe(false);
    expect(orchestrator.snapshot().components[0]).toMatchObject({ attempts: 3, breaker: 'open' });
    expect(lastErrorOf(orchestrator, 'db')).toMatchObject({ code: 'ECONNREFUSED', class: 'transient' });
    expect(clock.pending).toBe(0);
  });

  it('keeps the last error when stop() cancels a recovery attempt in flight', async () => {
    let redis!: FakeComponent;
    const { clock, orchestrator } = orchestratorFixture(
      (clock) => {
        redis = fakeComponent({
          name: 'redis',
          clock,
          degradable: true,
          failTimes: Infinity,
          startMs: 500,
          policy: retry({ clock, maxAttempts: 1, backoff: constantBackoff(0) }),
        });
        return [{ name: 'cache', components: [redis] }];
      },
      { mode: 'graceful' },
    );
    expect((await runUntilSettled(clock, orchestrator.start())).ok).toBe(true);
    await clock.advance(1_200); // 500 ms of start, 1 s of recovery backoff, 200 ms into the next attempt
    expect(redis.running).toBe(1);
    await orchestrator.stop();
    expect(redis.running).toBe(0);
    expect(lastErrorOf(orchestrator, 'redis')).toMatchObject({ code: 'ECONNREFUSED', class: 'transient' });
    expect(clock.pending).toBe(0);
  });

  /**
   * A component whose first attempt ignores its signal: the 1 s timeout gives up on it, but its
   * start settles only at `lateMs`, failing with ECONNRESET. Attempt 2 (at 1.1 s) fails at once with
   * ECONNREFUSED when `secondFails`, else succeeds; attempt 3 (at 1.2 s) succeeds at 2 s.
   */
  function lateFirstAttempt(clock: FakeClock, secondFails: boolean, lateMs: number): ComponentSpec {
    const coded = (message: string, code: string) => Object.assign(new Error(message), { code });
    return {
      name: 'db',
      check: () => {
        throw coded('health check: connection lost', 'ECONNABORTED');
      },
      policy: wrap(
        retry({ clock, backoff: constantBackoff(100), maxAttempts: 5 }),
        timeout({ clock, ms: 1_000 }),
      ),
      async start(ctx) {
        if (ctx.attempt === 1) {
          await clock.sleep(lateMs); // not ctx.signal: it keeps running after the timeout
          throw coded('read ECONNRESET', 'ECONNRESET');
        }
        if (ctx.attempt === 2 && secondFails) throw coded('connect ECONNREFUSED', 'ECONNREFUSED');
        await clock.sleep(800, ctx.signal);
        return 'connected';
      },
    };
  }

  it('a timed-out attempt that settles late does not replace the error of a later attempt', async () => {
    const { clock, orchestrator } = orchestratorFixture((clock) => [
      { name: 'database', components: [lateFirstAttempt(clock, true, 1_500)] },
    ]);
    const started = orchestrator.start();
    await clock.advance(1_400); // attempt 2 failed at 1.1 s, attempt 3 runs
    expect(lastErrorOf(orchestrator, 'db')?.code).toBe('ECONNREFUSED');
    await clock.advance(200); // attempt 1's start settles at 1.5 s
    expect(lastErrorOf(orchestrator, 'db')?.code).toBe('ECONNREFUSED');
    expect((await runUntilSettled(clock, started)).ok).toBe(true);
    expect(orchestrator.snapshot().components[0]).toMatchObject({ state: 'ready', attempts: 3 });
    expect(lastErrorOf(orchestrator, 'db')?.code).toBe('ECONNREFUSED');
    await orchestrator.stop();
    expect(clock.pending).toBe(0);
  });

  it('nor a health check’s error after ready', async () => {
    const { clock, orchestrator } = orchestratorFixture(
      (clock) => [{ name: 'database', components: [lateFirstAttempt(clock, false, 5_000)] }],
      { checkIntervalMs: Infinity },
    );
    expect((await runUntilSettled(clock, orchestrator.start())).ok).toBe(true); // attempt 2, at 1.9 s
    await orchestrator.checkNow();
    expect(lastErrorOf(orchestrator, 'db')?.code).toBe('ECONNABORTED');
    await clock.advance(5_000); // attempt 1's start settles
    expect(lastErrorOf(orchestrator, 'db')?.code).toBe('ECONNABORTED');
    await orchestrator.stop();
    expect(clock.pending).toBe(0);
  });

  it('but the error of an attempt that ran its course is recorded while a later one still runs', async () => {
    const { clock, orchestrator } = orchestratorFixture((clock) => [
      { name: 'database', components: [lateFirstAttempt(clock, false, 1_500)] },
    ]);
    const started = orchestrator.start();
    await clock.advance(1_600); // attempt 2 runs from 1.1 s to 1.9 s; attempt 1 settled at 1.5 s
    expect(lastErrorOf(orchestrator, 'db')?.code).toBe('ECONNRESET');
    expect((await runUntilSettled(clock, started)).ok).toBe(true);
    await orchestrator.stop();
  });

  it('is the latest failing health check’s error while a component stays unhealthy', async () => {
    const coded = (message: string, code: string) => Object.assign(new Error(message), { code });
    let component!: FakeComponent;
    const { clock, orchestrator } = orchestratorFixture(
      (clock) => {
        component = fakeComponent({ name: 'db', clock, withCheck: true });
        return [{ name: 'database', components: [component] }];
      },
      { checkIntervalMs: Infinity },
    );
    expect((await runUntilSettled(clock, orchestrator.start())).ok).toBe(true);
    component.healthy = coded('read ETIMEDOUT', 'ETIMEDOUT');
    await orchestrator.checkNow();
    expect(orchestrator.snapshot().components[0]?.state).toBe('unhealthy');
    expect(lastErrorOf(orchestrator, 'db')?.code).toBe('ETIMEDOUT');

    // Still failing, now for another reason (the database came back and refuses the role).
    component.healthy = coded('password authentication failed', '28P01');
    await orchestrator.checkNow();
    expect(orchestrator.snapshot().components[0]?.state).toBe('unhealthy');
    expect(lastErrorOf(orchestrator, 'db')).toMatchObject({ code: '28P01', class: 'permanent' });

    component.healthy = true;
    await orchestrator.checkNow();
    expect(orchestrator.snapshot().components[0]?.state).toBe('ready');
    expect(lastErrorOf(orchestrator, 'db')?.code).toBe('28P01'); // kept after it passes again
    await runUntilSettled(clock, orchestrator.stop());
    expect(clock.pending).toBe(0);
  });
});
