import type { CancelTimer, Clock } from './clock.js';
import { abortReason } from './abort-reason.js';
import { ConfigError } from '../errors/config-error.js';
import { DeadlineExceededError } from '../errors/deadline-exceeded-error.js';

/**
 * A deadline plus a cancellation signal, the two things every layer of a startup needs to know.
 *
 * A child scope derives from its parent: it aborts when the parent aborts, and its deadline is never
 * later than the parent's. When a scope's own deadline passes, its signal aborts with a
 * {@link DeadlineExceededError}. {@link Scope.dispose} releases the timer and the parent listener, so a
 * finished scope leaves nothing pending.
 *
 * @example
 * ```ts
 * const root = Scope.root(systemClock, { budgetMs: 60_000 });
 * const phase = root.child({ budgetMs: 20_000, label: 'database' });
 * try {
 *   await connect({ signal: phase.signal, timeoutMs: phase.remaining() });
 * } finally {
 *   phase.dispose();
 * }
 * ```
 */
export class Scope {
  /** Aborts when the scope is cancelled, its parent aborts, or its deadline passes. */
  readonly signal: AbortSignal;
  /** Absolute deadline on {@link Scope.clock}; `Infinity` when unbounded. */
  readonly deadline: number;
  /** Human-readable name, used in the deadline error. */
  readonly label: string;

  private readonly controller = new AbortController();
  private cancelTimer: CancelTimer | undefined;
  private detachParent: (() => void) | undefined;

  private constructor(
    readonly clock: Clock,
    deadline: number,
    label: string,
    parent: AbortSignal | undefined,
    budgetMs: number,
  ) {
    this.signal = this.controller.signal;
    this.deadline = deadline;
    this.label = label;
    if (parent) {
      if (parent.aborted) {
        this.controller.abort(abortReason(parent));
        return;
      }
      const onAbort = (): void => this.abort(abortReason(parent));
      parent.addEventListener('abort', onAbort, { once: true });
      this.detachParent = () => parent.removeEventListener('abort', onAbort);
    }
    if (Number.isFinite(deadline)) {
      const remaining = deadline - clock.now();
      // The error is made only when the deadline passes: most scopes end before theirs.
      if (remaining <= 0) this.abort(new DeadlineExceededError(label, budgetMs));
      else
        this.cancelTimer = clock.timer(remaining, () =>
          this.abort(new DeadlineExceededError(label, budgetMs)),
        );
    }
  }

  /**
   * A root scope. `budgetMs` defaults to unbounded; `signal` lets an outside caller cancel it.
   *
   * @throws ConfigError at `budgetMs` when it is not a number or is NaN.
   */
  static root(
    clock: Clock,
    options: { budgetMs?: number; signal?: AbortSignal; label?: string } = {},
  ): Scope {
    const label = options.label ?? 'startup';
    const budgetMs = budgetOf(options.budgetMs, label);
    return new Scope(clock, clock.now() + budgetMs, label, options.signal, budgetMs);
  }

  /**
   * A child scope whose deadline is `min(parent deadline, now + budgetMs)`.
   *
   * @throws ConfigError at `budgetMs` when it is not a number or is NaN.
   */
  child(options: { budgetMs?: number; label?: string } = {}): Scope {
    const label = options.label ?? this.label;
    const budgetMs = budgetOf(options.budgetMs, label);
    const deadline = Math.min(this.deadline, this.clock.now() + budgetMs);
    const effectiveBudget = deadline - this.clock.now();
    return new Scope(this.clock, deadline, label, this.signal, effectiveBudget);
  }

  /** Milliseconds left before the deadline (never negative; `Infinity` when unbounded). */
  remaining(): number {
    return Math.max(0, this.deadline - this.clock.now());
  }

  /** Whether the scope has been cancelled or has run out of time. */
  get aborted(): boolean {
    return this.signal.aborted;
  }

  /** Throws the abort reason if the scope is aborted. */
  throwIfAborted(): void {
    if (this.signal.aborted) throw abortReason(this.signal);
  }

  /** Cancel this scope (and every child) with `reason`. */
  abort(reason?: unknown): void {
    this.release();
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** Release the deadline timer and the parent listener. The signal stays as it is. */
  dispose(): void {
    this.release();
  }

  private release(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.detachParent?.();
    this.detachParent = undefined;
  }
}

/**
 * `budgetMs`, `Infinity` when left out. NaN (`Number(undefined)`, a parse that failed) would make the
 * deadline NaN, which no comparison reaches: a scope without a deadline, and a child that dropped its
 * parent's. Callers that take budgets from users validate them first with their own paths; this is
 * the last guard for direct use. A zero or negative budget is a deadline already passed.
 */
function budgetOf(budgetMs: number | undefined, label: string): number {
  if (budgetMs === undefined) return Infinity;
  if (typeof budgetMs !== 'number' || Number.isNaN(budgetMs)) {
    throw new ConfigError(
      'budgetMs',
      `${String(budgetMs)} is not a budget for scope "${label}"`,
      'give a number of milliseconds, or leave it out (or Infinity) for no deadline',
    );
  }
  return budgetMs;
}
