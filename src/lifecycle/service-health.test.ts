import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Event } from '../common/events.js';
import { isConfigError } from '../errors/config-error.js';
import { createHealthMetrics } from '../health/metrics.js';
import { resolveHealthOptions } from '../health/options.js';
import type { OrchestratorEvent } from '../orchestrator/orchestrator-events.js';
import { createOrchestrator } from '../orchestrator/orchestrator.js';
import { FakeClock } from '../testing/fake-clock.js';
import { fakeComponent } from '../testing/fake-component.js';
import { runUntilSettled } from '../testing/run-until-settled.js';
import { metricsWithEvents, ServiceSnapshotSource } from './service-health.js';

function orchestratorWith(clock: FakeClock) {
  return createOrchestrator(
    { phases: [{ name: 'database', components: [fakeComponent({ name: 'db', clock, startMs: 10 })] }] },
    { clock },
  );
}

describe('metricsWithEvents', () => {
  const orchestrator = orchestratorWith(new FakeClock());

  it('wires the orchestrator’s events into the default and into options that name none', () => {
    expect(metricsWithEvents(undefined, orchestrator)).toEqual({ events: orchestrator.onEvent });
    expect(metricsWithEvents(true, orchestrator)).toEqual({ events: orchestrator.onEvent });
    const registry = new Registry();
    expect(metricsWithEvents({ registry, prefix: 'app_' }, orchestrator)).toEqual({
      registry,
      prefix: 'app_',
      events: orchestrator.onEvent,
    });
  });

  it('keeps your own events, a ready-made HealthMetrics, and false as they are', () => {
    const events: Event<OrchestratorEvent> = (listener) => orchestrator.onEvent(listener);
    expect(metricsWithEvents({ events }, orchestrator)).toEqual({ events });
    const own = createHealthMetrics(orchestrator);
    expect(metricsWithEvents(own, orchestrator)).toBe(own);
    expect(metricsWithEvents(false, orchestrator)).toBe(false);
  });
});

describe('metricsWithEvents and the health options check', () => {
  const orchestrator = orchestratorWith(new FakeClock());
  // Before, a string or number was spread into an options object, so `health: { metrics: 'on' }`
  // was accepted without a word.
  for (const bad of ['on', 1]) {
    it(`leaves ${JSON.stringify(bad)} for resolveHealthOptions to reject, naming health.metrics`, () => {
      const metrics = metricsWithEvents(bad as never, orchestrator);
      expect(metrics).toBe(bad);
      let error: unknown;
      try {
        resolveHealthOptions({ metrics });
      } catch (caught) {
        error = caught;
      }
      expect(isConfigError(error)).toBe(true);
      expect(error).toMatchObject({ path: 'health.metrics' });
    });
  }
});

describe('ServiceSnapshotSource', () => {
  it('shows a started plan as starting until running, as one object while nothing changes', async () => {
    const clock = new FakeClock();
    const orchestrator = orchestratorWith(clock);
    let running = false;
    const source = new ServiceSnapshotSource(orchestrator, () => running);
    expect(source.snapshot()).toBe(orchestrator.snapshot());
    await runUntilSettled(clock, orchestrator.start());
    const held = source.snapshot();
    expect(held).toMatchObject({ status: 'starting', readyAt: null, availability: 'UNAVAILABLE' });
    expect(held.components).toBe(orchestrator.snapshot().components);
    expect(source.snapshot()).toBe(held);
    expect(Object.isFrozen(held)).toBe(true);
    running = true;
    expect(source.snapshot()).toBe(orchestrator.snapshot());
    expect(source.snapshot().status).toBe('ready');
    await orchestrator.stop();
  });
});
