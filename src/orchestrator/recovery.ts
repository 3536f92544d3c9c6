import { Scope } from '../common/scope.js';
import { isRetryExhaustedError } from '../policies/retry-exhausted-error.js';
import { isUp, recordGiveUp, type ComponentRuntime } from './component-runtime.js';
import type { OrchestratorCore } from './core.js';
import { startComponent } from './start-component.js';

/**
 * Keep recovering a degraded component in the background (graceful mode), until it is back or the
 * component's lifetime ends (the orchestrator stops).
 *
 * Each round waits a step of the recovery backoff on the clock; while a dependency is still down it
 * then waits for the dependencies to be up (rather than for the next step, up to the backoff's cap
 * after they came back), and starts the component under its own policy within
 * `recoveryAttemptMs`. On success the component is `ready` again, joins the stop order, and
 * availability is raised.
 *
 * A round in which the policy made no attempt because none fits before the round's deadline (its
 * adaptive timeout learned during startup that attempts take longer than `recoveryAttemptMs`, and
 * with no attempt it never learns otherwise) doubles the next rounds' deadline until one fits, and
 * leaves `lastError` alone (it keeps the attempts' own error, not "gave up after 0 attempts").
 */
export function startRecovery(core: OrchestratorCore, runtime: ComponentRuntime): void {
  core.track(recover(core, runtime));
}

async function recover(core: OrchestratorCore, runtime: ComponentRuntime): Promise<void> {
  const { clock, random, recoveryBackoff, recoveryAttemptMs } = core.options;
  const lifetime = runtime.lifetime.signal;
  let step = recoveryBackoff.start(random);
  let roundMs = recoveryAttemptMs;
  while (!lifetime.aborted) {
    try {
      await clock.sleep(step.duration, lifetime);
    } catch {
      return;
    }
    step = step.next();
    const dependencies = (runtime.spec.dependsOn ?? []).map((name) => core.runtime(name));
    if (!(await dependenciesUp(core, dependencies, lifetime))) return;
    const scope = Scope.root(clock, {
      budgetMs: roundMs,
      signal: lifetime,
      label: `recovery of "${runtime.spec.name}"`,
    });
    let handle: unknown;
    try {
      handle = await startComponent(core, runtime, scope, true);
    } catch (error) {
      if (lifetime.aborted) continue;
      if (noAttemptFitted(error)) roundMs *= 2;
      else recordGiveUp(runtime, error, scope.signal.reason);
      continue;
    } finally {
      scope.dispose();
    }
    if (lifetime.aborted) {
      core.discard(runtime, handle);
      return;
    }
    core.markUp(runtime, handle);
    core.emit({
      type: 'component-recovered',
      phase: runtime.phase,
      component: runtime.spec.name,
      attempts: runtime.attempts,
      downMs: core.now() - runtime.downSince,
    });
    core.updateAvailability();
    return;
  }
}

/** Whether a retry gave up before its first attempt because none could finish before the deadline. */
function noAttemptFitted(error: unknown): boolean {
  return isRetryExhaustedError(error) && error.attempts === 0 && error.reason === 'deadline';
}

/**
 * Resolve true once every one of `dependencies` is up (at once when they are), false when
 * `lifetime` ends first. A dependency comes back only through its own recovery (or start), which
 * emits `component-recovered` (or `component-ready`): each such event is a moment to look again.
 */
function dependenciesUp(
  core: OrchestratorCore,
  dependencies: readonly ComponentRuntime[],
  lifetime: AbortSignal,
): Promise<boolean> {
  if (dependencies.every(isUp)) return Promise.resolve(true);
  if (lifetime.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const done = (up: boolean): void => {
      subscription.dispose();
      lifetime.removeEventListener('abort', onAbort);
      resolve(up);
    };
    const onAbort = (): void => done(false);
    const subscription = core.emitter.event((event) => {
      if (event.type !== 'component-recovered' && event.type !== 'component-ready') return;
      if (dependencies.every(isUp)) done(true);
    });
    lifetime.addEventListener('abort', onAbort, { once: true });
  });
}
