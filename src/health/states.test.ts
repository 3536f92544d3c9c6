import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AVAILABILITY_LEVELS, type Availability } from '../orchestrator/availability.js';
import type {
  ComponentSnapshot,
  ComponentState,
  ServiceStatus,
  StartupSnapshot,
} from '../orchestrator/snapshot.js';
import { SERVICE_STATUSES, readinessOf, reportedSnapshot, reportedStatus, startupOf } from './states.js';

const COMPONENT_STATES: readonly ComponentState[] = [
  'pending',
  'starting',
  'ready',
  'degraded',
  'unhealthy',
  'failed',
  'stopping',
  'stopped',
];

function component(state: ComponentState, critical = true): ComponentSnapshot {
  return { name: 'db', phase: 'database', critical, state, attempts: 1, lastError: null, breaker: null };
}

function snap(
  status: ServiceStatus,
  availability: Availability = 'FULL',
  components: ComponentSnapshot[] = [component('ready')],
  readyAt: number | null = null,
): StartupSnapshot {
  return { status, availability, startedAt: 0, readyAt, phases: [], components };
}

const strict = { degradedIsReady: false, draining: false };
const lenient = { degradedIsReady: true, draining: false };

describe('readinessOf', () => {
  it.each<[ServiceStatus, Availability, string, string]>([
    // status, availability, default answer, answer with degradedIsReady
    ['starting', 'FULL', 'starting', 'starting'],
    ['ready', 'FULL', 'ready', 'ready'],
    ['ready', 'DEGRADED', 'degraded', 'ready'],
    ['ready', 'MINIMAL', 'degraded', 'ready'],
    ['ready', 'UNAVAILABLE', 'unavailable', 'unavailable'],
    ['degraded', 'DEGRADED', 'degraded', 'ready'],
    ['degraded', 'FULL', 'degraded', 'ready'],
    ['degraded', 'UNAVAILABLE', 'degraded', 'unavailable'],
    ['draining', 'FULL', 'draining', 'draining'],
    ['stopped', 'FULL', 'stopped', 'stopped'],
    ['failed', 'UNAVAILABLE', 'failed', 'failed'],
  ])(
    'status %s, availability %s: %s (degradedIsReady: %s)',
    (status, availability, byDefault, withDegraded) => {
      expect(readinessOf(snap(status, availability), strict)).toBe(byDefault);
      expect(readinessOf(snap(status, availability), lenient)).toBe(withDegraded);
    },
  );

  it.each<[ComponentState, string, string]>([
    ['ready', 'ready', 'ready'],
    ['degraded', 'degraded', 'ready'],
    ['unhealthy', 'critical-component-unhealthy', 'critical-component-unhealthy'],
    ['failed', 'critical-component-unhealthy', 'critical-component-unhealthy'],
    ['stopped', 'critical-component-unhealthy', 'critical-component-unhealthy'],
  ])('a critical component %s after ready: %s (degradedIsReady: %s)', (state, byDefault, withDegraded) => {
    const s = snap('ready', 'FULL', [component('ready'), component(state)]);
    expect(readinessOf(s, strict)).toBe(byDefault);
    expect(readinessOf(s, lenient)).toBe(withDegraded);
  });

  it('ignores the state of non-critical components', () => {
    for (const state of COMPONENT_STATES) {
      expect(readinessOf(snap('ready', 'FULL', [component('ready'), component(state, false)]), strict)).toBe(
        'ready',
      );
    }
  });

  it('is never ready while the lifecycle drains, whatever the snapshot says', () => {
    expect(readinessOf(snap('ready'), { degradedIsReady: true, draining: true })).toBe('draining');
  });

  const arbitrarySnapshot = fc.record({
    status: fc.constantFrom(...SERVICE_STATUSES),
    availability: fc.constantFrom(...AVAILABILITY_LEVELS),
    components: fc.array(
      fc
        .record({ state: fc.constantFrom(...COMPONENT_STATES), critical: fc.boolean() })
        .map((c) => component(c.state, c.critical)),
      { maxLength: 5 },
    ),
  });

  it('property: ready implies status ready/degraded, not UNAVAILABLE, no critical component down', () => {
    fc.assert(
      fc.property(arbitrarySnapshot, fc.boolean(), (s, degradedIsReady) => {
        const snapshot = snap(s.status, s.availability, s.components);
        if (readinessOf(snapshot, { degradedIsReady, draining: false }) !== 'ready') return;
        expect(['ready', 'degraded']).toContain(s.status);
        expect(s.availability).not.toBe('UNAVAILABLE');
        for (const c of s.components.filter((x) => x.critical))
          expect(['ready', 'degraded']).toContain(c.state);
        if (!degradedIsReady) {
          expect(s.status).toBe('ready');
          expect(s.availability).toBe('FULL');
        }
      }),
    );
  });

  it('property: degradedIsReady only ever turns not-ready into ready, never the reverse', () => {
    fc.assert(
      fc.property(arbitrarySnapshot, fc.boolean(), (s, draining) => {
        const snapshot = snap(s.status, s.availability, s.components);
        if (readinessOf(snapshot, { degradedIsReady: false, draining }) === 'ready') {
          expect(readinessOf(snapshot, { degradedIsReady: true, draining })).toBe('ready');
        }
      }),
    );
  });
});

describe('startupOf', () => {
  it.each<[ServiceStatus, number | null, string]>([
    ['starting', null, 'starting'],
    ['ready', 1, 'started'],
    ['degraded', null, 'started'],
    ['draining', null, 'starting'], // SIGTERM during startup
    ['draining', 1, 'started'], // SIGTERM after ready
    ['stopped', null, 'stopped'],
    ['stopped', 1, 'started'],
    ['failed', null, 'failed'],
    ['failed', 1, 'started'],
  ])('status %s with readyAt %s: %s', (status, readyAt, expected) => {
    expect(startupOf(snap(status, 'FULL', [], readyAt))).toBe(expected);
  });

  it('stays started once the handler has seen startup finish (latch)', () => {
    expect(startupOf(snap('draining'), true)).toBe('started');
    expect(startupOf(snap('starting'), true)).toBe('starting');
  });
});

describe('reportedStatus', () => {
  it('reports draining when the lifecycle drains, until stopped or failed', () => {
    expect(reportedStatus('ready', true)).toBe('draining');
    expect(reportedStatus('starting', true)).toBe('draining');
    expect(reportedStatus('stopped', true)).toBe('stopped');
    expect(reportedStatus('failed', true)).toBe('failed');
    expect(reportedStatus('degraded', false)).toBe('degraded');
  });
});

describe('reportedSnapshot', () => {
  it('shows a draining service as draining and UNAVAILABLE; otherwise the snapshot itself', () => {
    const ready = { ...snap('ready'), availability: 'FULL' as const };
    expect(reportedSnapshot(ready, true)).toMatchObject({ status: 'draining', availability: 'UNAVAILABLE' });
    expect(reportedSnapshot(ready, false)).toBe(ready);
    const failed = snap('failed');
    expect(reportedSnapshot(failed, true)).toBe(failed);
  });
});
