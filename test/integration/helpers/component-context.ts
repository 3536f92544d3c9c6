import { systemClock, type Clock } from '../../../src/common/clock.js';
import type { ComponentContext, ComponentReport } from '../../../src/orchestrator/component.js';

/** A {@link ComponentContext} for calling a component's `start` directly, with what it recorded. */
export interface TestComponentContext {
  readonly ctx: ComponentContext;
  /** Aborts the start attempt (`ctx.signal`). */
  readonly attempt: AbortController;
  /** Ends the component's lifetime (`ctx.lifetime`). */
  readonly lifetime: AbortController;
  /** Every `ctx.mark` call, in order. */
  readonly marks: Array<{
    readonly event: string;
    readonly data: Readonly<Record<string, unknown>> | undefined;
  }>;
  /** Every `ctx.report` call, in order. */
  readonly reports: ComponentReport[];
  /** The data of the first mark named `event`. */
  mark(event: string): Readonly<Record<string, unknown>> | undefined;
}

/**
 * A context as the orchestrator would give it, on the system clock by default.
 *
 * @example
 * ```ts
 * const t = componentContext();
 * const pool = await postgresComponent({ connection: url }).start(t.ctx);
 * ```
 */
export function componentContext(
  options: { clock?: Clock; name?: string; onMark?: (event: string) => void } = {},
): TestComponentContext {
  const clock = options.clock ?? systemClock;
  const attempt = new AbortController();
  const lifetime = new AbortController();
  const marks: TestComponentContext['marks'] = [];
  const reports: ComponentReport[] = [];
  const ctx: ComponentContext = {
    name: options.name ?? 'component',
    phase: 'test',
    clock,
    attempt: 1,
    signal: attempt.signal,
    deadline: Infinity,
    lifetime: lifetime.signal,
    remaining: () => Infinity,
    report: (report) => reports.push(report),
    mark: (event, data) => {
      marks.push({ event, data });
      options.onMark?.(event);
    },
  };
  return {
    ctx,
    attempt,
    lifetime,
    marks,
    reports,
    mark: (event) => marks.find((m) => m.event === event)?.data,
  };
}
