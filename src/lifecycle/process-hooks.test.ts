import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { fakeComponent } from '../testing/fake-component.js';
import { installProcessHooks, signalExitCode, type StopSignal } from './process-hooks.js';
import { runService, type RunningService } from './run-service.js';
import type { RunServiceOptionsInput } from './run-service-options.js';

const EVENTS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'unhandledRejection', 'uncaughtException'];

function recorder() {
  const signals: Array<[StopSignal, string]> = [];
  const fatals: Array<[string, unknown]> = [];
  return {
    signals,
    fatals,
    handlers: {
      onSignal: (signal: StopSignal, received: string) => void signals.push([signal, received]),
      onFatal: (kind: string, error: unknown) => void fatals.push([kind, error]),
    },
  };
}

describe('installProcessHooks', () => {
  it('handles SIGHUP (a closed terminal) as SIGTERM, telling which signal arrived', () => {
    const proc = new EventEmitter();
    const r = recorder();
    const hooks = installProcessHooks(proc, ['SIGTERM', 'SIGINT'], r.handlers);
    proc.emit('SIGHUP');
    proc.emit('SIGTERM');
    proc.emit('SIGINT');
    expect(r.signals).toEqual([
      ['SIGTERM', 'SIGHUP'],
      ['SIGTERM', 'SIGTERM'],
      ['SIGINT', 'SIGINT'],
    ]);
    expect(signalExitCode(r.signals[0]![0])).toBe(143);
    hooks.dispose();
    hooks.dispose();
    for (const event of EVENTS) expect(proc.listenerCount(event)).toBe(0);
  });

  it('leaves SIGHUP alone when SIGTERM is not a stop signal', () => {
    const proc = new EventEmitter();
    const r = recorder();
    const hooks = installProcessHooks(proc, ['SIGINT'], r.handlers);
    expect(proc.listenerCount('SIGHUP')).toBe(0);
    expect(proc.listenerCount('SIGTERM')).toBe(0);
    hooks.dispose();
  });

  it('leaves SIGHUP alone when given no aliases', () => {
    const proc = new EventEmitter();
    const r = recorder();
    const hooks = installProcessHooks(proc, ['SIGTERM', 'SIGINT'], r.handlers, {});
    expect(proc.listenerCount('SIGHUP')).toBe(0);
    proc.emit('SIGTERM');
    expect(r.signals).toEqual([['SIGTERM', 'SIGTERM']]);
    hooks.dispose();
  });

  it('drops write errors of stdout and stderr whose reader has gone, and rethrows any other', () => {
    const proc = Object.assign(new EventEmitter(), {
      stdout: new EventEmitter(),
      stderr: new EventEmitter(),
    });
    const r = recorder();
    const hooks = installProcessHooks(proc, ['SIGTERM'], r.handlers);
    const writeError = (code: string) =>
      Object.assign(new Error(`write ${code}`), { code, syscall: 'write' });
    // A hung-up terminal (EIO) and a closed pipe (EPIPE): nothing to tell, and nobody to tell it to.
    expect(() => proc.stdout.emit('error', writeError('EIO'))).not.toThrow();
    expect(() => proc.stderr.emit('error', writeError('EPIPE'))).not.toThrow();
    expect(() => proc.stdout.emit('error', writeError('ENOSPC'))).toThrow('write ENOSPC');
    expect(r.fatals).toEqual([]);
    hooks.dispose();
    expect(proc.stdout.listenerCount('error') + proc.stderr.listenerCount('error')).toBe(0);
  });

  it('passes unhandled rejections and uncaught exceptions on', () => {
    const proc = new EventEmitter();
    const r = recorder();
    const hooks = installProcessHooks(proc, ['SIGTERM'], r.handlers);
    const boom = new Error('boom');
    proc.emit('unhandledRejection', boom);
    proc.emit('uncaughtException', boom);
    expect(r.fatals).toEqual([
      ['unhandledRejection', boom],
      ['uncaughtException', boom],
    ]);
    hooks.dispose();
  });
});

describe('runService on SIGHUP', () => {
  const clock = new FakeClock();
  let proc: EventEmitter;
  let exits: number[];
  let out: string;
  let service: RunningService | undefined;

  function options(extra: RunServiceOptionsInput = {}): RunServiceOptionsInput {
    proc = new EventEmitter();
    exits = [];
    out = '';
    return {
      port: 0,
      host: '127.0.0.1',
      clock,
      process: proc,
      stdout: { write: (chunk: string) => void (out += chunk), isTTY: false },
      exit: (code) => void exits.push(code),
      drainDelayMs: 1_000,
      gracePeriodMs: 10_000,
      startupBudgetMs: 30_000,
      ...extra,
    };
  }

  interface LogLine {
    event: string;
    signal?: string;
    received?: string;
    msg?: string;
  }
  const logLines = (): LogLine[] =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  const events = (): string[] => logLines().map((line) => line.event);

  /** Let real I/O and promise callbacks run (no virtual time passes). */
  async function until(condition: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 2_000; i++) {
      if (condition()) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  afterEach(async () => {
    if (service && service.state !== 'exited') {
      void service.shutdown('SIGINT');
      void service.shutdown('SIGINT');
      await service.exited;
    }
    service = undefined;
  });

  it('after ready: drains, stops components in reverse order and exits 0, like SIGTERM', async () => {
    const log: string[] = [];
    const db = fakeComponent({ name: 'db', clock, log });
    const api = fakeComponent({ name: 'api', clock, log });
    service = runService(
      {
        phases: [
          { name: 'database', components: [db] },
          { name: 'services', components: [api] },
        ],
      },
      options(),
    );
    await until(() => service!.state === 'running', 'running');
    proc.emit('SIGHUP');
    // The terminal's SIGHUP and a supervisor's SIGTERM together are one request, not a force.
    proc.emit('SIGTERM');
    await until(() => service!.state === 'stopping', 'stopping');
    expect(exits).toEqual([]);
    await clock.advance(1_000);
    expect(await service.exited).toBe(0);
    expect(exits).toEqual([0]);
    expect(log.filter((line) => line.startsWith('stop:'))).toEqual(['stop:api', 'stop:db']);
    expect(events()).toContain('service.draining');
    expect(events()).not.toContain('service.forced-exit');
    expect(logLines().find((line) => line.event === 'service.signal')).toMatchObject({
      signal: 'SIGTERM',
      received: 'SIGHUP',
      msg: 'received SIGHUP (handled as SIGTERM)',
    });
    for (const event of EVENTS) expect(proc.listenerCount(event)).toBe(0);
  });

  it('with stopOnHangup: false, leaves SIGHUP to the service and still stops on SIGTERM', async () => {
    const log: string[] = [];
    const db = fakeComponent({ name: 'db', clock, log });
    service = runService(
      { phases: [{ name: 'database', components: [db] }] },
      options({ stopOnHangup: false }),
    );
    await until(() => service!.state === 'running', 'running');
    expect(proc.listenerCount('SIGHUP')).toBe(0);
    let reloads = 0;
    proc.on('SIGHUP', () => reloads++);
    proc.emit('SIGHUP');
    expect(reloads).toBe(1);
    expect(service.state).toBe('running');
    expect(events()).not.toContain('service.signal');
    proc.emit('SIGTERM');
    await until(() => service!.state === 'stopping', 'stopping');
    await clock.advance(1_000);
    expect(await service.exited).toBe(0);
    expect(log).toContain('stop:db');
    proc.removeAllListeners('SIGHUP');
  });

  it('refuses a stopOnHangup that is not a boolean with a ConfigError naming it (exit 78)', async () => {
    service = runService({ phases: [] }, options({ stopOnHangup: 'yes' as never }));
    expect(await service.exited).toBe(78);
    expect(out).toContain('stopOnHangup');
  });

  it('during startup: aborts, cleans up and exits 143 (the SIGTERM exit code)', async () => {
    const log: string[] = [];
    const db = fakeComponent({ name: 'db', clock, log });
    const cache = fakeComponent({ name: 'cache', clock, startMs: 60_000, log });
    service = runService(
      {
        phases: [
          { name: 'database', components: [db] },
          { name: 'cache', components: [cache] },
        ],
      },
      options(),
    );
    await until(() => cache.running === 1, 'cache starting');
    proc.emit('SIGHUP');
    expect(await service.exited).toBe(143);
    expect(exits).toEqual([143]);
    expect(cache.aborted).toHaveLength(1);
    expect(log).toContain('stop:db');
    expect(clock.pending).toBe(0);
  });
});
