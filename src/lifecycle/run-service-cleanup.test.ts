/**
 * What runService leaves behind once it has exited: nothing registered on the application's metrics
 * registry and no listener on the process.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createHealthMetrics } from '../health/metrics.js';
import { fakeComponent } from '../testing/fake-component.js';
import { runService, type RunningService } from './run-service.js';
import { runServiceHarness, type RunServiceHarness } from './test-fixtures.js';

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Run a one-component service on `h` until it runs, then SIGTERM it; resolves with the exit code. */
async function runAndStop(h: RunServiceHarness, health: object): Promise<number> {
  const service: RunningService = runService(
    { phases: [{ name: 'a', components: [fakeComponent({ name: 'a', clock: h.clock })] }] },
    h.options({ health }),
  );
  await until(() => service.state === 'running' || service.state === 'exited', 'running');
  expect(service.state, h.output()).toBe('running');
  h.proc.emit('SIGTERM');
  await h.clock.advance(60_000);
  return service.exited;
}

describe('runService: after exit', () => {
  // The handler's metrics stayed registered on the app's registry after exit: a second service on
  // it (the next test of a suite, a restart in the same process) failed with exit 78, "the registry
  // already has a metric named phasegate_status", and the app kept serving a stopped service's series.
  it('removes the metrics it registered on a shared registry, so a second service can use it', async () => {
    const registry = new Registry();
    const h = runServiceHarness();
    expect(await runAndStop(h, { metrics: { registry } })).toBe(0);
    expect(registry.getSingleMetric('phasegate_status')).toBeUndefined();
    expect(await registry.metrics()).not.toContain('phasegate_');
    const again = runServiceHarness();
    expect(await runAndStop(again, { metrics: { registry } })).toBe(0);
    expect(h.proc.eventNames()).toEqual([]);
  });

  it('leaves ready-made metrics it was given alone: they are the caller’s', async () => {
    const registry = new Registry();
    const metrics = createHealthMetrics({ snapshot: () => ({}) as never }, { registry });
    const h = runServiceHarness();
    expect(await runAndStop(h, { metrics })).toBe(0);
    expect(registry.getSingleMetric('phasegate_status')).toBeDefined();
    metrics.dispose();
  });
});
