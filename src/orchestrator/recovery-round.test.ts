import { describe, expect, it } from 'vitest';
import { fakeComponent } from '../testing/fake-component.js';
import { runUntilSettled } from '../testing/run-until-settled.js';
import type { ComponentSpec } from './component.js';
import type { OrchestratorEvent } from './orchestrator-events.js';
import { orchestratorFixture } from './test-fixtures.js';

describe('Orchestrator: recovery rounds shorter than an attempt', () => {
  it('still recovers a component whose attempts timed out during startup (longer rounds until one fits)', async () => {
    let dark = true;
    // A dependency that went dark: no answer until its attempt is aborted.
    const cache: ComponentSpec<string> = {
      name: 'cache',
      degradable: true,
      async start(ctx) {
        if (dark) {
          await new Promise((_resolve, reject) =>
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }),
          );
        }
        return 'connected';
      },
    };
    const { clock, orchestrator } = orchestratorFixture(
      (clock) => [
        { name: 'database', components: [fakeComponent({ name: 'db', clock })] },
        // The default policy's first attempt times out after its initial 10 s: the adaptive timeout
        // now expects attempts to take 10 s, more than a 5 s recovery round.
        { name: 'cache', budgetMs: 15_000, components: [cache] },
      ],
      { mode: 'graceful', recoveryAttemptMs: 5_000 },
    );
    const events: OrchestratorEvent[] = [];
    orchestrator.onEvent((event) => events.push(event));
    expect((await runUntilSettled(clock, orchestrator.start())).ok).toBe(true);
    expect(orchestrator.snapshot()).toMatchObject({ status: 'degraded', availability: 'DEGRADED' });
    const startupAttempts = events.filter((e) => e.type === 'component-attempt').length;
    const lastError = () => orchestrator.snapshot().components.find((c) => c.name === 'cache')!.lastError;
    const timedOut = lastError();
    expect(timedOut?.code).toBe('PG_ERR_ATTEMPT_TIMEOUT');

    dark = false;
    await clock.advance(60_000);
    const recoveryAttempts = events.filter((e) => e.type === 'component-attempt' && e.recovery).length;
    expect(recoveryAttempts).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'component-attempt').length).toBe(
      startupAttempts + recoveryAttempts,
    );
    expect(orchestrator.snapshot()).toMatchObject({ status: 'ready', availability: 'FULL' });
    expect(orchestrator.get<string>('cache')).toBe('connected');
    // /health keeps the attempts' own error, not "gave up after 0 attempts".
    expect(lastError()).toEqual(timedOut);
    await orchestrator.stop();
    expect(clock.pending).toBe(0);
  });
});
