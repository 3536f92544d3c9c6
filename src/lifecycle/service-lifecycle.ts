/**
 * The state machine behind {@link runService}: one instance per run, from options to exit code. This
 * is the starting half (options, the server, the plan, `listen`); {@link ServiceShutdown} is the
 * stopping half (signals, drain, cleanup, exit), and {@link ServiceRun} the state they share.
 */

import type { RequestListener } from 'node:http';
import { ConfigError } from '../errors/config-error.js';
import { exitCodeFor } from '../errors/exit-codes.js';
import { createHealthHandler } from '../health/handler.js';
import { createOrchestrator, type Orchestrator } from '../orchestrator/orchestrator.js';
import type { StartupSnapshot } from '../orchestrator/snapshot.js';
import { logEvent } from './event-log.js';
import { mountServer, type MountedServer } from './http-mount.js';
import { LiveView } from './live-view.js';
import { metricsWithEvents, ServiceSnapshotSource } from './service-health.js';
import type { Logger } from './logger.js';
import { installProcessHooks, SIGNAL_ALIASES, type StopSignal } from './process-hooks.js';
import {
  defaultLogger,
  resolveRunServiceOptions,
  type Closable,
  type ListenResult,
  type RunServiceOptions,
  type RunServiceOptionsInput,
} from './run-service-options.js';
import type { ServiceContext } from './service-context.js';
import { ServiceRun } from './service-run.js';
import { ServiceShutdown } from './service-shutdown.js';
import type { LifecycleState, PlanSource, RunningService } from './run-service.js';

const NOT_FOUND = Buffer.from('{"error":"not found"}');

const asClosables = (result: ListenResult): Closable[] =>
  result === undefined
    ? []
    : Array.isArray(result)
      ? [...(result as readonly Closable[])]
      : [result as Closable];

/**
 * The logger until the options are resolved. Options that cannot make one (an unknown level, a
 * `stdout` without `write`) must not throw out of `runService`: the default logger on the process's
 * standard output reports them, as `run` finds them invalid.
 */
function startupLogger(input: RunServiceOptionsInput): Logger {
  const stdout = typeof input.stdout?.write === 'function' ? input.stdout : process.stdout;
  try {
    return defaultLogger(stdout, input.loggerOptions);
  } catch {
    return defaultLogger(stdout);
  }
}

/**
 * The service's logger from `loggerOptions`. They are checked up front only in part (the level), so
 * one pino still refuses (a redact path it cannot parse) is a {@link ConfigError} naming
 * `loggerOptions`: exit 78, like any other invalid option.
 */
function serviceLogger(stream: { write(chunk: string): unknown }, options: RunServiceOptions): Logger {
  try {
    return defaultLogger(stream, options.loggerOptions);
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    throw new ConfigError(
      'loggerOptions',
      `no logger can be made from them: ${problem}`,
      "correct loggerOptions (redactPaths use pino's path syntax, e.g. 'req.headers.cookie')",
      error,
    );
  }
}

/** Runs one service; see {@link runService} for the behaviour. Internal. */
export class ServiceLifecycle {
  private readonly service: ServiceRun;
  private readonly stop: ServiceShutdown;

  constructor(private readonly input: RunServiceOptionsInput) {
    this.service = new ServiceRun(
      typeof input.logger?.fatal === 'function' ? input.logger : startupLogger(input),
    );
    this.stop = new ServiceShutdown(this.service);
  }

  handle(): RunningService {
    const service = this.service;
    return {
      listening: service.listening.promise,
      exited: service.exited.promise,
      get state(): LifecycleState {
        return service.state;
      },
      get orchestrator(): Orchestrator | undefined {
        return service.orchestrator;
      },
      shutdown: (signal: StopSignal = 'SIGTERM') => {
        this.stop.onSignal(signal);
        return service.exited.promise;
      },
    };
  }

  async run(plan: PlanSource): Promise<void> {
    const service = this.service;
    let options: RunServiceOptions;
    try {
      options = resolveRunServiceOptions(this.input);
    } catch (error) {
      service.logger.fatal({ event: 'service.config-error', err: error }, 'invalid runService options');
      const exit = typeof this.input.exit === 'function' ? this.input.exit : undefined;
      return this.stop.finish(exitCodeFor(error), exit ?? ((code) => process.exit(code)));
    }
    service.options = options;
    // Everything from here on is inside the try: a live view, a logger or process hooks that cannot
    // be set up (loggerOptions that pino rejects, a `process` whose `on` throws) end the run like a
    // failed startup, with its exit code, instead of rejecting this promise, which nobody awaits.
    try {
      if (options.liveView) service.liveView = new LiveView(options.stdout);
      if (!options.logger)
        service.logger = serviceLogger(service.liveView?.stream ?? options.stdout, options);
      service.hooks = installProcessHooks(
        options.process,
        options.signals,
        {
          onSignal: (signal, received) => this.stop.onSignal(signal, received),
          onFatal: (kind, error) => this.stop.onFatal(kind, error),
        },
        options.stopOnHangup ? SIGNAL_ALIASES : {},
      );
      const orchestrator = createOrchestrator(
        typeof plan === 'function' ? plan({ logger: service.logger }) : plan,
        {
          ...options.orchestrator,
          mode: options.mode,
          budgetMs: options.startupBudgetMs,
          clock: options.clock,
          onWaterfall: (text) => this.printWaterfall(text),
        },
      );
      service.orchestrator = orchestrator;
      service.source = new ServiceSnapshotSource(orchestrator, () => service.everRunning);
      service.subscription = orchestrator.onEvent((event) => {
        // On a TTY the live view shows progress; the log keeps only what went wrong.
        logEvent(service.logger, event, service.liveView !== undefined);
        service.liveView?.update(this.snapshot());
      });
      service.health = createHealthHandler(service.source, {
        ...options.health,
        metrics: metricsWithEvents(options.health.metrics, orchestrator),
      });
      if (service.health.metrics !== options.health.metrics) service.ownMetrics = service.health.metrics;
      if (this.stop.stopSignal) service.health.setDraining();
      service.mounted = await mountServer(service.health, {
        server: options.server,
        port: options.port,
        host: options.host,
      });
      service.listening.resolve(service.mounted.port);
      service.logger.info(
        {
          event: 'service.listening',
          port: service.mounted.port,
          mode: options.mode,
          budgetMs: options.startupBudgetMs,
        },
        `health endpoints up on port ${service.mounted.port}; starting`,
      );
      service.startup.signal.throwIfAborted();
      service.liveView?.update(this.snapshot());
      await orchestrator.start(service.startup.signal);
      service.startup.signal.throwIfAborted();
      service.state = 'listening';
      service.closables.push(
        ...asClosables(await options.listen?.(this.context(service.mounted, orchestrator))),
      );
      service.startup.signal.throwIfAborted();
      service.mounted.mountDefault(notFound);
      service.state = 'running';
      service.everRunning = true;
      service.logger.info(
        {
          event: 'service.ready',
          port: service.mounted.port,
          status: orchestrator.status,
          availability: orchestrator.availability,
        },
        `service ${orchestrator.status} on port ${service.mounted.port}`,
      );
    } catch (error) {
      await this.stop.failStartup(error);
    }
  }

  private context(mounted: MountedServer, orchestrator: Orchestrator): ServiceContext {
    return {
      server: mounted.server,
      port: mounted.port,
      logger: this.service.logger,
      health: this.service.health!,
      orchestrator,
      signal: this.service.stopping.signal,
      mount: (handler) => mounted.mount(handler),
      get: <T>(name: string) => orchestrator.get<T>(name),
      tryGet: <T>(name: string) => orchestrator.tryGet<T>(name),
      snapshot: () => this.snapshot(),
    };
  }

  /**
   * The `/health` snapshot as the platform should see it: until `listen` has finished, a started plan
   * still counts as starting, so no traffic arrives before the routes exist.
   */
  private snapshot(): StartupSnapshot {
    return this.service.source!.snapshot();
  }

  private printWaterfall(text: string): void {
    const service = this.service;
    const output = `${text.endsWith('\n') ? text : `${text}\n`}`;
    if (service.liveView) {
      // The final state as the orchestrator sees it (startup has ended), left on screen.
      if (service.orchestrator) service.liveView.update(service.orchestrator.snapshot());
      service.liveView.close();
    }
    service.options!.stdout.write(output);
  }
}

const notFound: RequestListener = (_req, res) => {
  res.writeHead(404, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': NOT_FOUND.length,
  });
  res.end(NOT_FOUND);
};
