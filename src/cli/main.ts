#!/usr/bin/env node
/**
 * The `phasegate` command line. Each command lives in `src/cli/commands/<name>.ts` and exports a
 * `registerXxx(program, io)` function; adding a command is one line in {@link buildProgram}.
 */
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ExitCodes, OUTPUT_GONE_CODES, redactText } from '../index.js';
import { registerPlan } from './commands/plan.js';
import { registerRun } from './commands/run.js';
import { registerSimulate } from './commands/simulate.js';
import { refuseRepeatedFlags } from './once-flag.js';

/** Exit code for bad input on the command line (EX_CONFIG, as for any configuration error). */
export const EXIT_BAD_INPUT = ExitCodes.CONFIG;

/**
 * Exit code when the command itself failed: a bug (EX_SOFTWARE). Not 1, which `phasegate plan` uses
 * for "overcommitted", so a script can tell a verdict from a crash.
 */
export const EXIT_INTERNAL_ERROR = 70;

/**
 * Where a command writes and how it ends. Injected so that commands can be tested without spawning a
 * process or touching `process.stdout`.
 */
export interface CliIo {
  /** Write to standard output (text includes its own newlines). */
  out(text: string): void;
  /** Write to standard error. */
  err(text: string): void;
  /**
   * Progress for a person watching a long command (e.g. each strategy `phasegate simulate`
   * finished). Without it, none is shown. The process version writes to standard error when it is
   * a terminal, so pipes and logs stay clean.
   */
  progress?(text: string): void;
  /** Record the exit code. The process version sets `process.exitCode`, so output is flushed first. */
  exit(code: number): void;
}

/**
 * Set when standard output was closed by its reader (`phasegate plan | head -c 10`) or its terminal
 * (EIO): later output is dropped instead of failing, and the command still ends with its own exit
 * code.
 */
let stdoutClosed = false;

/**
 * Listen for write errors of `stdout`: a reader that has gone ends the output, not the command;
 * any other error is rethrown. Without this, an `EIO` under `phasegate run` (a closed terminal) was
 * rethrown as an uncaught exception, which made the service's orderly SIGHUP shutdown exit 1.
 */
export function guardStdout(stdout: {
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}): void {
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    // EPIPE (the reader of a pipe exited) or EIO (the terminal was closed, which also sends SIGHUP):
    // the codes runService drops for its own log lines.
    if (error.code === undefined || !OUTPUT_GONE_CODES.includes(error.code)) throw error;
    stdoutClosed = true;
  });
}

/** The {@link CliIo} of the running process. */
export const processIo: CliIo = {
  out: (text) => {
    if (!stdoutClosed) process.stdout.write(text);
  },
  err: (text) => void process.stderr.write(text),
  progress: (text) => {
    if (process.stderr.isTTY) process.stderr.write(text);
  },
  exit: (code) => {
    process.exitCode = code;
  },
};

/** The package version, read from package.json at run time (works from `src/` under tsx and from `dist/`). */
export function packageVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}

/**
 * The whole `phasegate` program with every command registered. Parse errors and `--help` /
 * `--version` do not exit the process: they end in `io.exit(code)` (0 for help and version, 78 for bad
 * input), so that the program can be driven in tests.
 *
 * @example
 * ```ts
 * await buildProgram(io).parseAsync(['plan', '--instances', '2'], { from: 'user' });
 * ```
 */
export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('phasegate')
    .description(
      "Deterministic, capacity-aware startup for Node.js services: plan the fleet's connections, " +
        'simulate a cold-start storm, and run a service.',
    )
    .version(packageVersion(), '-v, --version', 'print the version')
    .exitOverride()
    // Commander's own errors quote what was typed: `unknown option '--database-uri=postgres://app:pw@db'`.
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(redactText(text)) })
    .showHelpAfterError('(add --help for usage)');
  registerPlan(program, io);
  registerSimulate(program, io);
  registerRun(program, io);
  // A flag given twice is bad input, not "the last one wins" (see onceFlag).
  for (const command of program.commands) refuseRepeatedFlags(command);
  return program;
}

/** Run the program on `argv` (as in `process.argv`) and report the exit code through `io.exit`. */
export async function main(argv: readonly string[] = process.argv, io: CliIo = processIo): Promise<void> {
  const program = buildProgram(io);
  const [first, topic] = argv.slice(2);
  if (
    first === 'help' &&
    topic !== undefined &&
    topic !== 'help' &&
    !program.commands.some((c) => c.name() === topic)
  ) {
    // Commander would print the general help and exit 0, as if the topic existed.
    io.err(
      `error: unknown command '${topic}' (commands: ${program.commands.map((c) => c.name()).join(', ')})\n`,
    );
    io.exit(EXIT_BAD_INPUT);
    return;
  }
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    const shownOnRequest =
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.help' ||
      error.code === 'commander.version';
    io.exit(shownOnRequest ? 0 : EXIT_BAD_INPUT);
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  guardStdout(process.stdout);
  main().catch((error: unknown) => {
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`phasegate: internal error: ${redactText(detail)}\n`);
    process.exitCode = EXIT_INTERNAL_ERROR;
  });
}
