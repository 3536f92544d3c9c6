/**
 * Prometheus metrics of startup and health, on a dedicated prom-client registry (never the global
 * default one, so importing phasegate registers nothing behind your back). Gauges are filled from the
 * source's snapshot at scrape time, through prom-client `collect` callbacks; one snapshot is taken per
 * scrape and shared by every gauge. Component start durations come from events
 * ({@link HealthMetrics.observeComponentStart}), because a snapshot does not carry them.
 */
import type * as PromClient from 'prom-client';
import type { Gauge, Registry } from 'prom-client';
import { lazyModule } from '../common/lazy-module.js';
import { redactText } from '../common/redact.js';
import { AVAILABILITY_LEVELS } from '../orchestrator/availability.js';
import type { BreakerStateName, SnapshotSource, StartupSnapshot } from '../orchestrator/snapshot.js';
import {
  HEALTH_METRIC_NAMES,
  resolveHealthMetricsOptions,
  type HealthMetricsOptionsInput,
} from './metrics-options.js';
import { defaultMetricsFor } from './default-metrics.js';
import { SERVICE_STATUSES } from './states.js';

export type { HealthMetricsOptionsInput } from './metrics-options.js';

const promClient = lazyModule<typeof PromClient>('prom-client');

/** How a component's start ended, for {@link HealthMetrics.observeComponentStart}. */
export type ComponentStartOutcome = 'ready' | 'degraded' | 'failed';

/** One finished component start. */
export interface ComponentStartObservation {
  /** Component name (a `component` label, redacted). */
  readonly component: string;
  /** Name of its phase (a `phase` label, redacted). */
  readonly phase: string;
  /** How long the start took, in ms; recorded in seconds. A negative or NaN value is dropped. */
  readonly durationMs: number;
  /** How the start ended (the `outcome` label). */
  readonly outcome: ComponentStartOutcome;
}

/** The metrics of one service. */
export interface HealthMetrics {
  /** The registry the metrics are on. */
  readonly registry: Registry;
  /** The `Content-Type` of {@link render}'s output. */
  readonly contentType: string;
  /** The registry in Prometheus text format (refreshes every gauge from one snapshot). */
  render(): Promise<string>;
  /** Record how long a component took to start; wire it to the orchestrator's component events. */
  observeComponentStart(observation: ComponentStartObservation): void;
  /** Remove these metrics from the registry (for a shared registry). Idempotent. */
  dispose(): void;
}

/** Numeric value of a breaker state: 0 closed, 1 half-open, 2 open. */
export const BREAKER_STATE_VALUES: Readonly<Record<BreakerStateName, number>> = {
  closed: 0,
  'half-open': 1,
  open: 2,
};

const seconds = (ms: number): number => ms / 1000;

/**
 * Create the startup and health metrics for `source`.
 *
 * Series (with the default prefix): `phasegate_status{status}` and `phasegate_availability{level}`
 * (one-hot), `phasegate_startup_duration_seconds`, `phasegate_phase_duration_seconds{phase}`,
 * `phasegate_component_start_duration_seconds{component,phase,outcome}` (histogram),
 * `phasegate_component_attempts{component,phase}`, `phasegate_component_up{component,phase,critical}` (1 only while ready),
 * `phasegate_breaker_state{component,phase}` (0 closed, 1 half-open, 2 open),
 * `phasegate_pool_connections{component,phase,kind="open"|"target"|"max"|"idle"|"waiting"}`,
 * `phasegate_admission_wait_seconds{backend}`. Every per-component series carries both
 * `component` and `phase`, so any of them can be selected or summed by phase alike.
 *
 * @param optionsPath Where `input` sits in the caller's configuration, for the path of a
 *   `ConfigError` (`metrics.prefix`, or `health.metrics.prefix` from the health options).
 * @throws ConfigError when an option is invalid or a metric name is taken on the registry (a
 *   default process metric's too, with `defaultMetrics`); nothing is registered then.
 *
 * @example
 * ```ts
 * const metrics = createHealthMetrics(orchestrator);
 * res.setHeader('Content-Type', metrics.contentType);
 * res.end(await metrics.render());
 * ```
 */
export function createHealthMetrics(
  source: SnapshotSource,
  input: HealthMetricsOptionsInput = {},
  optionsPath = 'metrics',
): HealthMetrics {
  // Every check runs before the first metric is registered: a failure leaves the registry untouched.
  const {
    prefix,
    startBuckets: buckets,
    events,
    ...options
  } = resolveHealthMetricsOptions(input, optionsPath);
  const { Gauge, Histogram, Registry } = promClient();
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  const defaults = options.defaultMetrics ? defaultMetricsFor(registry, optionsPath) : [];

  // One snapshot per scrape: prom-client calls every metric's collect() in the same synchronous pass
  // of registry.metrics(), so the first one takes the snapshot and a microtask forgets it.
  let current: StartupSnapshot | undefined;
  const snapshot = (): StartupSnapshot => {
    if (current === undefined) {
      current = source.snapshot();
      queueMicrotask(() => {
        current = undefined;
      });
    }
    return current;
  };

  const status: Gauge<'status'> = new Gauge({
    name: `${prefix}status`,
    help: 'Lifecycle status of the service (1 for the current status, 0 for the others).',
    labelNames: ['status'],
    registers,
    collect() {
      const now = snapshot().status;
      for (const s of SERVICE_STATUSES) status.set({ status: s }, s === now ? 1 : 0);
    },
  });
  const availability: Gauge<'level'> = new Gauge({
    name: `${prefix}availability`,
    help: 'How much of the service works (1 for the current level, 0 for the others).',
    labelNames: ['level'],
    registers,
    collect() {
      const now = snapshot().availability;
      for (const level of AVAILABILITY_LEVELS) availability.set({ level }, level === now ? 1 : 0);
    },
  });
  const startup: Gauge = new Gauge({
    name: `${prefix}startup_duration_seconds`,
    help: 'Time from the start of startup until the service was ready (absent until then).',
    registers,
    collect() {
      // remove(), not reset(): a reset gauge without labels reads 0, which would claim an instant
      // startup while the service is still starting (or after it failed).
      startup.remove();
      const { startedAt, readyAt } = snapshot();
      if (startedAt !== null && readyAt !== null) startup.set(seconds(readyAt - startedAt));
    },
  });
  const phaseDuration: Gauge<'phase'> = new Gauge({
    name: `${prefix}phase_duration_seconds`,
    help: 'Duration of each finished startup phase.',
    labelNames: ['phase'],
    registers,
    collect() {
      phaseDuration.reset();
      for (const p of snapshot().phases) {
        if (p.durationMs !== null) phaseDuration.set({ phase: redactText(p.name) }, seconds(p.durationMs));
      }
    },
  });
  const attempts: Gauge<'component' | 'phase'> = new Gauge({
    name: `${prefix}component_attempts`,
    help: 'Start or connect attempts each component has made.',
    labelNames: ['component', 'phase'],
    registers,
    collect() {
      attempts.reset();
      for (const c of snapshot().components) {
        attempts.set({ component: redactText(c.name), phase: redactText(c.phase) }, c.attempts);
      }
    },
  });
  const up: Gauge<'component' | 'phase' | 'critical'> = new Gauge({
    name: `${prefix}component_up`,
    help: 'Whether each component serves (1 when ready, else 0: a degraded component is down and recovering in the background).',
    labelNames: ['component', 'phase', 'critical'],
    registers,
    collect() {
      up.reset();
      for (const c of snapshot().components) {
        const labels = {
          component: redactText(c.name),
          phase: redactText(c.phase),
          critical: String(c.critical),
        };
        up.set(labels, c.state === 'ready' ? 1 : 0);
      }
    },
  });
  const breaker: Gauge<'component' | 'phase'> = new Gauge({
    name: `${prefix}breaker_state`,
    help: 'Circuit-breaker state of each component: 0 closed, 1 half-open, 2 open.',
    labelNames: ['component', 'phase'],
    registers,
    collect() {
      breaker.reset();
      for (const c of snapshot().components) {
        const value = c.breaker === null ? undefined : BREAKER_STATE_VALUES[c.breaker];
        if (value !== undefined) {
          breaker.set({ component: redactText(c.name), phase: redactText(c.phase) }, value);
        }
      }
    },
  });
  const pool: Gauge<'component' | 'phase' | 'kind'> = new Gauge({
    name: `${prefix}pool_connections`,
    help: 'Connection pool figures by kind: open connections, the current target (fair share), the configured max, idle connections, callers waiting for one.',
    labelNames: ['component', 'phase', 'kind'],
    registers,
    collect() {
      pool.reset();
      for (const c of snapshot().components) {
        if (c.pool === undefined) continue;
        const component = redactText(c.name);
        const phase = redactText(c.phase);
        pool.set({ component, phase, kind: 'open' }, c.pool.open);
        pool.set({ component, phase, kind: 'target' }, c.pool.target);
        pool.set({ component, phase, kind: 'max' }, c.pool.max);
        if (c.pool.idle !== undefined) pool.set({ component, phase, kind: 'idle' }, c.pool.idle);
        if (c.pool.waiting !== undefined) pool.set({ component, phase, kind: 'waiting' }, c.pool.waiting);
      }
    },
  });
  const admissionWait: Gauge<'backend'> = new Gauge({
    name: `${prefix}admission_wait_seconds`,
    help: 'Time spent waiting for a fleet admission slot.',
    labelNames: ['backend'],
    registers,
    collect() {
      admissionWait.reset();
      const admission = snapshot().admission;
      if (admission !== undefined)
        admissionWait.set({ backend: redactText(admission.backend) }, seconds(admission.waitedMs));
    },
  });
  const componentStart = new Histogram<'component' | 'phase' | 'outcome'>({
    name: `${prefix}component_start_duration_seconds`,
    help: 'How long each component took to start, by outcome.',
    labelNames: ['component', 'phase', 'outcome'],
    buckets: [...buckets],
    registers,
  });

  const names = HEALTH_METRIC_NAMES.map((name) => `${prefix}${name}`);

  // Checked up front (defaultMetricsFor): registering the same objects again cannot throw.
  for (const metric of defaults) registry.registerMetric(metric);

  let disposed = false;
  const observe = (o: ComponentStartObservation): void => {
    if (disposed || !(o.durationMs >= 0)) return;
    componentStart.observe(
      { component: redactText(o.component), phase: redactText(o.phase), outcome: o.outcome },
      seconds(o.durationMs),
    );
  };
  const subscription = events?.((event) => {
    switch (event.type) {
      case 'component-ready':
        return observe({ ...event, outcome: 'ready' });
      case 'component-degraded':
        return observe({ ...event, outcome: 'degraded' });
      case 'component-failed':
        // An aborted start (a sibling failed, stop()) says nothing about this component.
        if (event.outcome !== 'aborted') observe({ ...event, outcome: 'failed' });
        return undefined;
      default:
        return undefined;
    }
  });

  return {
    registry,
    get contentType() {
      return registry.contentType;
    },
    render: () => registry.metrics(),
    observeComponentStart: observe,
    dispose() {
      if (disposed) return;
      disposed = true;
      subscription?.dispose();
      for (const name of names) registry.removeSingleMetric(name);
      // On a shared registry the default metrics stay: another service there may be using them.
      if (options.registry === undefined) for (const m of defaults) registry.removeSingleMetric(m.name);
    },
  };
}
