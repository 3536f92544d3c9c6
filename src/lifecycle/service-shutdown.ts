/**
 * How a service started by {@link runService} stops: what a stop signal or a fatal error means at
 * each point of its life, the drain, the cleanup in reverse order within the grace period, and the
 * exit code.
 */

import type { CancelTimer } from '../common/clock.js';
import { AbortedError } from '../errors/aborted-error.js';
import { classify as defaultClassify } from '../errors/classify.js';
import { exitCodeFor } from '../errors/exit-codes.js';
import { isPhasegateError } from '../errors/phasegate-error.js';
import { signalExitCode, type StopSignal } from './process-hooks.js';
import type { ServiceRun } from './service-run.js';

/** The stopping half of one run; see {@link runService} for the behaviour. Internal. */
export class ServiceShutdown {
  private signal: StopSignal | undefined;
  private firstSignalAt = -Infinity;
  private fatal = false;
  private finished = false;
  private graceDeadline = Infinity;
  private cancelGrace: CancelTimer | undefined;
  private keepAlive: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly run: ServiceRun) {}

  /** The signal the service is stopping for, if a stop signal has arrived. */
  get stopSignal(): StopSignal | undefined {
    return this.signal;
  }

  /** Startup failed (or was aborted): log why, clean up, exit with the code that says why. */
  async failStartup(error: unknown): Promise<void> {
    if (this.finished) return;
    const run = this.run;
    run.state = 'stopping';
    this.armGrace();
    const classify = run.options?.orchestrator.classify ?? defaultClassify;
    const code = this.fatal ? 1 : this.signal ? signalExitCode(this.signal) : exitCodeFor(error, classify);
    if (this.signal && !this.fatal) {
      run.logger.warn(
        { event: 'service.startup-aborted', signal: this.signal, exitCode: code },
        'startup aborted',
      );
    } else {
      // The fix, when phasegate knows one, goes into the message a person reads first.
      const hint = isPhasegateError(error) ? error.hint : undefined;
      run.logger.error(
        { event: 'service.startup-failed', err: error, errorClass: classify(error), exitCode: code },
        hint ? `startup failed, exit ${code}; fix: ${hint}` : `startup failed, exit ${code}`,
      );
    }
    await this.cleanup();
    this.finish(code);
  }

  /** A stop request: `signal` is what it counts as, `received` what arrived (SIGHUP counts as SIGTERM). */
  onSignal(signal: StopSignal, received: string = signal): void {
    if (this.finished) return;
    const run = this.run;
    if (run.state === 'stopping') {
      const options = run.options!;
      if (this.signal === undefined) {
        // Stopping already, for a failed startup or a fatal error: the cleanup under way is what the
        // signal asks for, so it is not cut short, and the exit code keeps saying why (3, 78, 1), not
        // 143. A repeat of the signal forces the exit as after any first signal.
        this.signal = signal;
        this.firstSignalAt = options.clock.now();
        run.logger.info(
          { event: 'service.signal', signal, received, state: run.state },
          `received ${received} while already stopping; cleanup continues`,
        );
        return;
      }
      if (
        signal === this.signal &&
        options.clock.now() - this.firstSignalAt < options.duplicateSignalWindowMs
      ) {
        run.logger.debug({ event: 'service.duplicate-signal', signal }, `${signal} delivered twice; ignored`);
        return;
      }
      run.logger.warn({ event: 'service.forced-exit', signal }, `second ${signal}: exiting now`);
      this.finish(signalExitCode(signal));
      return;
    }
    this.signal = signal;
    this.firstSignalAt = run.options?.clock.now() ?? 0;
    run.logger.info(
      { event: 'service.signal', signal, received, state: run.state },
      received === signal ? `received ${signal}` : `received ${received} (handled as ${signal})`,
    );
    if (run.state === 'running') {
      void this.shutdown();
      return;
    }
    run.state = 'stopping';
    this.armGrace();
    run.health?.setDraining();
    this.abortStartup(new AbortedError(`Startup was aborted by ${signal}`, signal));
  }

  /** An unhandled rejection or uncaught exception: clean up and exit with 1. */
  onFatal(kind: 'unhandledRejection' | 'uncaughtException', error: unknown): void {
    const run = this.run;
    run.logger.fatal({ event: `service.${kind}`, err: error }, `${kind}: cleaning up and exiting with 1`);
    this.fatal = true;
    if (this.finished || run.state === 'stopping') return;
    const wasRunning = run.state === 'running';
    run.state = 'stopping';
    this.armGrace();
    if (wasRunning) void this.cleanup().then(() => this.finish(1));
    else this.abortStartup(error);
  }

  /**
   * Exit with `code`, once: cancel the grace timer, let go of the process hooks, the subscription,
   * the live view and the metrics runService registered, stop listening, resolve `exited`, then call
   * `exit`.
   */
  finish(code: number, exit = this.run.options?.exit): void {
    if (this.finished) return;
    this.finished = true;
    const run = this.run;
    run.state = 'exited';
    this.cancelGrace?.();
    clearInterval(this.keepAlive);
    run.subscription?.dispose();
    run.hooks?.dispose();
    run.liveView?.close();
    // Off a registry the application may share (a second service on it would find the names taken),
    // and off the orchestrator's events.
    run.ownMetrics?.dispose();
    // A forced exit skips the rest of the cleanup; at least stop listening (the process may live on
    // when `exit` is not process.exit, as in tests).
    const server = run.mounted?.server;
    if (server?.listening) {
      server.close();
      server.closeAllConnections();
    }
    run.logger.info({ event: 'service.exit', exitCode: code }, `exiting with ${code}`);
    run.listening.resolve(undefined);
    run.exited.resolve(code);
    exit?.(code);
  }

  /**
   * Abort the plan's start and tell `listen`, if it runs, that the service is shutting down
   * (`ctx.signal`): a `listen` that waits on something honouring that signal would otherwise hold
   * the cleanup until the grace period ran out.
   */
  private abortStartup(reason: unknown): void {
    this.run.startup.abort(reason);
    this.run.stopping.abort(reason);
  }

  private async shutdown(): Promise<void> {
    const run = this.run;
    const options = run.options!;
    run.state = 'stopping';
    this.armGrace();
    run.health?.setDraining();
    run.mounted?.setDraining();
    run.logger.info(
      { event: 'service.draining', drainDelayMs: options.drainDelayMs, gracePeriodMs: options.gracePeriodMs },
      `draining for ${options.drainDelayMs} ms before closing`,
    );
    if (options.drainDelayMs > 0) await options.clock.sleep(options.drainDelayMs);
    await this.cleanup();
    this.finish(this.fatal ? 1 : 0);
  }

  /** Close what `listen` returned (reverse order), the HTTP server, then stop the components. */
  private async cleanup(): Promise<void> {
    const run = this.run;
    const options = run.options!;
    run.stopping.abort();
    run.health?.setDraining();
    run.mounted?.setDraining();
    for (const closable of run.closables.reverse()) {
      try {
        await closable.close();
      } catch (error) {
        run.logger.warn({ event: 'service.close-error', err: error }, 'closing a listener failed');
      }
    }
    run.closables = [];
    const remaining = Math.max(0, this.graceDeadline - options.clock.now());
    await run.mounted?.close(Math.min(remaining / 2, 10_000), options.clock);
    await run.orchestrator?.stop();
  }

  private armGrace(): void {
    if (this.cancelGrace || !this.run.options) return;
    // Clock timers never keep the process alive; during cleanup something must, or a cleanup that
    // waits on an event that never comes would let Node exit quietly, without the exit code.
    this.keepAlive = setInterval(() => undefined, 60_000);
    const { clock, gracePeriodMs } = this.run.options;
    this.graceDeadline = clock.now() + gracePeriodMs;
    this.cancelGrace = clock.timer(gracePeriodMs, () => {
      this.run.logger.error(
        { event: 'service.grace-exceeded', gracePeriodMs },
        'cleanup did not finish within the grace period',
      );
      this.finish(1);
    });
  }
}
