import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { FakeClock } from '../testing/fake-clock.js';
import { fakeComponent } from '../testing/fake-component.js';
import { installProcessHooks } from './process-hooks.js';
import { runService, type RunningService } from './run-service.js';
import { runServiceHarness as harness } from './test-fixtures.js';

function plan(clock: FakeClock) {
  return { phases: [{ name: 'database', components: [fakeComponent({ name: 'db', clock })] }] };
}

/** The exit code, or 'pending' when the run has not exited after a bounded number of turns. */
async function exitOf(service: RunningService): Promise<number | 'pending'> {
  let code: number | undefined;
  void service.exited.then((c) => (code = c));
  for (let i = 0; i < 200 && code === undefined; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  return code ?? 'pending';
}

describe('runService: a failure while setting up the logger, live view or process hooks', () => {
  it.each([false, true])(
    'loggerOptions pino refuses exit 78 with a ConfigError naming loggerOptions (liveView %s), nothing left installed',
    async (liveView) => {
      const h = harness();
      const service = runService(
        plan(h.clock),
        h.options({ liveView, loggerOptions: { redactPaths: ['headers['] } }),
      );
      expect(await exitOf(service)).toBe(78);
      expect(h.exits).toEqual([78]);
      expect(await service.listening).toBeUndefined();
      expect(service.state).toBe('exited');
      expect(h.proc.eventNames()).toEqual([]);
      expect(h.clock.pending).toBe(0);
      const failed = h.lines().find((line) => line.event === 'service.startup-failed');
      expect(failed).toMatchObject({ exitCode: 78, errorClass: 'config' });
      expect(failed!.err).toMatchObject({ code: 'PG_ERR_CONFIG', path: 'loggerOptions' });
    },
  );

  it('a process whose stdout refuses a listener exits 1, and no listener is left on the process', async () => {
    const h = harness();
    const proc = Object.assign(new EventEmitter(), {
      stdout: {
        on: () => {
          throw new Error('stdout.on exploded');
        },
        removeListener: () => undefined,
      },
    });
    const service = runService(plan(h.clock), h.options({ process: proc }));
    expect(await exitOf(service)).toBe(1);
    expect(h.exits).toEqual([1]);
    expect(proc.eventNames()).toEqual([]);
    expect(h.clock.pending).toBe(0);
    const failed = h.lines().find((line) => line.event === 'service.startup-failed');
    expect(failed).toMatchObject({ exitCode: 1, errorClass: 'internal' });
  });
});

describe('installProcessHooks: a target that throws part way', () => {
  it('removes the listeners it already added and rethrows', () => {
    const stderr = new EventEmitter();
    stderr.on = () => {
      throw new Error('stderr.on exploded');
    };
    const proc = Object.assign(new EventEmitter(), { stdout: new EventEmitter(), stderr });
    const handlers = { onSignal: () => undefined, onFatal: () => undefined };
    expect(() => installProcessHooks(proc, ['SIGTERM', 'SIGINT'], handlers)).toThrow('stderr.on exploded');
    expect(proc.eventNames()).toEqual([]);
    expect(proc.stdout.eventNames()).toEqual([]);
  });
});
