/** Test fixtures of the lifecycle tests (test-fixtures files are left out of the package). */
import { EventEmitter } from 'node:events';
import { FakeClock } from '../testing/fake-clock.js';
import type { RunServiceOptionsInput } from './run-service-options.js';

/** Everything a `runService` test injects (clock, process, stdout, exit), and what it observed. */
export function runServiceHarness() {
  const clock = new FakeClock();
  const proc = new EventEmitter();
  const exits: number[] = [];
  let out = '';
  const stdout = { write: (chunk: string) => void (out += chunk), isTTY: false };
  const log: string[] = [];
  return {
    clock,
    proc,
    exits,
    log,
    output: () => out,
    lines: () =>
      out
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    options: (extra: RunServiceOptionsInput = {}): RunServiceOptionsInput => ({
      port: 0,
      host: '127.0.0.1',
      clock,
      process: proc,
      stdout,
      exit: (code) => void exits.push(code),
      drainDelayMs: 1_000,
      gracePeriodMs: 10_000,
      startupBudgetMs: 30_000,
      ...extra,
    }),
  };
}

/** What {@link runServiceHarness} returns. */
export type RunServiceHarness = ReturnType<typeof runServiceHarness>;
