/**
 * One run of a plan's startup: the phases in order, each under its share of the startup budget, and
 * how the run ends (ready or degraded, with health checks from then on; or failed or aborted, after
 * stopping what started), announced by the `startup-end` event and the waterfall.
 */
import { abortReason } from '../common/abort-reason.js';
import { Scope } from '../common/scope.js';
import { AbortedError } from '../errors/aborted-error.js';
import type { OrchestratorCore } from './core.js';
import type { HealthChecks } from './health-checks.js';
import { phaseBudget } from './phase-budget.js';
import { abortedByDeadline, runPhase } from './phase-runner.js';
import type { SnapshotCache } from './snapshot-cache.js';
import { startupErrorFor } from './startup-failure.js';
import { formatWaterfall } from './waterfall.js';

/** The startup of an `Orchestrator`'s plan. Internal. */
export class StartupSequence {
  private runningNow = false;

  constructor(
    private readonly core: OrchestratorCore,
    private readonly snapshots: SnapshotCache,
    private readonly checks: HealthChecks,
  ) {}

  /** From the start of {@link StartupSequence.run} until its outcome is announced. */
  get running(): boolean {
    return this.runningNow;
  }

  /**
   * Run the phases in order under the startup budget, then settle the status (and start the health
   * checks) or stop what started and reject.
   *
   * @param stopped Whether `stop()` came first: then nothing runs and the promise rejects.
   */
  async run(signal: AbortSignal | undefined, stopped: boolean): Promise<void> {
    const { core } = this;
    const { clock, budgetMs } = core.options;
    if (stopped) throw new AbortedError('The orchestrator was stopped before it started');
    this.runningNow = true;
    core.startClock = clock.now();
    core.startWall = core.options.wallClock();
    this.snapshots.invalidate();
    core.emit({
      type: 'startup-start',
      budgetMs,
      wallTime: core.startWall,
      phases: core.plan.phases.map((p) => p.name),
    });
    const root = Scope.root(clock, { budgetMs, signal, label: 'startup' });
    core.root = root;
    let failure: { error: unknown; aborted: boolean } | undefined;
    try {
      for (const phase of core.plan.phases) {
        const record = core.phases.get(phase.name)!;
        const budget = phaseBudget(core.plan.phases, phase.index, root.remaining());
        const scope = root.child({ budgetMs: budget, label: `phase "${phase.name}"` });
        if (root.aborted) {
          failure = abortedByDeadline(root.signal)
            ? { error: startupErrorFor(core, { phase, scope, budgetMs: budget }, undefined), aborted: false }
            : { error: abortReason(root.signal), aborted: true };
          scope.dispose();
          break;
        }
        record.state = 'running';
        record.startedAt = clock.now();
        this.snapshots.invalidate();
        core.emit({ type: 'phase-start', phase: phase.name, budgetMs: budget, deadline: scope.deadline });
        const fatal = await runPhase(core, phase, scope);
        const cancelled = root.aborted && !abortedByDeadline(root.signal);
        if (fatal)
          failure = {
            error: startupErrorFor(core, { phase, scope, budgetMs: budget }, fatal),
            aborted: false,
          };
        else if (cancelled) failure = { error: abortReason(root.signal), aborted: true };
        scope.dispose();
        record.state = failure === undefined ? 'done' : 'failed';
        record.durationMs = clock.now() - record.startedAt;
        this.snapshots.invalidate();
        core.emit({
          type: 'phase-end',
          phase: phase.name,
          state: record.state,
          durationMs: record.durationMs,
        });
        if (failure !== undefined) break;
      }
    } finally {
      root.dispose();
    }
    if (failure !== undefined) return this.fail(failure);
    core.settled = true;
    core.readyWall = core.startWall + core.elapsed();
    this.snapshots.invalidate();
    const outcome = core.componentAvailability === 'FULL' ? 'ready' : 'degraded';
    core.setStatus(outcome);
    this.end(outcome);
    this.checks.start();
  }

  /** Stop what started (reverse order), settle the status, and reject with the failure. */
  private async fail({ error, aborted }: { error: unknown; aborted: boolean }): Promise<never> {
    const { core } = this;
    for (const record of core.phases.values()) if (record.state === 'pending') record.state = 'skipped';
    core.retireNeverStarted();
    this.snapshots.invalidate();
    // Say so while the components stop (bounded, but seconds): not `starting` any more.
    core.setStatus(aborted ? 'draining' : 'failed');
    await core.stopAll();
    core.setStatus(aborted ? 'stopped' : 'failed');
    this.end(aborted ? 'aborted' : 'failed', error);
    throw error;
  }

  private end(outcome: 'ready' | 'degraded' | 'failed' | 'aborted', error?: unknown): void {
    const { core } = this;
    this.runningNow = false;
    core.emit({
      type: 'startup-end',
      outcome,
      durationMs: core.elapsed(),
      availability: core.availability,
      ...(error === undefined ? {} : { error }),
    });
    const print = core.options.onWaterfall;
    if (!print) return;
    try {
      print(formatWaterfall(core.timeline));
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
