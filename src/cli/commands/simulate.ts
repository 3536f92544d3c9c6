import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  ConfigError,
  ExitCodes,
  isConfigError,
  loadScenario,
  MAX_INSTANCES,
  MAX_SEED,
  safeMessage,
  simulate,
  withOverrides,
  type Scenario,
  type SimulateOptions,
} from '../../index.js';
import { integerFlag } from '../integer-flag.js';
import { renderSimulation, type RenderedSimulation } from '../render-simulation.js';
import { simulateInWorker } from '../simulate-in-worker.js';
import { writeFileWhole } from '../write-report.js';
// Type-only: a value import from main.ts would be circular (main.ts registers this command).
import type { CliIo } from '../main.js';

/** The raw flags of `phasegate simulate`, as commander hands them over. */
export interface SimulateFlags {
  readonly json?: boolean;
  readonly report?: string;
  readonly instances?: string;
  readonly seed?: string;
}

/** Exit codes of `phasegate simulate`. */
export const SimulateExitCodes = {
  /** The simulation ran (whatever the strategies achieved). */
  OK: 0,
  /**
   * A bad scenario file or flag, or a `--report` that cannot be written (checked before the run;
   * a write that fails after it leaves no file behind); the message names the field or flag, and
   * nothing is printed on standard output.
   */
  BAD_INPUT: ExitCodes.CONFIG,
} as const;

/** Register `phasegate simulate` on `program`. */
export function registerSimulate(program: Command, io: CliIo, options: SimulateOptions = {}): Command {
  return program
    .command('simulate')
    .summary('simulate a startup storm: the real policies and components on virtual time')
    .description(
      'Simulate a fleet starting at once through a network connector into a database with a ' +
        'connection limit, running the real orchestrator, policies and Postgres component on virtual ' +
        'time, for each strategy of the scenario side by side. Prints a table (or JSON with --json) ' +
        'with each strategy against the physical lower bound. Exit 0 when it ran, 78 for a bad scenario, ' +
        'flag or --report path.',
    )
    .argument('<scenario>', 'scenario YAML file (see examples/scenarios/)')
    .option('--json', 'print JSON instead of a table (byte-identical for the same scenario and seed)')
    .option('--report <file>', 'write a self-contained HTML report with charts')
    .option('--instances <n>', `override the scenario's fleet.instances (1 to ${MAX_INSTANCES})`)
    .option('--seed <n>', `override the scenario's seed (0 to ${MAX_SEED})`)
    .action(async (file: string, flags: SimulateFlags) => {
      io.exit(await runSimulate(file, flags, io, options));
    });
}

/**
 * The `phasegate simulate` command: load the scenario, apply the overrides, simulate, print, and
 * return the exit code ({@link SimulateExitCodes}).
 */
export async function runSimulate(
  file: string,
  flags: SimulateFlags,
  io: Pick<CliIo, 'out' | 'err' | 'progress'>,
  options: SimulateOptions = {},
): Promise<number> {
  let scenario: Scenario;
  try {
    const instances = integerFlag('--instances', flags.instances, 1, 20, MAX_INSTANCES);
    const seed = integerFlag('--seed', flags.seed, 0, 20, MAX_SEED);
    scenario = withOverrides(await loadScenario(file), { instances, seed });
    // Before the run, which may take a while: a report that cannot be written fails now.
    if (flags.report !== undefined) await checkReportPath(flags.report);
    const rendered = await render(scenario, flags.report !== undefined, options, io.progress).catch(
      (error: unknown) => {
        // The strategies are checked when the simulation starts: name the file, as for the rest.
        if (!isConfigError(error)) throw error;
        throw new ConfigError(`${file}: ${error.path}`, error.problem, error.hint, error);
      },
    );
    // The report first: a command that exits 78 prints no result, as when the check above fails.
    if (flags.report !== undefined) {
      try {
        await writeFileWhole(flags.report, rendered.html ?? '');
      } catch (error) {
        throw new ConfigError(
          '--report',
          `cannot write ${flags.report}: ${safeMessage(error)}`,
          'check the path and the free space',
        );
      }
    }
    io.out(flags.json ? rendered.json : rendered.table);
    if (flags.report !== undefined && !flags.json) io.out(`\nReport written to ${flags.report}\n`);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    io.err(`phasegate simulate: ${error.message}\n`);
    return SimulateExitCodes.BAD_INPUT;
  }
  return SimulateExitCodes.OK;
}

/**
 * Simulate and render. With the built-in strategies the run goes to a worker thread with a larger
 * young generation ({@link simulateInWorker}: about a quarter faster at fleet scale); options given
 * in code (custom strategies, a settle mode, progress callbacks) cannot cross a thread, so those
 * runs stay in this thread. Both print the same bytes. With `progress` (the process's on a
 * terminal), the worker's run reports each strategy as it finishes, on standard error.
 */
async function render(
  scenario: Scenario,
  report: boolean,
  options: SimulateOptions,
  progress: ((text: string) => void) | undefined,
): Promise<RenderedSimulation> {
  const inThread =
    options.strategies !== undefined || options.settle !== undefined || options.onStrategyDone !== undefined;
  if (!inThread) {
    if (progress === undefined) return simulateInWorker(scenario, report);
    const { strategies, fleet, durationMs } = scenario;
    progress(
      `Simulating ${strategies.length} ${strategies.length === 1 ? 'strategy' : 'strategies'} × ` +
        `${fleet.instances} ${fleet.instances === 1 ? 'instance' : 'instances'}, ` +
        `up to ${(durationMs / 60_000).toFixed(1)} virtual min each...\n`,
    );
    let last = performance.now();
    return simulateInWorker(scenario, report, ({ name, instances, ready }) => {
      const now = performance.now();
      progress(`  ${name}: ${ready}/${instances} ready (${((now - last) / 1000).toFixed(1)} s)\n`);
      last = now;
    });
  }
  return renderSimulation(await simulate(scenario, options), scenario, report);
}

/** `--report` must name a file in a directory we can write to. */
async function checkReportPath(path: string): Promise<void> {
  // `--report ""` (an unset shell variable): its directory, the working one, is writable.
  if (path.trim() === '') {
    throw new ConfigError('--report', 'is empty', 'give a file name, e.g. --report storm.html');
  }
  const existing = await stat(path).catch(() => undefined);
  // `out/`: a directory's name, whether or not it exists yet (it failed only after the run).
  if (existing?.isDirectory() || /[\\/]$/.test(path)) {
    throw new ConfigError(
      '--report',
      `${path} ${existing?.isDirectory() ? 'is' : 'names'} a directory`,
      'give a file name, e.g. --report storm.html',
    );
  }
  // A read-only report of an earlier run: the report replaces a file, which its directory allows.
  if (existing !== undefined) {
    try {
      await access(path, constants.W_OK);
    } catch (error) {
      throw new ConfigError('--report', `cannot write ${path}: ${safeMessage(error)}`, 'check the path');
    }
  }
  const directory = dirname(resolve(path));
  // access() checks a file's mode bits too: a file where the directory should be passes it.
  const parent = await stat(directory).catch(() => undefined);
  if (parent !== undefined && !parent.isDirectory()) {
    throw new ConfigError(
      '--report',
      `cannot write ${path}: ${directory} is not a directory`,
      'check the path',
    );
  }
  try {
    await access(directory, constants.W_OK);
  } catch (error) {
    throw new ConfigError('--report', `cannot write ${path}: ${safeMessage(error)}`, 'check the path');
  }
}
