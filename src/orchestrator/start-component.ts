import { abortReason } from '../common/abort-reason.js';
import type { ExecuteOptions, PolicyContext } from '../policies/policy.js';
import { raceAbort } from './bounded-call.js';
import type { ComponentContext } from './component.js';
import type { ComponentRuntime } from './component-runtime.js';
import type { OrchestratorCore } from './core.js';

/** Where a start runs: a signal and an absolute deadline on the orchestrator's clock. */
export interface StartBounds extends ExecuteOptions {
  readonly signal: AbortSignal;
  readonly deadline: number;
}

/**
 * Start one component under its policy, within `bounds`. Each attempt the policy makes calls the
 * component's `start` with a {@link ComponentContext}, and is recorded as `component-attempt` /
 * `component-attempt-end` events. The result settles as soon as `bounds.signal` aborts, even if the
 * component ignores its signal; a handle that arrives after its attempt was given up is stopped.
 *
 * @returns The handle. @throws What the policy threw, or the abort reason of `bounds.signal`.
 */
export function startComponent(
  core: OrchestratorCore,
  runtime: ComponentRuntime,
  bounds: StartBounds,
  recovery: boolean,
): Promise<unknown> {
  const { spec, phase } = runtime;
  const component = spec.name;
  let attempts = 0;
  const attempt = async (policyContext: PolicyContext): Promise<unknown> => {
    const number = ++attempts;
    runtime.attempts++;
    const began = core.now();
    core.emit({ type: 'component-attempt', phase, component, attempt: number, recovery });
    try {
      const handle = await spec.start(contextFor(core, runtime, policyContext, number));
      if (policyContext.signal.aborted) {
        core.discard(runtime, handle);
        throw abortReason(policyContext.signal);
      }
      core.emit({
        type: 'component-attempt-end',
        phase,
        component,
        attempt: number,
        recovery,
        outcome: 'ok',
        durationMs: core.now() - began,
      });
      return handle;
    } catch (error) {
      runtime.lastError = error;
      runtime.hasError = true;
      core.emit({
        type: 'component-attempt-end',
        phase,
        component,
        attempt: number,
        recovery,
        outcome: 'error',
        durationMs: core.now() - began,
        error,
        errorClass: core.options.classify(error),
      });
      throw error;
    }
  };
  let run: Promise<unknown>;
  try {
    run = runtime.policy.execute(attempt, bounds);
  } catch (error) {
    run = Promise.reject(error);
  }
  return raceAbort(run, bounds.signal, (handle) => core.discard(runtime, handle));
}

function contextFor(
  core: OrchestratorCore,
  runtime: ComponentRuntime,
  policyContext: PolicyContext,
  attempt: number,
): ComponentContext {
  const { clock } = core.options;
  return {
    name: runtime.spec.name,
    phase: runtime.phase,
    clock,
    attempt,
    signal: policyContext.signal,
    deadline: policyContext.deadline,
    lifetime: runtime.lifetime.signal,
    remaining: () => Math.max(0, policyContext.deadline - clock.now()),
    report: (report) => {
      runtime.report = { ...runtime.report, ...report };
    },
    mark: (name, data = {}) => {
      core.emit({ type: 'component-mark', phase: runtime.phase, component: runtime.spec.name, name, data });
    },
  };
}
