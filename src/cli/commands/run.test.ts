import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { PlanInput, RunServiceOptionsInput } from '../../index.js';
import { FakeClock } from '../../testing/fake-clock.js';
import { runModule, type ModuleLoader } from './run.js';

/** A service module's plan: one component that starts at once (or fails with `error`). */
const plan = (error?: Error): PlanInput => ({
  phases: [
    {
      name: 'init',
      components: [
        {
          name: 'hello',
          start: () => (error ? Promise.reject(error) : Promise.resolve('hi')),
        },
      ],
    },
  ],
});

function setup(loaded: unknown | Error) {
  const proc = new EventEmitter();
  let out = '';
  let err = '';
  const urls: string[] = [];
  const load: ModuleLoader = (url) => {
    urls.push(url);
    return loaded instanceof Error ? Promise.reject(loaded) : Promise.resolve(loaded);
  };
  const extra: RunServiceOptionsInput = {
    host: '127.0.0.1',
    clock: new FakeClock(), // nothing here waits on time: a timer that fired would be a bug
    process: proc,
    stdout: { write: (chunk: string) => void (out += chunk), isTTY: false },
    exit: () => undefined,
    drainDelayMs: 0,
  };
  return {
    proc,
    urls,
    output: () => out,
    err: () => err,
    run: (flags: Record<string, string> = {}) =>
      runModule('service.mjs', { port: '0', ...flags }, { err: (text) => void (err += text) }, load, extra),
  };
}

describe('phasegate run', () => {
  it("starts the module's plan with its options, serves health, and exits 0 on SIGTERM", async () => {
    const s = setup({ default: plan(), options: { startupBudgetMs: 5_000 } });
    const exited = s.run({ mode: 'graceful' });
    await until(() => s.output().includes('"event":"service.ready"'));
    expect(s.urls[0]).toMatch(/^file:\/\/.*\/service\.mjs$/); // resolved from the working directory
    expect(s.output()).toContain('"budgetMs":5000'); // the module's options
    expect(s.output()).toContain('"mode":"graceful"'); // the flag
    s.proc.emit('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('exits with the documented code when startup fails: 78 for bad credentials', async () => {
    const denied = Object.assign(new Error('password authentication failed for user "app"'), {
      code: '28P01',
    });
    const s = setup({ default: () => plan(denied) });
    expect(await s.run()).toBe(78);
    expect(s.output()).toContain('"event":"service.startup-failed"');
  });

  it.each([
    [
      'a module that cannot be found',
      Object.assign(new Error("Cannot find module '/x/service.mjs'"), { code: 'ERR_MODULE_NOT_FOUND' }),
      'cannot load service.mjs',
    ],
    [
      'a module that throws while loading',
      new Error('boom at import'),
      'service.mjs threw while loading: boom',
    ],
    ['no default export', { options: {} }, 'has no default export that is a plan'],
    [
      'options that are not an object',
      { default: plan(), options: 5 },
      'exports options that are not an object',
    ],
  ])('exits 78 for %s, naming the module and the fix', async (_case, loaded, message) => {
    const s = setup(loaded);
    expect(await s.run()).toBe(78);
    expect(s.err()).toContain(message);
    expect(s.err()).toContain('fix:');
  });

  it('exits 78 for a bad flag, naming it', async () => {
    const s = setup({ default: plan() });
    expect(await s.run({ mode: 'fast' })).toBe(78);
    expect(s.err()).toContain('--mode: must be deterministic or graceful');
    expect(s.urls).toEqual([]); // checked before the module's top-level code runs
    const port = setup({ default: plan() });
    expect(await port.run({ port: 'eighty' })).toBe(78);
    expect(port.err()).toContain('--port');
  });

  it.each([
    [{ port: '70000' }, '--port: must be a whole number from 0 to 65535, got "70000"'],
    [{ budgetMs: '0' }, '--budget-ms: must be a whole number from 1'],
    [{ host: '' }, '--host: must be an interface address or host name, got ""'],
    [{ host: ' ' }, '--host: must be an interface address or host name'],
  ])(
    'exits 78 for a flag out of range (%o), naming the flag, before loading the module',
    async (flags, message) => {
      const s = setup({ default: plan() });
      expect(await s.run(flags)).toBe(78);
      expect(s.err()).toContain(message);
      expect(s.urls).toEqual([]);
    },
  );
});

/** Let real I/O and promise callbacks run until `condition` holds (no time passes on the clock). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition not met after 2 000 turns of the event loop');
}
