import { abortReason } from '../common/abort-reason.js';
import type { Clock } from '../common/clock.js';
import { isContextAborted } from '../policies/context.js';
import type { ExecuteOptions, PolicyContext } from '../policies/policy.js';
import { raceAbort } from './bounded-call.js';
import type { ComponentContext, ComponentReport } from './component.js';
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
    const ordinal = ++runtime.attempts;
    const began = core.now();
    core.emit({ type: 'component-attempt', phase, component, attempt: number, recovery });
    try {
      const handle = await spec.start(new AttemptContext(core, runtime, policyContext, number));
      if (isContextAborted(policyContext)) {
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
      // An attempt cut short from outside (the phase deadline, stop(), a sibling's fatal failure)
      // says nothing new about the component: keep the error of the last attempt that ran its course.
      // Nor does a start that settles after its attempt timed out (it ignored its signal) once a
      // later attempt, or a health check, has recorded an error.
      if ((!runtime.hasError || !bounds.signal.aborted) && ordinal > runtime.lastErrorAttempt) {
        runtime.lastError = error;
        runtime.hasError = true;
        runtime.lastErrorAttempt = ordinal;
      }
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

/**
 * What one attempt's `start` sees. A class rather than an object of closures (a storm makes a
 * million attempts): its methods live on the prototype, and `signal` is read from the policy's
 * context only when the component asks for it, so a start that never looks at its signal creates
 * no `AbortController`.
 */
class AttemptContext implements ComponentContext {
  readonly name: string;
  readonly phase: string;
  readonly clock: Clock;
  readonly deadline: number;
  readonly lifetime: AbortSignal;

  constructor(
    private readonly core: OrchestratorCore,
    private readonly runtime: ComponentRuntime,
    private readonly policyContext: PolicyContext,
    readonly attempt: number,
  ) {
    this.name = runtime.spec.name;
    this.phase = runtime.phase;
    this.clock = core.options.clock;
    this.deadline = policyContext.deadline;
    this.lifetime = runtime.lifetime.signal;
  }

  get signal(): AbortSignal {
    return this.policyContext.signal;
  }

  remaining(): number {
    return Math.max(0, this.deadline - this.clock.now());
  }

  report(report: ComponentReport): void {
    this.runtime.report = { ...this.runtime.report, ...report };
  }

  mark(name: string, data: Readonly<Record<string, unknown>> = {}): void {
    this.core.emit({ type: 'component-mark', phase: this.phase, component: this.name, name, data });
  }
}
