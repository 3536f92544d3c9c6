import { createRequire } from 'node:module';
import type * as perfHooksModule from 'node:perf_hooks';
import { PerformanceObserver } from 'node:perf_hooks';
import { Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { createHealthMetrics } from './metrics.js';
import { startHealthServer } from './server.js';
import { readySource } from './test-fixtures.js';

const source = readySource;
// The module object prom-client itself requires, so a spy on it sees prom-client's calls.
const perfHooks = createRequire(import.meta.url)('node:perf_hooks') as typeof perfHooksModule;

const names = (registry: Registry): string[] =>
  registry
    .getMetricsAsArray()
    .map((m) => (m as unknown as { name: string }).name)
    .sort();

afterEach(() => {
  vi.restoreAllMocks();
});

describe('default process metrics', () => {
  it('restarting the health server does not start another GC observer or event-loop monitor each time', async () => {
    const observers = vi.spyOn(PerformanceObserver.prototype, 'observe');
    const monitors = vi.spyOn(perfHooks, 'monitorEventLoopDelay');
    for (let i = 0; i < 5; i++) {
      const server = await startHealthServer(source, { port: 0, metrics: { defaultMetrics: true } });
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toContain('process_cpu_user_seconds_total');
      expect(text).toContain('nodejs_gc_duration_seconds');
      await server.close();
    }
    // At most the one set of the process (none if an earlier test here already made it).
    expect(observers.mock.calls.length).toBeLessThanOrEqual(1);
    expect(monitors.mock.calls.length).toBeLessThanOrEqual(1);
  });

  it('a registry holding some default metric names gets a ConfigError and is left as it was', () => {
    const shared = new Registry();
    new Gauge({ name: 'nodejs_gc_duration_seconds', help: 'the app made its own', registers: [shared] });
    let error: unknown;
    try {
      createHealthMetrics(source, { registry: shared, defaultMetrics: true });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ path: 'metrics.defaultMetrics' });
    expect((error as Error).message).toContain('nodejs_gc_duration_seconds');
    expect(names(shared)).toEqual(['nodejs_gc_duration_seconds']);
    // Nothing half-registered: the service can start there without the default metrics.
    expect(() => createHealthMetrics(source, { registry: shared })).not.toThrow();
  });
});
