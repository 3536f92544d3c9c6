import { describe, expect, it } from 'vitest';
import { exponentialBackoff, retry } from '../policies/index.js';
import { fakeComponent, type FakeComponent } from '../testing/fake-component.js';
import { runUntilSettled } from '../testing/run-until-settled.js';
import type { OrchestratorEvent } from './orchestrator-events.js';
import { orchestratorFixture } from './test-fixtures.js';

describe('Orchestrator: recovery of a component whose dependency is down', () => {
  it('starts it as soon as the dependency is back, not a backoff step later', async () => {
    let db!: FakeComponent;
    let api!: FakeComponent;
    const { clock, orchestrator } = orchestratorFixture(
      (clock) => {
        const once = () => retry({ clock, maxAttempts: 1 });
        // Fails its start and its first recovery round (1 s in); the second, at 31.2 s, works (31.3 s).
        db = fakeComponent({
          name: 'db',
          clock,
          startMs: 100,
          failTimes: 2,
          degradable: true,
          policy: once(),
        });
        api = fakeComponent({ name: 'api', clock, degradable: true, dependsOn: ['db'], policy: once() });
        return [
          { name: 'database', components: [db] },
          { name: 'services', components: [api] },
        ];
      },
      // Rounds 1 s, then 30 s apart: a round that finds the dependency down waits for the next one.
      {
        mode: 'graceful',
        recoveryBackoff: exponentialBackoff({ initialMs: 1_000, factor: 30, maxMs: 30_000 }),
      },
    );
    const events: OrchestratorEvent[] = [];
    orchestrator.onEvent((event) => events.push(event));
    expect((await runUntilSettled(clock, orchestrator.start())).ok).toBe(true);
    expect(orchestrator.availability).toBe('DEGRADED');
    expect(api.attempts).toBe(0);

    await clock.advance(40_000);
    const recovered = events.filter((e) => e.type === 'component-recovered');
    expect(recovered.map((e) => `${e.component} at ${e.at}`)).toEqual(['db at 31300', 'api at 31300']);
    expect(orchestrator.availability).toBe('FULL');
    expect(orchestrator.status).toBe('ready');
    await runUntilSettled(clock, orchestrator.stop());
    expect(clock.pending).toBe(0);
  });

  it('waits without polling while the dependency cannot come back (an optional one that was skipped)', async () => {
    let feed!: FakeComponent;
    const { clock, orchestrator } = orchestratorFixture(
      (clock) => {
        const cache = fakeComponent({
          name: 'cache',
          clock,
          critical: false,
          failTimes: Infinity,
          policy: retry({ clock, maxAttempts: 1 }),
        });
        feed = fakeComponent({ name: 'feed', clock, degradable: true, dependsOn: ['cache'] });
        return [
          { name: 'cache', components: [cache] },
          { name: 'services', components: [feed] },
        ];
      },
      { mode: 'graceful' },
    );
    expect((await runUntilSettled(clock, orchestrator.start())).ok).toBe(true);
    await clock.advance(600_000);
    expect(feed.attempts).toBe(0);
    expect(clock.pending).toBe(0); // no recovery round woken every step for nothing
    await runUntilSettled(clock, orchestrator.stop());
    expect(orchestrator.snapshot().components.map((c) => c.state)).toEqual(['failed', 'stopped']);
  });
});
