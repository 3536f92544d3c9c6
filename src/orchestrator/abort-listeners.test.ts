import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FakeClock } from '../testing/fake-clock.js';
import { fakeComponent } from '../testing/fake-component.js';
import { runUntilSettled } from '../testing/run-until-settled.js';
import { orchestratorFixture } from './test-fixtures.js';

/** Node warns (on stderr) once more than 10 `abort` listeners sit on one AbortSignal. */
function maxListenerWarnings(spy: { mock: { calls: unknown[][] } }): string[] {
  return spy.mock.calls
    .map(([warning]) => (warning instanceof Error ? `${warning.name}: ${warning.message}` : String(warning)))
    .filter((text) => text.includes('MaxListenersExceededWarning'));
}

const many = (clock: FakeClock, count: number) =>
  Array.from({ length: count }, (_, i) =>
    fakeComponent({ name: `c${i}`, clock, startMs: 100, withCheck: true }),
  );

describe('Orchestrator: abort listeners', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('a phase of 12 components, each with a health check, trips no MaxListenersExceededWarning', async () => {
    // Each start used to add its own listener to the phase's signal, and each health check one to
    // the checks' signal: 11 components in a phase (or 11 checks) printed "Possible EventTarget
    // memory leak detected" on every startup, about listeners that were in fact removed.
    const emitWarning = vi.spyOn(process, 'emitWarning');
    const { clock, orchestrator } = orchestratorFixture(
      (clock) => [{ name: 'services', components: many(clock, 12) }],
      { checkIntervalMs: 1_000 },
    );
    await runUntilSettled(clock, orchestrator.start());
    expect(orchestrator.status).toBe('ready');
    await clock.advance(1_000); // one round of 12 checks
    await orchestrator.stop();
    expect(maxListenerWarnings(emitWarning)).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});
