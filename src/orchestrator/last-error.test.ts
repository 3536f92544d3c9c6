import { describe, expect, it } from 'vitest';
import { isStartupError } from '../errors/startup-error.js';
import { constantBackoff, retry } from '../policies/index.js';
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
});
