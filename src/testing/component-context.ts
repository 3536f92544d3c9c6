import { systemClock, type Clock } from '../common/clock.js';
import type { ComponentContext, ComponentReport } from '../orchestrator/component.js';

/** A {@link ComponentContext} for calling a component's `start` directly, with what it recorded. */
export interface TestComponentContext {
  /** The context to pass to the component's `start`. */
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

/** Options of {@link testComponentContext}. */
export interface TestComponentContextOptions {
  /** The context's clock. @default systemClock */
  readonly clock?: Clock;
  /** `ctx.name`. @default 'component' */
  readonly name?: string;
  /** `ctx.phase`. @default 'test' */
  readonly phase?: string;
  /** Called with each mark's name as it is made (to wait for one). @default none */
  readonly onMark?: (event: string) => void;
}

/**
 * A {@link ComponentContext} as the orchestrator would give a component's `start`, for testing a
 * component without an orchestrator: attempt 1, no deadline, a signal and a lifetime you abort
 * yourself, and every `mark` and `report` recorded.
 *
 * On a `FakeClock`, nothing that waits on the clock moves until the clock is advanced, so
 * `await start(t.ctx)` alone would wait forever: drive it with `runUntilSettled` (or
 * `clock.advance`).
 *
 * @example
 * ```ts
 * const clock = new FakeClock();
 * const server = new FakePostgres(clock);
 * const t = testComponentContext({ clock });
 * const component = postgresComponent({ connectionFactory: server.factory });
 * const started = await runUntilSettled(clock, component.start(t.ctx));
 * t.mark('pool-ready'); // { open: 1, target: 10 }
 * t.lifetime.abort(); // ends the pool's background growth
 * if (started.ok) await started.value.end();
 * ```
 */
export function testComponentContext(options: TestComponentContextOptions = {}): TestComponentContext {
  const clock = options.clock ?? systemClock;
  const attempt = new AbortController();
  const lifetime = new AbortController();
  const marks: TestComponentContext['marks'] = [];
  const reports: ComponentReport[] = [];
  const ctx: ComponentContext = {
    name: options.name ?? 'component',
    phase: options.phase ?? 'test',
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
