import { Scope } from '../common/scope.js';
import { isUp, recordGiveUp, type ComponentRuntime } from './component-runtime.js';
import type { OrchestratorCore } from './core.js';
import { startComponent } from './start-component.js';

/**
 * Keep recovering a degraded component in the background (graceful mode), until it is back or the
 * component's lifetime ends (the orchestrator stops).
 *
 * Each round waits a step of the recovery backoff on the clock, skips the round while a dependency
 * is still down, and otherwise starts the component under its own policy within
 * `recoveryAttemptMs`. On success the component is `ready` again, joins the stop order, and
 * availability is raised.
 */
export function startRecovery(core: OrchestratorCore, runtime: ComponentRuntime): void {
  core.track(recover(core, runtime));
}

async function recover(core: OrchestratorCore, runtime: ComponentRuntime): Promise<void> {
  const { clock, random, recoveryBackoff, recoveryAttemptMs } = core.options;
  const lifetime = runtime.lifetime.signal;
  let step = recoveryBackoff.start(random);
  while (!lifetime.aborted) {
    try {
      await clock.sleep(step.duration, lifetime);
    } catch {
      return;
    }
    step = step.next();
    const dependencies = (runtime.spec.dependsOn ?? []).map((name) => core.runtime(name));
    if (!dependencies.every(isUp)) continue;
    const scope = Scope.root(clock, {
      budgetMs: recoveryAttemptMs,
      signal: lifetime,
      label: `recovery of "${runtime.spec.name}"`,
    });
    let handle: unknown;
    try {
      handle = await startComponent(core, runtime, scope, true);
    } catch (error) {
      if (!lifetime.aborted) recordGiveUp(runtime, error, scope.signal.reason);
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
