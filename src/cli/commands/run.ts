import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import {
  ConfigError,
  ExitCodes,
  isConfigError,
  runService,
  safeMessage,
  type PlanSource,
  type RunServiceOptionsInput,
} from '../../index.js';
import { integerFlag } from '../integer-flag.js';
// Type-only: a value import from main.ts would be circular (main.ts registers this command).
import type { CliIo } from '../main.js';

/** The raw flags of `phasegate run`, as commander hands them over. */
export interface RunFlags {
  readonly port?: string;
  readonly host?: string;
  readonly mode?: string;
  readonly budgetMs?: string;
}

/**
 * What a service module exports for `phasegate run`: the plan as its default export (a plan, or a
 * function that builds one from `{ logger }`), and optionally `options` for `runService`. Flags
 * override the options they name.
 *
 * @example
 * ```js
 * // service.mjs
 * export default { phases: [{ name: 'database', components: [postgresComponent({ connection: process.env.DATABASE_URL })] }] };
 * export const options = { startupBudgetMs: 90_000, listen: (ctx) => ctx.mount(app) };
 * ```
 */
export interface ServiceModule {
  readonly default: PlanSource;
  readonly options?: RunServiceOptionsInput;
}

/** Loads a module by file URL; injectable for tests. */
export type ModuleLoader = (url: string) => Promise<unknown>;

/** Register `phasegate run` on `program`. */
export function registerRun(
  program: Command,
  io: CliIo,
  load: ModuleLoader = (url) => import(url) as Promise<unknown>,
  /**
   * Ends the process. A module may leave timers or sockets open when it loads, so a refusal before
   * the service started must not wait for the event loop to drain. (Once started, runService ends
   * the process itself.)
   */
  end: (code: number) => void = (code) => process.exit(code),
): Command {
  return program
    .command('run')
    .summary("start a service module's plan under runService: health endpoints, signals, exit codes")
    .description(
      'Start the service a module describes (its default export: a plan, or a function building one ' +
        'from { logger }; optionally `export const options` for runService) with phased startup, the ' +
        'health endpoints, signal handling and the documented exit codes: 0 clean stop, 3 a critical ' +
        'dependency failed, 78 bad configuration (also a module that cannot be loaded), 130/143 stopped ' +
        'by SIGINT/SIGTERM during startup, 1 a bug.',
    )
    .argument('<module>', 'the service module (.js/.mjs; a .ts module needs node --import tsx)')
    .option(
      '--port <n>',
      "port the health endpoints and the app listen on (default: the module's options.port, else 8080); 0 for any free port",
    )
    .option('--host <address>', 'interface to bind to (default: options.host, else all)')
    .option(
      '--mode <mode>',
      'deterministic (fail fast) or graceful (start degraded, recover) (default: options.mode, else deterministic)',
    )
    .option(
      '--budget-ms <ms>',
      'the startup deadline, e.g. the platform startup window (default: options.startupBudgetMs, else 60000)',
    )
    .action(async (file: string, flags: RunFlags) => {
      const code = await runModule(file, flags, io, load);
      io.exit(code);
      end(code);
    });
}

/**
 * The `phasegate run` command: load the module, merge its options with the flags (and `extra`, for
 * tests: a fake process, an `exit` that does not end the test runner), run the service until it
 * exits, and return its exit code.
 */
export async function runModule(
  file: string,
  flags: RunFlags,
  io: Pick<CliIo, 'err'>,
  load: ModuleLoader,
  extra: RunServiceOptionsInput = {},
): Promise<number> {
  let module: ServiceModule;
  let options: RunServiceOptionsInput;
  try {
    // Flags first: a bad flag must not run the module's top-level code.
    const fromFlags = overrides(flags);
    module = await loadServiceModule(file, load);
    options = { ...module.options, ...fromFlags, ...extra };
  } catch (error) {
    if (!isConfigError(error)) throw error;
    io.err(`phasegate run: ${error.message}\n`);
    return ExitCodes.CONFIG;
  }
  // runService ends the process itself with the service's exit code (its `exit`, process.exit by
  // default), as it does for any service: whatever the module still holds open cannot keep it alive.
  return runService(module.default, options).exited;
}

async function loadServiceModule(file: string, load: ModuleLoader): Promise<ServiceModule> {
  const path = isAbsolute(file) ? file : resolve(file);
  const url = pathToFileURL(path).href;
  let loaded: unknown;
  try {
    loaded = await load(url);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && IMPORT_NOT_FOUND_ERRORS.has(code) && isFile(path)) {
      // The module is there; a package or file it imports is not. The path is not the problem.
      throw new ConfigError(
        '<module>',
        `${file} imports a module that cannot be found: ${safeMessage(error)}`,
        `install the package, or correct the import in ${file}`,
        error,
      );
    }
    const notFound = typeof code === 'string' && MODULE_PATH_ERRORS.has(code);
    throw new ConfigError(
      '<module>',
      notFound
        ? `cannot load ${file}: ${safeMessage(error)}`
        : `${file} threw while loading: ${safeMessage(error)}`,
      notFound
        ? 'give the path of a .js or .mjs module (for .ts, run node --import tsx)'
        : 'correct the module: the error is its own, not a path problem',
      error,
    );
  }
  const plan = (loaded as { default?: unknown } | null)?.default;
  if (plan === null || (typeof plan !== 'object' && typeof plan !== 'function')) {
    throw new ConfigError(
      '<module>',
      `${file} has no default export that is a plan`,
      'export default { phases: [...] }, or a function ({ logger }) => plan',
    );
  }
  const options = (loaded as { options?: unknown }).options;
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new ConfigError(
      '<module>',
      `${file} exports options that are not an object`,
      'export const options = { ... }',
    );
  }
  return loaded as ServiceModule;
}

/** Errors of finding or reading the module itself, as opposed to the module's own code failing. */
const MODULE_PATH_ERRORS = new Set([
  'ERR_MODULE_NOT_FOUND',
  'ENOENT',
  'EISDIR',
  'EACCES',
  'ERR_UNKNOWN_FILE_EXTENSION',
  'ERR_UNSUPPORTED_DIR_IMPORT',
]);

/**
 * Errors Node gives both for the module's own path and for what the module imports: when the
 * module's file exists, they are about an import.
 */
const IMPORT_NOT_FOUND_ERRORS = new Set(['ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT']);

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function overrides(flags: RunFlags): RunServiceOptionsInput {
  const out: { -readonly [K in keyof RunServiceOptionsInput]: RunServiceOptionsInput[K] } = {};
  // Every flag is checked in full here, bounds included: runService would refuse a port above
  // 65535 or a zero budget too, but only after the module's top-level code ran, and naming its own
  // option (`port`), not the flag.
  const port = integerFlag('--port', flags.port, 0, 8080, 65_535);
  if (port !== undefined) out.port = port;
  if (flags.host !== undefined) {
    // An empty host would bind every interface without a word, the opposite of what was asked.
    if (flags.host.trim() === '') {
      throw new ConfigError(
        '--host',
        `must be an interface address or host name, got ${JSON.stringify(flags.host)}`,
        'e.g. --host 127.0.0.1, or leave the flag out to bind every interface',
      );
    }
    out.host = flags.host;
  }
  if (flags.mode !== undefined) {
    if (flags.mode !== 'deterministic' && flags.mode !== 'graceful') {
      throw new ConfigError(
        '--mode',
        `must be deterministic or graceful, got ${JSON.stringify(flags.mode)}`,
        'e.g. --mode graceful',
      );
    }
    out.mode = flags.mode;
  }
  const budgetMs = integerFlag('--budget-ms', flags.budgetMs, 1, 60_000);
  if (budgetMs !== undefined) out.startupBudgetMs = budgetMs;
  return out;
}
