import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Event } from '../common/events.js';
import { createHealthMetrics } from '../health/metrics.js';
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
