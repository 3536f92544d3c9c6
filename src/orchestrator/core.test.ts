import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { constantBackoff, retry } from '../policies/index.js';
import { fakeComponent, type FakeComponent } from '../testing/fake-component.js';
import { runUntilSettled } from '../testing/run-until-settled.js';
import { orchestratorFixture } from './test-fixtures.js';

describe('OrchestratorCore: status and availability', () => {
  it('a status-change listener sees the availability of the new status (ready, degraded, draining, stopped)', async () => {
    let cache!: FakeComponent;
    const { clock, orchestrator } = orchestratorFixture(
      (clock) => {
        cache = fakeComponent({
          name: 'cache',
          clock,
          degradable: true,
          failTimes: 1,
          policy: retry({ clock, maxAttempts: 1, backoff: constantBackoff(0) }),
        });
        return [{ name: 'p', components: [fakeComponent({ name: 'db', clock }), cache] }];
      },
      { mode: 'graceful' },
    );
    const seen: string[] = [];
    orchestrator.on('status-change', (e) => {
      const snapshot = orchestrator.snapshot();
      seen.push(`${e.to}:${orchestrator.availability}:${snapshot.status}:${snapshot.availability}`);
    });
    expect((await runUntilSettled(clock, orchestrator.start())).ok).toBe(true);
    await clock.advance(1_000); // the cache recovers: degraded -> ready
    await orchestrator.stop();
    expect(seen).toEqual([
      'degraded:DEGRADED:degraded:DEGRADED',
      'ready:FULL:ready:FULL',
      'draining:UNAVAILABLE:draining:UNAVAILABLE',
      'stopped:UNAVAILABLE:stopped:UNAVAILABLE',
    ]);
  });
});

describe('OrchestratorCore: construction', () => {
  it('a defaultPolicy factory that returns no policy is a ConfigError at createOrchestrator, not exit 1 at start', () => {
    let thrown: unknown;
    try {
      orchestratorFixture((clock) => [{ name: 'p', components: [fakeComponent({ name: 'db', clock })] }], {
        defaultPolicy: (() => undefined) as never,
      });
    } catch (error) {
      thrown = error;
    }
    expect(isConfigError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ path: 'options.defaultPolicy' });
    expect((thrown as Error).message).toMatch(/returned no policy for component "db"/);
  });
});
