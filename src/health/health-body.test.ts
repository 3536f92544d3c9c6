import { describe, expect, it } from 'vitest';
import type { StartupSnapshot } from '../orchestrator/snapshot.js';
import { healthBody } from './health-body.js';

const leaky: StartupSnapshot = {
  status: 'degraded',
  availability: 'DEGRADED',
  startedAt: 1000,
  readyAt: 2000,
  phases: [{ name: 'database', state: 'done', startedAt: 1000, durationMs: 900 }],
  components: [
    {
      name: 'postgres',
      phase: 'database',
      critical: false,
      state: 'degraded',
      attempts: 4,
      lastError: {
        code: 'ECONNREFUSED',
        class: 'transient',
        message: 'connect postgres://u:secret@h/db failed; dsn host=h password=secret token=abc123',
      },
      breaker: 'open',
      pool: { open: 0, target: 10, max: 20 },
    },
  ],
  admission: { backend: 'redis://:secret@cache:6379', waitedMs: 12 },
};

describe('healthBody', () => {
  it('redacts every string, even when the source forgot to', () => {
    const json = JSON.stringify(healthBody(leaky));
    expect(json).not.toContain('secret');
    expect(json).not.toContain('abc123');
    expect(json).toContain('postgres://u:***@h/db');
    expect(json).toContain('password=***');
    expect(json).toContain('redis://:***@cache:6379');
  });

  it('copies only the documented fields', () => {
    const withExtras = {
      ...leaky,
      config: { databaseUrl: 'postgres://u:pw@h/db' },
      components: [{ ...leaky.components[0]!, options: { password: 'pw' } }],
    } as unknown as StartupSnapshot;
    const body = healthBody(withExtras) as unknown as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(
      ['admission', 'availability', 'components', 'phases', 'readyAt', 'startedAt', 'status'].sort(),
    );
    expect(JSON.stringify(body)).not.toContain('pw');
    expect(body.components).toEqual([
      {
        name: 'postgres',
        phase: 'database',
        critical: false,
        state: 'degraded',
        attempts: 4,
        lastError: {
          code: 'ECONNREFUSED',
          class: 'transient',
          message: 'connect postgres://u:***@h/db failed; dsn host=h password=*** token=***',
        },
        breaker: 'open',
        pool: { open: 0, target: 10, max: 20 },
      },
    ]);
  });

  it('reports the status it is given (the draining override)', () => {
    expect(healthBody(leaky, 'draining').status).toBe('draining');
    expect(healthBody({ ...leaky, admission: undefined }).admission).toBeUndefined();
  });
});
