/**
 * The state machine behind {@link runService}: one instance per run, from options to exit code.
 */

import type { RequestListener } from 'node:http';
import type { CancelTimer } from '../common/clock.js';
import { AbortedError } from '../errors/aborted-error.js';
import { classify as defaultClassify } from '../errors/classify.js';
import { exitCodeFor } from '../errors/exit-codes.js';
import { isPhasegateError } from '../errors/phasegate-error.js';
import { createHealthHandler, type HealthHandler } from '../health/handler.js';
import { createOrchestrator, type Orchestrator } from '../orchestrator/orchestrator.js';
import type { StartupSnapshot } from '../orchestrator/snapshot.js';
import type { Disposable } from '../common/events.js';
import { logEvent } from './event-log.js';
import { mountServer, type MountedServer } from './http-mount.js';
import { LiveView } from './live-view.js';
import { metricsWithEvents, ServiceSnapshotSource } from './service-health.js';
import type { Logger } from './logger.js';
import {
  installProcessHooks,
  signalExitCode,
  SIGNAL_ALIASES,
  type ProcessHooks,
  type StopSignal,
} from './process-hooks.js';
import {
  defaultLogger,
  resolveRunServiceOptions,
  type Closable,
  type ListenResult,
  type RunServiceOptions,
  type RunServiceOptionsInput,
} from './run-service-options.js';
import type { ServiceContext } from './service-context.js';
import type { LifecycleState, PlanSource, RunningService } from './run-service.js';

const NOT_FOUND = Buffer.from('{"error":"not found"}');

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const asClosables = (result: ListenResult): Closable[] =>
  result === undefined
    ? []
    : Array.isArray(result)
      ? [...(result as readonly Closable[])]
      : [result as Closable];

/** Runs one service; see {@link runService} for the behaviour. Internal. */
export class ServiceLifecycle {
  state: LifecycleState = 'starting';
  orchestrator: Orchestrator | undefined;
  private options: RunServiceOptions | undefined;
  private logger: Logger;
  private liveView: LiveView | undefined;
  private hooks: ProcessHooks | undefined;
  private subscription: Disposable | undefined;
  private health: HealthHandler | undefined;
  private source: ServiceSnapshotSource | undefined;
  private mounted: MountedServer | undefined;
  private closables: Closable[] = [];
  private everRunning = false;
  private stopSignal: StopSignal | undefined;
  private firstSignalAt = -Infinity;
  private fatal = false;
  private finished = false;
  private graceDeadline = Infinity;
  private cancelGrace: CancelTimer | undefined;
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private readonly startup = new AbortController();
  private readonly stopping = new AbortController();
  private readonly exited = deferred<number>();
  private readonly listening = deferred<number | undefined>();

  constructor(private readonly input: RunServiceOptionsInput) {
    this.logger = typeof input.logger?.fatal === 'function' ? input.logger : this.startupLogger(input);
  }

  /**
   * The logger until the options are resolved. Options that cannot make one (an unknown level, a
   * `stdout` without `write`) must not throw out of `runService`: the default logger on the process's
   * standard output reports them, as `run` finds them invalid.
   */
  private startupLogger(input: RunServiceOptionsInput): Logger {
    const stdout = typeof input.stdout?.write === 'function' ? input.stdout : process.stdout;
    try {
      return defaultLogger(stdout, input.loggerOptions);
    } catch {
      return defaultLogger(stdout);
    }
  }

  handle(): RunningService {
    const state = (): LifecycleState => this.state;
    const orchestrator = (): Orchestrator | undefined => this.orchestrator;
    return {
      listening: this.listening.promise,
      exited: this.exited.promise,
      get state() {
        return state();
      },
      get orchestrator() {
        return orchestrator();
      },
      shutdown: (signal: StopSignal = 'SIGTERM') => {
        this.onSignal(signal);
        return this.exited.promise;
      },
    };
  }

  async run(plan: PlanSource): Promise<void> {
    let options: RunServiceOptions;
    try {
      options = resolveRunServiceOptions(this.input);
    } catch (error) {
      this.logger.fatal({ event: 'service.config-error', err: error }, 'invalid runService options');
      const exit = typeof this.input.exit === 'function' ? this.input.exit : undefined;
      return this.finish(exitCodeFor(error), exit ?? ((code) => process.exit(code)));
    }
    this.options = options;
    if (options.liveView) this.liveView = new LiveView(options.stdout);
    if (!options.logger)
      this.logger = defaultLogger(this.liveView?.stream ?? options.stdout, options.loggerOptions);
    this.hooks = installProcessHooks(
      options.process,
      options.signals,
      {
        onSignal: (signal, received) => this.onSignal(signal, received),
        onFatal: (kind, error) => this.onFatal(kind, error),
      },
      options.stopOnHangup ? SIGNAL_ALIASES : {},
    );
    try {
      const orchestrator = createOrchestrator(
        typeof plan === 'function' ? plan({ logger: this.logger }) : plan,
        {
          ...options.orchestrator,
          mode: options.mode,
          budgetMs: options.startupBudgetMs,
          clock: options.clock,
          onWaterfall: (text) => this.printWaterfall(text),
        },
      );
      this.orchestrator = orchestrator;
      this.source = new ServiceSnapshotSource(orchestrator, () => this.everRunning);
      this.subscription = orchestrator.onEvent((event) => {
        // On a TTY the live view shows progress; the log keeps only what went wrong.
        logEvent(this.logger, event, this.liveView !== undefined);
        this.liveView?.update(this.snapshot());
      });
      this.health = createHealthHandler(this.source, {
        ...options.health,
        metrics: metricsWithEvents(options.health.metrics, orchestrator),
      });
      if (this.stopSignal) this.health.setDraining();
      this.mounted = await mountServer(this.health, {
        server: options.server,
        port: options.port,
        host: options.host,
      });
      this.listening.resolve(this.mounted.port);
      this.logger.info(
        {
          event: 'service.listening',
          port: this.mounted.port,
          mode: options.mode,
          budgetMs: options.startupBudgetMs,
        },
        `health endpoints up on port ${this.mounted.port}; starting`,
      );
      this.startup.signal.throwIfAborted();
      this.liveView?.update(this.snapshot());
      await orchestrator.start(this.startup.signal);
      this.startup.signal.throwIfAborted();
      this.state = 'listening';
      this.closables.push(...asClosables(await options.listen?.(this.context(this.mounted, orchestrator))));
      this.startup.signal.throwIfAborted();
      this.mounted.mountDefault(notFound);
      this.state = 'running';
      this.everRunning = true;
      this.logger.info(
        {
          event: 'service.ready',
          port: this.mounted.port,
          status: orchestrator.status,
          availability: orchestrator.availability,
        },
        `service ${orchestrator.status} on port ${this.mounted.port}`,
      );
    } catch (error) {
      await this.failStartup(error);
    }
  }

  private context(mounted: MountedServer, orchestrator: Orchestrator): ServiceContext {
    return {
      server: mounted.server,
      port: mounted.port,
      logger: this.logger,
      health: this.health!,
      orchestrator,
      signal: this.stopping.signal,
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
    return this.source!.snapshot();
  }

  private printWaterfall(text: string): void {
    const output = `${text.endsWith('\n') ? text : `${text}\n`}`;
    if (this.liveView) {
      // The final state as the orchestrator sees it (startup has ended), left on screen.
      if (this.orchestrator) this.liveView.update(this.orchestrator.snapshot());
      this.liveView.close();
    }
    this.options!.stdout.write(output);
  }

  private async failStartup(error: unknown): Promise<void> {
    if (this.finished) return;
    this.state = 'stopping';
    this.armGrace();
    const classify = this.options?.orchestrator.classify ?? defaultClassify;
    const code = this.fatal
      ? 1
      : this.stopSignal
        ? signalExitCode(this.stopSignal)
        : exitCodeFor(error, classify);
    if (this.stopSignal && !this.fatal) {
      this.logger.warn(
        { event: 'service.startup-aborted', signal: this.stopSignal, exitCode: code },
        'startup aborted',
      );
    } else {
      // The fix, when phasegate knows one, goes into the message a person reads first.
      const hint = isPhasegateError(error) ? error.hint : undefined;
      this.logger.error(
        { event: 'service.startup-failed', err: error, errorClass: classify(error), exitCode: code },
        hint ? `startup failed, exit ${code}; fix: ${hint}` : `startup failed, exit ${code}`,
      );
    }
    await this.cleanup();
    this.finish(code);
  }

  /** A stop request: `signal` is what it counts as, `received` what arrived (SIGHUP counts as SIGTERM). */
  private onSignal(signal: StopSignal, received: string = signal): void {
    if (this.finished) return;
    if (this.state === 'stopping') {
      const options = this.options!;
      if (this.stopSignal === undefined) {
        // Stopping already, for a failed startup or a fatal error: the cleanup under way is what the
        // signal asks for, so it is not cut short, and the exit code keeps saying why (3, 78, 1), not
        // 143. A repeat of the signal forces the exit as after any first signal.
        this.stopSignal = signal;
        this.firstSignalAt = options.clock.now();
        this.logger.info(
          { event: 'service.signal', signal, received, state: this.state },
          `received ${received} while already stopping; cleanup continues`,
        );
        return;
      }
      if (
        signal === this.stopSignal &&
        options.clock.now() - this.firstSignalAt < options.duplicateSignalWindowMs
      ) {
        this.logger.debug(
          { event: 'service.duplicate-signal', signal },
          `${signal} delivered twice; ignored`,
        );
        return;
      }
      this.logger.warn({ event: 'service.forced-exit', signal }, `second ${signal}: exiting now`);
      this.finish(signalExitCode(signal));
      return;
    }
    this.stopSignal = signal;
    this.firstSignalAt = this.options?.clock.now() ?? 0;
    this.logger.info(
      { event: 'service.signal', signal, received, state: this.state },
      received === signal ? `received ${signal}` : `received ${received} (handled as ${signal})`,
    );
    if (this.state === 'running') {
      void this.shutdown();
      return;
    }
    this.state = 'stopping';
    this.armGrace();
    this.health?.setDraining();
    this.abortStartup(new AbortedError(`Startup was aborted by ${signal}`, signal));
  }

  /**
   * Abort the plan's start and tell `listen`, if it runs, that the service is shutting down
   * (`ctx.signal`): a `listen` that waits on something honouring that signal would otherwise hold
   * the cleanup until the grace period ran out.
   */
  private abortStartup(reason: unknown): void {
    this.startup.abort(reason);
    this.stopping.abort(reason);
  }

  private onFatal(kind: 'unhandledRejection' | 'uncaughtException', error: unknown): void {
    this.logger.fatal({ event: `service.${kind}`, err: error }, `${kind}: cleaning up and exiting with 1`);
    this.fatal = true;
    if (this.finished || this.state === 'stopping') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    this.armGrace();
    if (wasRunning) void this.cleanup().then(() => this.finish(1));
    else this.abortStartup(error);
  }

  private async shutdown(): Promise<void> {
    const options = this.options!;
    this.state = 'stopping';
    this.armGrace();
    this.health?.setDraining();
    this.mounted?.setDraining();
    this.logger.info(
      { event: 'service.draining', drainDelayMs: options.drainDelayMs, gracePeriodMs: options.gracePeriodMs },
      `draining for ${options.drainDelayMs} ms before closing`,
    );
    if (options.drainDelayMs > 0) await options.clock.sleep(options.drainDelayMs);
    await this.cleanup();
    this.finish(this.fatal ? 1 : 0);
  }

  /** Close what `listen` returned (reverse order), the HTTP server, then stop the components. */
  private async cleanup(): Promise<void> {
    const options = this.options!;
    this.stopping.abort();
    this.health?.setDraining();
    this.mounted?.setDraining();
    for (const closable of this.closables.reverse()) {
      try {
        await closable.close();
      } catch (error) {
        this.logger.warn({ event: 'service.close-error', err: error }, 'closing a listener failed');
      }
    }
    this.closables = [];
    const remaining = Math.max(0, this.graceDeadline - options.clock.now());
    await this.mounted?.close(Math.min(remaining / 2, 10_000), options.clock);
    await this.orchestrator?.stop();
  }

  private armGrace(): void {
    if (this.cancelGrace || !this.options) return;
    // Clock timers never keep the process alive; during cleanup something must, or a cleanup that
    // waits on an event that never comes would let Node exit quietly, without the exit code.
    this.keepAlive = setInterval(() => undefined, 60_000);
    const { clock, gracePeriodMs } = this.options;
    this.graceDeadline = clock.now() + gracePeriodMs;
    this.cancelGrace = clock.timer(gracePeriodMs, () => {
      this.logger.error(
        { event: 'service.grace-exceeded', gracePeriodMs },
        'cleanup did not finish within the grace period',
      );
      this.finish(1);
    });
  }

  private finish(code: number, exit = this.options?.exit): void {
    if (this.finished) return;
    this.finished = true;
    this.state = 'exited';
    this.cancelGrace?.();
    clearInterval(this.keepAlive);
    this.subscription?.dispose();
    this.hooks?.dispose();
    this.liveView?.close();
    // A forced exit skips the rest of the cleanup; at least stop listening (the process may live on
    // when `exit` is not process.exit, as in tests).
    const server = this.mounted?.server;
    if (server?.listening) {
      server.close();
      server.closeAllConnections();
    }
    this.logger.info({ event: 'service.exit', exitCode: code }, `exiting with ${code}`);
    this.listening.resolve(undefined);
    this.exited.resolve(code);
    exit?.(code);
  }
}

const notFound: RequestListener = (_req, res) => {
  res.writeHead(404, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': NOT_FOUND.length,
  });
  res.end(NOT_FOUND);
};
