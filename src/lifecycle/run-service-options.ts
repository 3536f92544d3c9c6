/**
 * Options of {@link runService}: a `RunServiceOptionsInput` (all optional, readonly) resolved once,
 * and validated up front, into `RunServiceOptions` (all required).
 */

import type { RequestListener, Server } from 'node:http';
import { systemClock, type Clock } from '../common/clock.js';
import { ConfigError } from '../errors/config-error.js';
import { requireBoolean, requireKnownKeys } from '../policies/validate.js';
import type { HealthOptionsInput } from '../health/options.js';
import type { OrchestratorMode, OrchestratorOptionsInput } from '../orchestrator/orchestrator-options.js';
import { checkLogLevel, createLogger, type Logger, type LoggerOptionsInput } from './logger.js';
import type { ProcessLike, StopSignal } from './process-hooks.js';
import { checkRunServiceOptionShapes } from './run-service-option-shapes.js';
import type { ServiceContext } from './service-context.js';

/** Something `runService` closes on shutdown (in reverse order of `listen`'s result). */
export interface Closable {
  /** Called once on shutdown; a returned promise is awaited, and an error is logged, not thrown. */
  close(): unknown;
}

/** What `listen` may return: nothing, or what to close on shutdown before the components stop. */
export type ListenResult = void | Closable | readonly Closable[];

/** The output stream: process.stdout or a stand-in (a TTY gets the live view). */
export interface OutputStream {
  /** Writes a chunk of text (log lines, the waterfall, the live view's escapes). */
  write(chunk: string): unknown;
  /** `true` for a terminal: turns the live view on unless `liveView` says otherwise. */
  readonly isTTY?: boolean;
  /** Terminal width, for the live view; below 20 (or missing) counts as 120. */
  readonly columns?: number;
}

/** Orchestrator options that runService does not set itself. */
export type PassedOrchestratorOptions = Omit<
  OrchestratorOptionsInput,
  'mode' | 'budgetMs' | 'clock' | 'onWaterfall'
>;

/** Options of {@link runService}; every field is optional. */
export interface RunServiceOptionsInput {
  /**
   * Startup mode: `deterministic` fails fast on a critical failure; `graceful` lets a `degradable`
   * component fail while the service runs at a lower availability (see `OrchestratorOptionsInput.mode`).
   * @default 'deterministic'
   */
  readonly mode?: OrchestratorMode;
  /**
   * Total startup budget in ms: the platform's startup window, e.g. a Kubernetes startupProbe's
   * `failureThreshold × periodSeconds × 1000`. @default 60_000
   */
  readonly startupBudgetMs?: number;
  /**
   * Called once the plan has started: mount the routes (`ctx.mount(handler)`), start consumers.
   * Return what must be closed on shutdown. Until it resolves `/readyz` stays 503.
   * @default none (request listeners of `server`, if any, become the application)
   */
  readonly listen?: (context: ServiceContext) => ListenResult | Promise<ListenResult>;
  /**
   * Your `node:http` server: the health endpoints are mounted into it, in front of its own request
   * listeners, and it is made to listen on `port` unless it already listens.
   * @default a new `node:http` server on `port`, serving the health endpoints and what `listen` mounts
   */
  readonly server?: Server;
  /**
   * Port to listen on (ignored for a `server` that already listens); 0 picks a free one, which
   * `RunningService.listening` resolves with and `ServiceContext.port` holds. @default 8080
   */
  readonly port?: number;
  /** Interface to bind. @default undefined (every interface) */
  readonly host?: string;
  /** Options of the health endpoints (bearer token, whether DEGRADED is ready, ...). @default {} */
  readonly health?: HealthOptionsInput;
  /**
   * After a stop signal, how long to keep serving with `/readyz` at 503 so that load balancers stop
   * sending traffic before the server closes. @default 5_000
   */
  readonly drainDelayMs?: number;
  /**
   * Everything after a stop signal (drain, close, stop) must finish within this; then the process
   * exits anyway, with 1. Keep it below the platform's grace period (Kubernetes
   * `terminationGracePeriodSeconds`, 30 s by default; Cloud Run gives 10 s). @default 25_000
   */
  readonly gracePeriodMs?: number;
  /** Signals that stop the service; a second one forces the exit. @default ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly StopSignal[];
  /**
   * Stop on SIGHUP (the terminal was closed, the SSH session dropped) as on SIGTERM, when SIGTERM is
   * one of `signals`: the same drain and cleanup, where Node's default would end the process on the
   * spot. `false` leaves SIGHUP to you, e.g. to reload configuration (with no listener at all,
   * Node's default applies again). @default true
   * @example
   * ```ts
   * process.on('SIGHUP', reloadConfig);
   * runService(plan, { stopOnHangup: false });
   * ```
   */
  readonly stopOnHangup?: boolean;
  /**
   * A repeat of the same signal within this window of the first is taken as the same signal
   * delivered twice, not as a request to force the exit: a Ctrl-C reaches every process of the
   * terminal's process group, and wrappers (`npm start`, `tsx`, `timeout`) forward it to the child
   * as well, so the service sees it twice within milliseconds. @default 1_000
   */
  readonly duplicateSignalWindowMs?: number;
  /**
   * The logger. Without one, runService creates it from {@link RunServiceOptionsInput.loggerOptions}
   * on `stdout` (through the live view on a TTY, so log lines scroll above it), and hands it to a plan
   * factory and to `listen`. @default createLogger({ ...loggerOptions, stream: stdout })
   */
  readonly logger?: Logger;
  /** Options of the logger runService creates (ignored when `logger` is given). @default {} */
  readonly loggerOptions?: Omit<LoggerOptionsInput, 'stream'>;
  /** Where the waterfall, the live view and (by default) the logs go. @default process.stdout */
  readonly stdout?: OutputStream;
  /** Show the live view of phases and components. @default stdout.isTTY */
  readonly liveView?: boolean;
  /** Ends the process. @default process.exit */
  readonly exit?: (code: number) => void;
  /** Source of signals and of unhandled errors. @default process */
  readonly process?: ProcessLike;
  /** Every timer goes through it. @default systemClock */
  readonly clock?: Clock;
  /** More orchestrator options (policies, stop timeout, check interval...). @default {} */
  readonly orchestrator?: PassedOrchestratorOptions;
}

/** Resolved {@link RunServiceOptionsInput}. */
export interface RunServiceOptions {
  /** {@link RunServiceOptionsInput.mode}; `'deterministic'` if not given. */
  readonly mode: OrchestratorMode;
  /** {@link RunServiceOptionsInput.startupBudgetMs}, in ms; 60 000 if not given. */
  readonly startupBudgetMs: number;
  /** {@link RunServiceOptionsInput.listen}; `undefined` if not given. */
  readonly listen: ((context: ServiceContext) => ListenResult | Promise<ListenResult>) | undefined;
  /** {@link RunServiceOptionsInput.server}; `undefined` if not given (runService creates one). */
  readonly server: Server | undefined;
  /** {@link RunServiceOptionsInput.port}; 8080 if not given. */
  readonly port: number;
  /** {@link RunServiceOptionsInput.host}; `undefined` (every interface) if not given. */
  readonly host: string | undefined;
  /** {@link RunServiceOptionsInput.health}, still unresolved; `{}` if not given. */
  readonly health: HealthOptionsInput;
  /** {@link RunServiceOptionsInput.drainDelayMs}, in ms, below `gracePeriodMs`; 5 000 if not given. */
  readonly drainDelayMs: number;
  /** {@link RunServiceOptionsInput.gracePeriodMs}, in ms; 25 000 if not given. */
  readonly gracePeriodMs: number;
  /** {@link RunServiceOptionsInput.signals}; `['SIGTERM', 'SIGINT']` if not given. */
  readonly signals: readonly StopSignal[];
  /** {@link RunServiceOptionsInput.stopOnHangup}; `true` if not given. */
  readonly stopOnHangup: boolean;
  /** {@link RunServiceOptionsInput.duplicateSignalWindowMs}, in ms; 1 000 if not given. */
  readonly duplicateSignalWindowMs: number;
  /** {@link RunServiceOptionsInput.stdout}; `process.stdout` if not given. */
  readonly stdout: OutputStream;
  /** The logger; when undefined, runService creates one on stdout (through the live view on a TTY). */
  readonly logger: Logger | undefined;
  /** {@link RunServiceOptionsInput.loggerOptions}; `{}` if not given. */
  readonly loggerOptions: Omit<LoggerOptionsInput, 'stream'>;
  /** {@link RunServiceOptionsInput.liveView}; whether `stdout.isTTY` is `true` if not given. */
  readonly liveView: boolean;
  /** {@link RunServiceOptionsInput.exit}; `process.exit` if not given. */
  readonly exit: (code: number) => void;
  /** {@link RunServiceOptionsInput.process}; the global `process` if not given. */
  readonly process: ProcessLike;
  /** {@link RunServiceOptionsInput.clock}; `systemClock` if not given. */
  readonly clock: Clock;
  /** {@link RunServiceOptionsInput.orchestrator}, still unresolved; `{}` if not given. */
  readonly orchestrator: PassedOrchestratorOptions;
}

function milliseconds(path: string, value: number, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new ConfigError(
      path,
      `${String(value)} is not a valid duration`,
      `use a finite number of ms >= ${min}`,
    );
  }
  return value;
}

/** Every key of {@link RunServiceOptionsInput} (a record, so the compiler says when one is missing). */
const RUN_SERVICE_OPTIONS: Readonly<Record<keyof RunServiceOptionsInput, true>> = {
  mode: true,
  startupBudgetMs: true,
  listen: true,
  server: true,
  port: true,
  host: true,
  health: true,
  drainDelayMs: true,
  gracePeriodMs: true,
  signals: true,
  stopOnHangup: true,
  duplicateSignalWindowMs: true,
  logger: true,
  loggerOptions: true,
  stdout: true,
  liveView: true,
  exit: true,
  process: true,
  clock: true,
  orchestrator: true,
};

/** Resolve and validate {@link RunServiceOptionsInput}. @throws ConfigError naming the option. */
export function resolveRunServiceOptions(input: RunServiceOptionsInput = {}): RunServiceOptions {
  requireKnownKeys(input, RUN_SERVICE_OPTIONS, 'runService');
  checkRunServiceOptionShapes(input);
  const mode = input.mode ?? 'deterministic';
  if (mode !== 'deterministic' && mode !== 'graceful') {
    throw new ConfigError(
      'mode',
      `unknown mode ${JSON.stringify(mode)}`,
      'use "deterministic" or "graceful"',
    );
  }
  const port = input.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(
      'port',
      `${String(port)} is not a port`,
      'use an integer 0..65535 (0: any free port)',
    );
  }
  const drainDelayMs = milliseconds('drainDelayMs', input.drainDelayMs ?? 5_000, 0);
  const gracePeriodMs = milliseconds('gracePeriodMs', input.gracePeriodMs ?? 25_000, 1);
  if (drainDelayMs >= gracePeriodMs) {
    throw new ConfigError(
      'drainDelayMs',
      `the drain delay (${drainDelayMs} ms) leaves no time to stop within the grace period (${gracePeriodMs} ms)`,
      'make drainDelayMs well below gracePeriodMs',
    );
  }
  const signals = input.signals ?? ['SIGTERM', 'SIGINT'];
  for (const [i, signal] of signals.entries()) {
    if (signal !== 'SIGTERM' && signal !== 'SIGINT') {
      throw new ConfigError(
        `signals[${i}]`,
        `unsupported signal ${String(signal)}`,
        'use SIGTERM and/or SIGINT',
      );
    }
  }
  const stopOnHangup = input.stopOnHangup ?? true;
  requireBoolean('stopOnHangup', stopOnHangup);
  if (input.listen !== undefined && typeof input.listen !== 'function') {
    throw new ConfigError(
      'listen',
      'must be a function',
      'pass async (ctx) => { ctx.mount(app) } or leave it out',
    );
  }
  const loggerOptions = input.loggerOptions ?? {};
  if (loggerOptions.level !== undefined) checkLogLevel('loggerOptions.level', loggerOptions.level);
  const stdout = input.stdout ?? process.stdout;
  return {
    mode,
    startupBudgetMs: milliseconds('startupBudgetMs', input.startupBudgetMs ?? 60_000, 1),
    listen: input.listen,
    server: input.server,
    port,
    host: input.host,
    health: input.health ?? {},
    drainDelayMs,
    gracePeriodMs,
    signals,
    stopOnHangup,
    duplicateSignalWindowMs: milliseconds(
      'duplicateSignalWindowMs',
      input.duplicateSignalWindowMs ?? 1_000,
      0,
    ),
    stdout,
    logger: input.logger,
    loggerOptions,
    liveView: input.liveView ?? stdout.isTTY === true,
    exit: input.exit ?? ((code) => process.exit(code)),
    process: input.process ?? (process as unknown as ProcessLike),
    clock: input.clock ?? systemClock,
    orchestrator: input.orchestrator ?? {},
  };
}

/** A logger on `stream` (used when the caller gave none). */
export function defaultLogger(
  stream: { write(chunk: string): unknown },
  options: Omit<LoggerOptionsInput, 'stream'> = {},
): Logger {
  return createLogger({ ...options, stream: { write: (chunk: string) => void stream.write(chunk) } });
}

/** A request listener, for `ServiceContext.mount`. */
export type AppHandler = RequestListener;
