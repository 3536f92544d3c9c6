import type { CancelTimer } from '../common/clock.js';
import { boundedCall } from './bounded-call.js';
import type { ComponentRuntime } from './component-runtime.js';
import type { OrchestratorCore } from './core.js';

/**
 * Post-start health checks: every `checkIntervalMs` on the clock, each up component with a `check`
 * is checked (concurrently, each bounded by `checkTimeoutMs`). A check that throws, returns `false`
 * or times out makes the component `unhealthy` and is its `lastError` (each failing check, so an
 * unhealthy component shows why its latest check failed); a passing check makes an unhealthy one
 * `ready` again. Transitions emit `component-unhealthy` / `component-healthy` and update availability.
 * Rounds never overlap: the next is scheduled when one ends. A round run by `checkNow` may overlap
 * one in flight; then only the outcome of the check that started last counts for a component (a
 * slow check that times out after a newer one passed says nothing about the component now).
 */
export class HealthChecks {
  private cancelTimer: CancelTimer | undefined;
  private round: Promise<void> | undefined;
  private readonly controller = new AbortController();
  /** Per component, the number of the check that started last (earlier ones are superseded). */
  private readonly latest = new Map<ComponentRuntime, number>();
  private checksStarted = 0;

  constructor(private readonly core: OrchestratorCore) {}

  /** Schedule the first round (no-op when checks are off or nothing has a check). */
  start(): void {
    const interval = this.core.options.checkIntervalMs;
    if (!Number.isFinite(interval) || this.controller.signal.aborted) return;
    const hasChecks = [...this.core.runtimes.values()].some((r) => r.spec.check);
    if (!hasChecks) return;
    this.cancelTimer = this.core.options.clock.timer(interval, () => {
      this.cancelTimer = undefined;
      this.round = this.runRound().finally(() => {
        this.round = undefined;
        this.start();
      });
    });
  }

  /** Run one round now (also what the timer does). */
  async runRound(): Promise<void> {
    const targets = [...this.core.runtimes.values()].filter(
      (r) => r.spec.check && r.hasHandle && (r.state === 'ready' || r.state === 'unhealthy'),
    );
    await Promise.all(targets.map((runtime) => this.checkOne(runtime)));
  }

  /** Cancel the timer and any check in flight; resolves when the current round has ended. */
  async stop(): Promise<void> {
    this.controller.abort();
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    await this.round;
  }

  private async checkOne(runtime: ComponentRuntime): Promise<void> {
    const { core } = this;
    const check = runtime.spec.check!;
    const handle = runtime.handle;
    const number = ++this.checksStarted;
    this.latest.set(runtime, number);
    const result = await boundedCall(
      core.options.clock,
      core.options.checkTimeoutMs,
      (signal) => check.call(runtime.spec, handle, { signal }),
      this.controller.signal,
    );
    if (result.outcome === 'aborted' || !runtime.hasHandle || runtime.handle !== handle) return;
    if (this.latest.get(runtime) !== number) return;
    const healthy = result.outcome === 'ok' && result.value !== false;
    const base = { phase: runtime.phase, component: runtime.spec.name };
    if (!healthy) {
      // `lastError` is the latest failure: a check that keeps failing, for another reason now (the
      // database came back and refuses the role), replaces the error of the check that failed first.
      const error =
        result.outcome === 'ok'
          ? new Error(`health check of "${runtime.spec.name}" returned false`)
          : result.error;
      runtime.lastError = error;
      runtime.hasError = true;
      runtime.lastErrorAttempt = runtime.attempts;
      if (runtime.state !== 'ready') return;
      runtime.state = 'unhealthy';
      core.emit({ type: 'component-unhealthy', ...base, error });
      core.updateAvailability();
    } else if (runtime.state === 'unhealthy') {
      runtime.state = 'ready';
      core.emit({ type: 'component-healthy', ...base });
      core.updateAvailability();
    }
  }
}
