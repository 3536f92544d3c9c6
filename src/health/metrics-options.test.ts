import { Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { exitCodeFor } from '../errors/exit-codes.js';
import { createHealthMetrics, type HealthMetricsOptionsInput } from './metrics.js';
import { readySource } from './test-fixtures.js';

const source = readySource;

function configErrorOf(fn: () => unknown): { path: string; message: string; exitCode: number } {
  try {
    fn();
  } catch (error) {
    if (isConfigError(error))
      return { path: error.path, message: error.message, exitCode: exitCodeFor(error) };
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const names = (registry: Registry): string[] =>
  registry
    .getMetricsAsArray()
    .map((m) => (m as unknown as { name: string }).name)
    .sort();

describe('createHealthMetrics on a shared registry', () => {
  it('a second service with the same prefix gets a ConfigError naming metrics.prefix, and registers nothing', () => {
    const shared = new Registry();
    createHealthMetrics(source, { registry: shared });
    const before = names(shared);
    const error = configErrorOf(() => createHealthMetrics(source, { registry: shared }));
    expect(error.path).toBe('metrics.prefix');
    expect(error.exitCode).toBe(78);
    expect(error.message).toMatch(
      /already has a metric named phasegate_status.*fix: give each one its own prefix/,
    );
    expect(names(shared)).toEqual(before);
  });

  it('a name taken by the application leaves no half-registered phasegate metrics behind', () => {
    const shared = new Registry();
    new Gauge({ name: 'phasegate_component_up', help: 'the app got there first', registers: [shared] });
    const error = configErrorOf(() => createHealthMetrics(source, { registry: shared }));
    expect(error.message).toContain('phasegate_component_up');
    expect(names(shared)).toEqual(['phasegate_component_up']);
  });

  it('two services with their own prefixes share a registry, default process metrics included', async () => {
    const shared = new Registry();
    createHealthMetrics(source, { registry: shared, prefix: 'api_', defaultMetrics: true });
    const worker = createHealthMetrics(source, { registry: shared, prefix: 'worker_', defaultMetrics: true });
    const text = await shared.metrics();
    expect(text).toContain('api_status{status="ready"} 1');
    expect(text).toContain('worker_status{status="ready"} 1');
    expect(text.match(/^# TYPE process_cpu_user_seconds_total /gm)).toHaveLength(1);
    worker.dispose();
    expect(await shared.metrics()).toContain('process_cpu_user_seconds_total');
  });
});

describe('createHealthMetrics option checks', () => {
  const bad: ReadonlyArray<[string, Record<string, unknown>]> = [
    ['metrics.registry', { registry: {} }],
    ['metrics.startBuckets', { startBuckets: 'abc' }],
    ['metrics.startBuckets', { startBuckets: [1, '2'] }],
    ['metrics.events', { events: 5 }],
    ['metrics.defaultMetrics', { defaultMetrics: 'yes' }],
    ['metrics.prefix', { prefix: 7 }],
    ['metrics.defaultMetric', { defaultMetric: true }],
  ];
  for (const [path, input] of bad) {
    it(`rejects ${JSON.stringify(input)} with a ConfigError naming ${path}`, () => {
      const error = configErrorOf(() => createHealthMetrics(source, input as HealthMetricsOptionsInput));
      expect(error.path).toBe(path);
      expect(error.exitCode).toBe(78);
    });
  }
});
