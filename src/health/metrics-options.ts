/**
 * Options of {@link createHealthMetrics}: the input type, and the checks that run before any metric
 * is registered, so that a bad option or a name already taken on a shared registry fails with a
 * {@link ConfigError} and leaves the registry as it was.
 */
import type { Registry } from 'prom-client';
import type { Event } from '../common/events.js';
import { ConfigError } from '../errors/config-error.js';
import { requireBoolean, requireKnownKeys } from '../policies/validate.js';
import type { OrchestratorEvent } from '../orchestrator/orchestrator-events.js';

/** Options of {@link createHealthMetrics}. */
export interface HealthMetricsOptionsInput {
  /**
   * Registry to register on. Share yours to serve application metrics on the same `/metrics`.
   * @default a new, dedicated `Registry`
   */
  readonly registry?: Registry;
  /**
   * Prefix of every metric name. Two services (or plugins) on one registry need different prefixes.
   * @default 'phasegate_'
   */
  readonly prefix?: string;
  /**
   * Also collect prom-client's default process metrics (CPU, memory, event loop lag) on the registry.
   * On a registry that has them already (another service collected them), they are not added twice.
   * They are collected once per process (prom-client's GC observer and event-loop monitor cannot be
   * stopped) and the same metrics are registered on every later registry, so restarting the health
   * server does not add observers. A registry holding only some of their names is a ConfigError.
   * @default false
   */
  readonly defaultMetrics?: boolean;
  /**
   * Buckets of the component start-duration histogram, in seconds.
   * @default [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]
   */
  readonly startBuckets?: readonly number[];
  /**
   * Orchestrator events (`orchestrator.onEvent`): component starts are then recorded in the
   * start-duration histogram by themselves (ready, degraded, or failed). Unsubscribed by `dispose()`.
   * @default undefined (record them with {@link HealthMetrics.observeComponentStart})
   */
  readonly events?: Event<OrchestratorEvent>;
}

/** The names (without prefix) of the metrics {@link createHealthMetrics} registers. */
export const HEALTH_METRIC_NAMES = [
  'status',
  'availability',
  'startup_duration_seconds',
  'phase_duration_seconds',
  'component_attempts',
  'component_up',
  'breaker_state',
  'pool_connections',
  'admission_wait_seconds',
  'component_start_duration_seconds',
] as const;

/** Every key of {@link HealthMetricsOptionsInput} (a record, so the compiler says when one is missing). */
const METRICS_OPTIONS: Readonly<Record<keyof HealthMetricsOptionsInput, true>> = {
  registry: true,
  prefix: true,
  defaultMetrics: true,
  startBuckets: true,
  events: true,
};

const DEFAULT_BUCKETS: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** {@link HealthMetricsOptionsInput} after the checks, registry not yet chosen. */
export interface HealthMetricsOptions {
  readonly registry: Registry | undefined;
  readonly prefix: string;
  readonly defaultMetrics: boolean;
  readonly startBuckets: readonly number[];
  readonly events: Event<OrchestratorEvent> | undefined;
}

function isRegistry(value: unknown): value is Registry {
  const candidate = value as Partial<Registry> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.registerMetric === 'function' &&
    typeof candidate.getSingleMetric === 'function' &&
    typeof candidate.metrics === 'function'
  );
}

/**
 * Check {@link HealthMetricsOptionsInput}: every option's type, and that none of the metric names is
 * taken on the given registry.
 *
 * @param path Where these options sit in the caller's configuration, for the {@link ConfigError}'s
 *   path: `health.metrics` when they came in through the health options (runService's `health`).
 * @throws {ConfigError} naming the option (`<path>.prefix` when a name is taken).
 */
export function resolveHealthMetricsOptions(
  input: HealthMetricsOptionsInput,
  path = 'metrics',
): HealthMetricsOptions {
  requireKnownKeys(input, METRICS_OPTIONS, 'the health metrics', (key) => `${path}.${key}`);
  const prefix = input.prefix ?? 'phasegate_';
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) {
    throw new ConfigError(
      `${path}.prefix`,
      `"${String(prefix)}" is not a valid metric name prefix`,
      'use [a-zA-Z_:][a-zA-Z0-9_:]*',
    );
  }
  const buckets = input.startBuckets ?? DEFAULT_BUCKETS;
  if (
    !Array.isArray(buckets) ||
    buckets.length === 0 ||
    buckets.some((b) => typeof b !== 'number' || !(b > 0) || !Number.isFinite(b))
  ) {
    throw new ConfigError(
      `${path}.startBuckets`,
      'expected a non-empty list of positive seconds',
      'e.g. [0.1, 1, 10]',
    );
  }
  if (input.defaultMetrics !== undefined) requireBoolean(`${path}.defaultMetrics`, input.defaultMetrics);
  if (input.events !== undefined && typeof input.events !== 'function') {
    throw new ConfigError(
      `${path}.events`,
      `expected an event subscription function, got ${typeof input.events}`,
      'pass orchestrator.onEvent, or leave it out',
    );
  }
  const registry = input.registry;
  if (registry !== undefined && !isRegistry(registry)) {
    throw new ConfigError(
      `${path}.registry`,
      'expected a prom-client Registry',
      'pass `new Registry()` from prom-client, or leave it out for a dedicated one',
    );
  }
  const taken = registry && HEALTH_METRIC_NAMES.find((name) => registry.getSingleMetric(prefix + name));
  if (taken !== undefined) {
    throw new ConfigError(
      `${path}.prefix`,
      `the registry already has a metric named ${prefix}${taken} (another service or plugin registered its metrics there with the same prefix)`,
      'give each one its own prefix (e.g. prefix: "worker_"), or its own registry',
    );
  }
  return {
    registry,
    prefix,
    defaultMetrics: input.defaultMetrics === true,
    startBuckets: buckets,
    events: input.events,
  };
}
