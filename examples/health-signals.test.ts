/**
 * runExample: the health examples' stop signals and exit codes, with a fake example and a plain
 * EventEmitter for the process.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { DUPLICATE_SIGNAL_WINDOW_MS, runExample, type StoppableExample } from './health-signals.js';

interface Harness {
  readonly proc: EventEmitter & { exitCode?: number | string | null | undefined };
  readonly exits: number[];
  readonly lines: string[];
  readonly example: StoppableExample;
  settle(): void;
  readonly shutdowns: number;
  finishShutdown(): void;
}

function harness(): Harness {
  const proc = new EventEmitter() as Harness['proc'];
  let settle!: () => void;
  let finishShutdown!: () => void;
  const started = new Promise<void>((resolve) => (settle = resolve));
  const stopped = new Promise<void>((resolve) => (finishShutdown = resolve));
  let shutdowns = 0;
  const example: StoppableExample = {
    url: 'http://127.0.0.1:1',
    started,
    orchestrator: { status: 'ready', availability: 'FULL' },
    shutdown: () => {
      shutdowns += 1;
      settle(); // as the real examples: shutting down aborts a startup under way
      return stopped;
    },
  };
  return {
    proc,
    exits: [],
    lines: [],
    example,
    settle,
    finishShutdown,
    get shutdowns() {
      return shutdowns;
    },
  };
}

const run = (h: Harness, start = () => Promise.resolve(h.example)): Promise<void> =>
  runExample(start, { process: h.proc, exit: (code) => h.exits.push(code), log: (l) => h.lines.push(l) });

const signals = (proc: EventEmitter): number => proc.listenerCount('SIGINT') + proc.listenerCount('SIGTERM');

describe('runExample', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s during startup: shuts down, removes its listeners, exit code %i', async (signal, code) => {
    const h = harness();
    const done = run(h);
    await Promise.resolve();
    h.proc.emit(signal);
    expect(h.shutdowns).toBe(1);
    h.finishShutdown();
    await done;
    expect(h.proc.exitCode).toBe(code);
    expect(signals(h.proc)).toBe(0);
    expect(h.lines).toContain(`${signal} during startup: aborting`);
    expect(h.lines).not.toContain('startup settled: ready (FULL)');
  });

  it('a signal while start() still runs shuts down as soon as it has returned', async () => {
    const h = harness();
    let give!: (example: StoppableExample) => void;
    const done = run(h, () => new Promise((resolve) => (give = resolve)));
    h.proc.emit('SIGTERM');
    expect(h.shutdowns).toBe(0);
    give(h.example);
    h.finishShutdown();
    await done;
    expect([h.shutdowns, h.proc.exitCode, signals(h.proc)]).toEqual([1, 143, 0]);
  });

  it('after startup settled: drains and exits 0', async () => {
    const h = harness();
    h.settle();
    await run(h);
    expect(h.lines).toContain('startup settled: ready (FULL)');
    h.proc.emit('SIGTERM');
    expect(h.lines).toContain('SIGTERM: draining');
    h.finishShutdown();
    await new Promise((resolve) => setImmediate(resolve));
    expect([h.proc.exitCode, signals(h.proc), h.exits]).toEqual([0, 0, []]);
  });

  it('a second signal during the shutdown exits at once with its code', async () => {
    const h = harness();
    h.settle();
    await run(h);
    h.proc.emit('SIGTERM');
    h.proc.emit('SIGINT');
    expect(h.exits).toEqual([130]);
    expect(h.shutdowns).toBe(1);
  });

  it('takes the same signal twice at once (terminal + npx) as one, and a later repeat as a force', async () => {
    const h = harness();
    let time = 0;
    const done = runExample(() => Promise.resolve(h.example), {
      process: h.proc,
      exit: (code) => h.exits.push(code),
      log: () => undefined,
      now: () => time,
    });
    await Promise.resolve();
    h.proc.emit('SIGINT');
    time = DUPLICATE_SIGNAL_WINDOW_MS - 1;
    h.proc.emit('SIGINT');
    expect([h.shutdowns, h.exits]).toEqual([1, []]);
    time = DUPLICATE_SIGNAL_WINDOW_MS;
    h.proc.emit('SIGINT');
    expect(h.exits).toEqual([130]);
    h.finishShutdown();
    await done;
  });

  it('a start() that throws leaves no listener behind', async () => {
    const h = harness();
    await expect(run(h, () => Promise.reject(new Error('EADDRINUSE')))).rejects.toThrow('EADDRINUSE');
    expect(signals(h.proc)).toBe(0);
  });
});
