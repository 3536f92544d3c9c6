import { describe, expect, it } from 'vitest';
import { AbortedError } from '../errors/aborted-error.js';
import { fakeComponent } from '../testing/fake-component.js';
import { runUntilSettled } from '../testing/run-until-settled.js';
import type { Orchestrator } from './orchestrator.js';
import { orchestratorFixture } from './test-fixtures.js';

const badPassword = Object.assign(new Error('password authentication failed for user "app"'), {
  code: '28P01',
});

/** `name: state/attempts/lastError code` of every component, as `/health` shows them. */
const components = (orchestrator: Orchestrator): string[] =>
  orchestrator
    .snapshot()
    .components.map((c) => `${c.name}: ${c.state}/${c.attempts}/${c.lastError?.code ?? '-'}`);

describe('Orchestrator: a component that never started does not stay pending once startup has ended', () => {
  it('after a fatal failure: a same-phase dependent and a later phase’s components are stopped', async () => {
    const { clock, orchestrator } = orchestratorFixture((clock) => [
      {
        name: 'database',
        components: [
          fakeComponent({ name: 'db', clock, failTimes: Infinity, error: badPassword }),
          fakeComponent({ name: 'migrations', clock, dependsOn: ['db'] }),
        ],
      },
      { name: 'services', components: [fakeComponent({ name: 'api', clock })] },
    ]);
    // What a /health request made as the status turns `failed` sees (before anything is stopped).
    let atFailed: string[] = [];
    orchestrator.on('status-change', ({ to }) => {
      if (to === 'failed') atFailed = components(orchestrator);
    });
    expect((await runUntilSettled(clock, orchestrator.start())).ok).toBe(false);
    expect(orchestrator.status).toBe('failed');
    expect(atFailed).toEqual(['db: failed/1/28P01', 'migrations: stopped/0/-', 'api: stopped/0/-']);
    expect(components(orchestrator)).toEqual([
      'db: failed/1/28P01',
      'migrations: stopped/0/-',
      'api: stopped/0/-',
    ]);
    expect(orchestrator.snapshot().phases.map((p) => p.state)).toEqual(['failed', 'skipped']);
  });

  it('after a cancelled startup: the components of the phases it never reached are stopped', async () => {
    const { clock, orchestrator } = orchestratorFixture((clock) => [
      { name: 'database', components: [fakeComponent({ name: 'db', clock, startMs: 1_000 })] },
      { name: 'services', components: [fakeComponent({ name: 'api', clock })] },
    ]);
    const controller = new AbortController();
    const started = orchestrator.start(controller.signal);
    await clock.advance(500);
    expect(components(orchestrator)).toEqual(['db: starting/1/-', 'api: pending/0/-']);
    controller.abort(new AbortedError('SIGTERM during startup', 'SIGTERM'));
    expect((await runUntilSettled(clock, started)).ok).toBe(false);
    expect(orchestrator.status).toBe('stopped');
    expect(components(orchestrator)).toEqual(['db: stopped/1/PG_ERR_ABORTED', 'api: stopped/0/-']);
    expect(clock.pending).toBe(0);
  });

  it('after stop() before start(): start() is refused, so nothing is left pending', async () => {
    const { orchestrator } = orchestratorFixture((clock) => [
      { name: 'database', components: [fakeComponent({ name: 'db', clock })] },
    ]);
    await orchestrator.stop();
    expect(orchestrator.status).toBe('stopped');
    expect(components(orchestrator)).toEqual(['db: stopped/0/-']);
    await expect(orchestrator.start()).rejects.toThrow(/stopped before it started/);
  });
});
