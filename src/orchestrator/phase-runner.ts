import { abortReason } from '../common/abort-reason.js';
import type { Scope } from '../common/scope.js';
import { AbortedError } from '../errors/aborted-error.js';
import { ErrorCodes } from '../errors/codes.js';
import { isPhasegateError } from '../errors/phasegate-error.js';
import { isUp, recordGiveUp, type ComponentRuntime } from './component-runtime.js';
import type { OrchestratorCore } from './core.js';
import { DependencyUnavailableError } from './dependency-unavailable-error.js';
import type { Phase } from './plan.js';
import { startRecovery } from './recovery.js';
import { startComponent } from './start-component.js';

/** A critical failure that aborts startup. */
export interface FatalFailure {
  readonly runtime: ComponentRuntime;
  readonly error: unknown;
}

/** True when `signal` was aborted by a deadline (not cancelled from outside). */
export function abortedByDeadline(signal: AbortSignal): boolean {
  return (
    signal.aborted && isPhasegateError(signal.reason) && signal.reason.code === ErrorCodes.DEADLINE_EXCEEDED
  );
}

/**
 * Run one phase: every component starts as soon as its same-phase dependencies have settled (so
 * independent components start concurrently), under `scope` (the phase's deadline).
 *
 * What happens to a component that fails, or whose dependency is down (it then fails with a
 * {@link DependencyUnavailableError} without being started):
 * - graceful mode and `degradable`: it degrades and is recovered in the background;
 * - optional (`critical: false`): it is skipped;
 * - otherwise the failure is fatal: the phase scope is aborted (cancelling sibling starts) and the
 *   failure is returned. Only the first fatal failure is returned.
 *
 * @returns The fatal failure, if any. Startup being cancelled from outside is not a fatal failure;
 *   the caller sees it on its root scope.
 */
export async function runPhase(
  core: OrchestratorCore,
  phase: Phase,
  scope: Scope,
): Promise<FatalFailure | undefined> {
  let fatal: FatalFailure | undefined;
  const settled = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  for (const spec of phase.components) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    settled.set(spec.name, { promise, resolve });
  }
  const cancelledFromOutside = (): boolean =>
    core.root !== undefined && core.root.aborted && !abortedByDeadline(core.root.signal);

  const fail = (runtime: ComponentRuntime, error: unknown, began: number): void => {
    const { spec } = runtime;
    const base = {
      phase: phase.name,
      component: spec.name,
      attempts: runtime.attempts,
      durationMs: core.now() - began,
    };
    recordGiveUp(runtime, error, scope.signal.reason);
    if (fatal || cancelledFromOutside()) {
      runtime.state = 'stopped';
      runtime.lifetime.abort();
      core.emit({
        type: 'component-failed',
        ...base,
        outcome: 'aborted',
        critical: runtime.critical,
        error,
        errorClass: 'internal',
      });
      return;
    }
    const errorClass = core.options.classify(error);
    if (runtime.degradable) {
      runtime.state = 'degraded';
      runtime.downSince = core.now();
      core.emit({ type: 'component-degraded', ...base, degradesTo: runtime.degradesTo, error, errorClass });
      core.updateAvailability();
      startRecovery(core, runtime);
      return;
    }
    runtime.state = 'failed';
    runtime.lifetime.abort();
    if (!runtime.critical) {
      core.emit({
        type: 'component-failed',
        ...base,
        outcome: 'skipped',
        critical: false,
        error,
        errorClass,
      });
      core.updateAvailability();
      return;
    }
    fatal = { runtime, error };
    core.emit({ type: 'component-failed', ...base, outcome: 'fatal', critical: true, error, errorClass });
    scope.abort(new AbortedError(`Phase "${phase.name}" aborted: component "${spec.name}" failed`));
  };

  const runOne = async (runtime: ComponentRuntime): Promise<void> => {
    const dependencies = runtime.spec.dependsOn ?? [];
    // Only same-phase dependencies are waited for: one in an earlier phase has already settled.
    await Promise.all(dependencies.map((name) => settled.get(name)?.promise ?? Promise.resolve()));
    const began = core.now();
    if (fatal || cancelledFromOutside()) return;
    const down = dependencies.map((name) => core.runtime(name)).find((d) => !isUp(d));
    if (down) {
      const errorClass = down.hasError ? core.options.classify(down.lastError) : 'internal';
      const error = new DependencyUnavailableError(
        runtime.spec.name,
        down.spec.name,
        down.state,
        errorClass,
        down.lastError,
      );
      fail(runtime, error, began);
      return;
    }
    if (scope.signal.aborted) {
      fail(runtime, abortReason(scope.signal), began);
      return;
    }
    runtime.state = 'starting';
    try {
      const handle = await startComponent(
        core,
        runtime,
        { signal: scope.signal, deadline: scope.deadline },
        false,
      );
      core.markUp(runtime, handle);
      core.emit({
        type: 'component-ready',
        phase: phase.name,
        component: runtime.spec.name,
        attempts: runtime.attempts,
        durationMs: core.now() - began,
      });
    } catch (error) {
      fail(runtime, error, began);
    }
  };

  await Promise.all(
    phase.components.map(async (spec) => {
      try {
        await runOne(core.runtime(spec.name));
      } finally {
        settled.get(spec.name)!.resolve();
      }
    }),
  );
  return fatal;
}
