/**
 * prom-client's default process metrics, collected once per process and shared by every health
 * metrics registry that asks for them.
 */
import type * as PromClient from 'prom-client';
import type { Registry } from 'prom-client';
import { lazyModule } from '../common/lazy-module.js';
import { ConfigError } from '../errors/config-error.js';

const promClient = lazyModule<typeof PromClient>('prom-client');

/** A metric as the registry holds it, with its name (prom-client's own types leave `name` out). */
export type NamedMetric = PromClient.Metric & { readonly name: string };

/** The process's default metrics, collected once (see {@link defaultMetricsFor}). */
let processDefaults: readonly NamedMetric[] | undefined;

/** A name the default set always has: a registry holding it has default metrics already. */
const DEFAULT_MARKER = 'process_cpu_user_seconds_total';

/**
 * The default process metrics (`process_*`, `nodejs_*`) to register on `registry`: none when it has
 * them already (another service on a shared registry, or the application, added them), else the
 * process's one set. prom-client's `collectDefaultMetrics` starts a GC observer and an event-loop
 * monitor on each call, with no way to stop them, so it runs once per process, into a registry of
 * phasegate's own; every later health server (a restart, another service) registers those same
 * metric objects again (a metric may be on several registries) instead of starting more observers.
 *
 * @throws ConfigError at `<optionsPath>.defaultMetrics` when `registry` has some of those names but
 *   not the whole set: registering ours would fail halfway.
 */
export function defaultMetricsFor(registry: Registry, optionsPath: string): readonly NamedMetric[] {
  if (processDefaults === undefined) {
    const { Registry, collectDefaultMetrics } = promClient();
    const collected = new Registry();
    collectDefaultMetrics({ register: collected });
    processDefaults = collected.getMetricsAsArray() as unknown as NamedMetric[];
  }
  if (registry.getSingleMetric(DEFAULT_MARKER) !== undefined) return [];
  const taken = processDefaults.find((metric) => registry.getSingleMetric(metric.name) !== undefined);
  if (taken !== undefined) {
    throw new ConfigError(
      `${optionsPath}.defaultMetrics`,
      `the registry already has a metric named ${taken.name}, one of the default process metrics`,
      'leave defaultMetrics off on that registry, or give phasegate a registry of its own',
    );
  }
  return processDefaults;
}
