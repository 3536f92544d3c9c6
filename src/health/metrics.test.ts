import { Registry, register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Emitter } from '../common/events.js';
import type { OrchestratorEvent } from '../orchestrator/orchestrator-events.js';
import type { SnapshotSource, StartupSnapshot } from '../orchestrator/snapshot.js';
import { createHealthMetrics } from './metrics.js';

function sourceOf(snapshot: StartupSnapshot): SnapshotSource & { calls: number; current: StartupSnapshot } {
  return {
    calls: 0,
    current: snapshot,
    snapshot() {
      this.calls += 1;
      return this.current;
    },
  };
}

const base: StartupSnapshot = {
  status: 'ready',
  availability: 'DEGRADED',
  startedAt: 1_000,
  readyAt: 32_060,
  phases: [
    { name: 'init', state: 'done', startedAt: 1_000, durationMs: 60 },
    { name: 'dependencies', state: 'done', startedAt: 1_060, durationMs: 31_000 },
    { name: 'database', state: 'running', startedAt: 32_060, durationMs: null },
  ],
  components: [
    {
      name: 'postgres',
      phase: 'database',
      critical: true,
      state: 'ready',
      attempts: 3,
      lastError: null,
      breaker: 'half-open',
      pool: { open: 5, target: 12, max: 50, idle: 2, waiting: 0 },
    },
    {
      name: 'redis',
      phase: 'cache',
      critical: false,
      state: 'degraded',
      attempts: 7,
      lastError: null,
      breaker: 'open',
    },
    {
      name: 'key',
      phase: 'dependencies',
      critical: true,
      state: 'ready',
      attempts: 1,
      lastError: null,
      breaker: null,
    },
  ],
  admission: { backend: 'postgres', waitedMs: 2_500 },
};

describe('createHealthMetrics', () => {
  it('serves every series from one snapshot per scrape', async () => {
    const source = sourceOf(base);
    const metrics = createHealthMetrics(source);
    const text = await metrics.render();
    expect(source.calls).toBe(1);
    const lines = text.split('\n');
    for (const expected of [
      'phasegate_status{status="ready"} 1',
      'phasegate_status{status="starting"} 0',
      'phasegate_availability{level="DEGRADED"} 1',
      'phasegate_availability{level="FULL"} 0',
      'phasegate_startup_duration_seconds 31.06',
      'phasegate_phase_duration_seconds{phase="init"} 0.06',
      'phasegate_phase_duration_seconds{phase="dependencies"} 31',
      'phasegate_component_attempts{component="postgres",phase="database"} 3',
      'phasegate_component_attempts{component="redis",phase="cache"} 7',
      'phasegate_component_up{component="postgres",phase="database",critical="true"} 1',
      'phasegate_component_up{component="redis",phase="cache",critical="false"} 0',
      'phasegate_breaker_state{component="postgres",phase="database"} 1',
      'phasegate_breaker_state{component="redis",phase="cache"} 2',
      'phasegate_pool_connections{component="postgres",phase="database",kind="open"} 5',
      'phasegate_pool_connections{component="postgres",phase="database",kind="target"} 12',
      'phasegate_pool_connections{component="postgres",phase="database",kind="max"} 50',
      'phasegate_pool_connections{component="postgres",phase="database",kind="idle"} 2',
      'phasegate_admission_wait_seconds{backend="postgres"} 2.5',
    ]) {
      expect(lines).toContain(expected);
    }
    // A running phase has no duration yet; a component without a breaker has no breaker series.
    expect(text).not.toContain('phasegate_phase_duration_seconds{phase="database"}');
    expect(text).not.toContain('phasegate_breaker_state{component="key"');
    expect(metrics.contentType).toContain('text/plain');
  });

  it("labels every per-component series with the component's phase, as attempts and up are", async () => {
    const metrics = createHealthMetrics(sourceOf(base));
    metrics.observeComponentStart({
      component: 'postgres',
      phase: 'database',
      durationMs: 5,
      outcome: 'ready',
    });
    const phaseOf = new Map(base.components.map((c) => [c.name, c.phase]));
    const samples = (await metrics.render()).split('\n').filter((l) => l.includes('component="'));
    const series = new Set(samples.map((l) => l.slice(0, l.indexOf('{'))));
    expect(series).toEqual(
      new Set([
        'phasegate_component_attempts',
        'phasegate_component_up',
        'phasegate_breaker_state',
        'phasegate_pool_connections',
        'phasegate_component_start_duration_seconds_bucket',
        'phasegate_component_start_duration_seconds_sum',
        'phasegate_component_start_duration_seconds_count',
      ]),
    );
    for (const line of samples) {
      const component = /component="(\w+)"/.exec(line)![1]!;
      expect(line).toContain(`component="${component}",phase="${phaseOf.get(component)}"`);
    }
  });

  it('has no startup duration sample until the service is ready, and none after a failed start', async () => {
    const source = sourceOf({ ...base, status: 'starting', availability: 'UNAVAILABLE', readyAt: null });
    const metrics = createHealthMetrics(source);
    const sample = /^phasegate_startup_duration_seconds /m;
    expect(await metrics.render()).not.toMatch(sample);
    source.current = base;
    expect(await metrics.render()).toMatch(/^phasegate_startup_duration_seconds 31\.06$/m);
    source.current = { ...base, status: 'failed', availability: 'UNAVAILABLE', readyAt: null };
    expect(await metrics.render()).not.toMatch(sample);
  });

  it('names every pool kind it reports in the help text', async () => {
    const text = await createHealthMetrics(sourceOf(base)).render();
    const help = /^# HELP phasegate_pool_connections (.*)$/m.exec(text)?.[1] ?? '';
    const kinds = [...text.matchAll(/^phasegate_pool_connections\{[^}]*kind="(\w+)"/gm)].map((m) => m[1]);
    expect(new Set(kinds)).toEqual(new Set(['open', 'target', 'max', 'idle', 'waiting']));
    for (const words of ['open', 'target', 'max', 'idle', 'waiting']) expect(help).toContain(words);
  });

  it('follows the snapshot between scrapes, dropping series that are gone', async () => {
    const source = sourceOf(base);
    const metrics = createHealthMetrics(source);
    await metrics.render();
    source.current = {
      ...base,
      status: 'draining',
      availability: 'FULL',
      components: [],
      admission: undefined,
    };
    const text = await metrics.render();
    expect(source.calls).toBe(2);
    expect(text).toContain('phasegate_status{status="draining"} 1');
    expect(text).toContain('phasegate_status{status="ready"} 0');
    expect(text).not.toContain('component="postgres"');
    expect(text).not.toContain('phasegate_admission_wait_seconds{');
  });

  it('counts a component as up only while it is ready, not while degraded, unhealthy or failed', async () => {
    const states = ['ready', 'degraded', 'unhealthy', 'failed', 'starting'] as const;
    const source = sourceOf({
      ...base,
      components: states.map((state) => ({
        name: state,
        phase: 'cache',
        critical: false,
        state,
        attempts: 1,
        lastError: null,
        breaker: null,
      })),
    });
    const text = await createHealthMetrics(source).render();
    for (const state of states) {
      const up = state === 'ready' ? 1 : 0;
      expect(text).toContain(
        `phasegate_component_up{component="${state}",phase="cache",critical="false"} ${up}`,
      );
    }
  });

  it('records component start durations from events', async () => {
    const metrics = createHealthMetrics(sourceOf(base));
    metrics.observeComponentStart({
      component: 'postgres',
      phase: 'database',
      durationMs: 1_800,
      outcome: 'ready',
    });
    const text = await metrics.render();
    expect(text).toContain(
      'phasegate_component_start_duration_seconds_bucket{le="2.5",component="postgres",phase="database",outcome="ready"} 1',
    );
    expect(text).toContain(
      'phasegate_component_start_duration_seconds_sum{component="postgres",phase="database",outcome="ready"} 1.8',
    );
  });

  it('records component starts from orchestrator events, and stops listening on dispose', async () => {
    const events = new Emitter<OrchestratorEvent>();
    const metrics = createHealthMetrics(sourceOf(base), { events: events.event });
    const common = { at: 0, phase: 'database', attempts: 2, durationMs: 3_000 };
    events.emit({ ...common, type: 'component-ready', component: 'postgres' });
    events.emit({
      ...common,
      type: 'component-degraded',
      component: 'redis',
      phase: 'cache',
      degradesTo: 'DEGRADED',
      error: new Error('down'),
      errorClass: 'transient',
    });
    const failed = {
      ...common,
      type: 'component-failed',
      critical: true,
      error: 1,
      errorClass: 'transient',
    } as const;
    events.emit({ ...failed, component: 'a', outcome: 'fatal' });
    events.emit({ ...failed, component: 'b', outcome: 'aborted' });
    const text = await metrics.render();
    const count = (labels: string): string => `phasegate_component_start_duration_seconds_count{${labels}} 1`;
    expect(text).toContain(count('component="postgres",phase="database",outcome="ready"'));
    expect(text).toContain(count('component="redis",phase="cache",outcome="degraded"'));
    expect(text).toContain(count('component="a",phase="database",outcome="failed"'));
    expect(text).not.toContain('component="b"');
    expect(events.hasListeners).toBe(true);
    metrics.dispose();
    expect(events.hasListeners).toBe(false);
  });

  it('uses a dedicated registry, never the global one, and disposes cleanly from a shared one', async () => {
    const before = (await globalRegistry.getMetricsAsJSON()).length;
    const shared = new Registry();
    const metrics = createHealthMetrics(sourceOf(base), { registry: shared, prefix: 'app_' });
    expect((await globalRegistry.getMetricsAsJSON()).length).toBe(before);
    expect(await shared.metrics()).toContain('app_status{status="ready"} 1');
    metrics.dispose();
    metrics.dispose();
    expect(await shared.metrics()).not.toContain('app_');
    // Two sets on one registry would collide; after dispose the names are free again.
    createHealthMetrics(sourceOf(base), { registry: shared, prefix: 'app_' });
  });

  it('adds default process metrics only when asked', async () => {
    const plain = await createHealthMetrics(sourceOf(base)).render();
    expect(plain).not.toContain('process_cpu_user_seconds_total');
    const withDefaults = await createHealthMetrics(sourceOf(base), { defaultMetrics: true }).render();
    expect(withDefaults).toContain('process_cpu_user_seconds_total');
  });

  it('redacts label values', async () => {
    const leaky = { ...base, admission: { backend: 'redis://:hunter2@cache', waitedMs: 1 } };
    const text = await createHealthMetrics(sourceOf(leaky)).render();
    expect(text).not.toContain('hunter2');
  });
});
