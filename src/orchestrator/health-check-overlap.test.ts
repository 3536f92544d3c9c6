import { describe, expect, it } from 'vitest';
import { runUntilSettled } from '../testing/run-until-settled.js';
import type { ComponentSpec } from './component.js';
import type { OrchestratorEvent } from './orchestrator-events.js';
import { orchestratorFixture } from './test-fixtures.js';

describe('Orchestrator: health checks that overlap', () => {
  it('ignores the outcome of a check that a later check has superseded', async () => {
    let checks = 0;
    // The first check hangs (a dark moment); every later one answers at once.
    const cache: ComponentSpec<string> = {
      name: 'cache',
      start: async () => 'connected',
      check: (_handle, { signal }) =>
        ++checks === 1
          ? new Promise<void>((_resolve, reject) =>
              signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
            )
          : true,
    };
    const { clock, orchestrator } = orchestratorFixture(() => [{ name: 'cache', components: [cache] }], {
      checkIntervalMs: 10_000,
      checkTimeoutMs: 5_000,
    });
    const events: OrchestratorEvent[] = [];
    orchestrator.onEvent((event) => events.push(event));
    expect((await runUntilSettled(clock, orchestrator.start())).ok).toBe(true);

    await clock.advance(10_000); // the scheduled round starts: its check hangs
    await clock.advance(2_000);
    await orchestrator.checkNow(); // a newer check passes
    expect(orchestrator.isReady()).toBe(true);
    await clock.advance(3_000); // the older check times out now
    expect(checks).toBe(2);
    expect(events.filter((e) => e.type === 'component-unhealthy')).toEqual([]);
    expect(orchestrator.snapshot()).toMatchObject({ status: 'ready', availability: 'FULL' });
    expect(orchestrator.isReady()).toBe(true);
    await orchestrator.stop();
    expect(clock.pending).toBe(0);
  });
});
