import type { Clock } from '../common/clock.js';
import type { Availability } from '../orchestrator/availability.js';
import type { ComponentCallContext, ComponentContext, ComponentSpec } from '../orchestrator/component.js';
import type { Policy } from '../policies/policy.js';

/** The handle a {@link fakeComponent} returns from `start`. */
export interface FakeHandle {
  /** The component's name ({@link FakeComponentOptionsInput.name}). */
  readonly name: string;
  /** Which attempt produced it (1-based, counting every attempt the component ever made). */
  readonly attempt: number;
}

/** Options of {@link fakeComponent}. */
export interface FakeComponentOptionsInput {
  /** The component's name (required). */
  readonly name: string;
  /** The clock its delays run on (a {@link FakeClock} in tests). */
  readonly clock: Clock;
  /**
   * Fail this many attempts before succeeding: a whole number >= 0, or `Infinity` to never succeed
   * (anything else is a `RangeError`). @default 0
   */
  readonly failTimes?: number;
  /**
   * What a failing attempt throws (a function gets the attempt number).
   * @default an `ECONNREFUSED` error (classified transient)
   */
  readonly error?: unknown;
  /**
   * How long each attempt takes before it succeeds or fails, in ms >= 0; `Infinity` never settles
   * (a negative or `NaN` value is a `RangeError`). @default 0
   */
  readonly startMs?: number;
  /** Ignore the attempt's signal (a badly behaved component that keeps running). @default false */
  readonly ignoreSignal?: boolean;
  /**
   * How long `stop` takes, in ms >= 0; `Infinity` never finishes (ignoring its signal). A negative or
   * `NaN` value is a `RangeError`. @default 0
   */
  readonly stopMs?: number;
  /** Whether the component has a `check`; see {@link FakeComponent.healthy}. @default false */
  readonly withCheck?: boolean;
  /** Whether the component has a `stop`. @default true */
  readonly withStop?: boolean;
  /**
   * A log shared by several fake components, to assert order across them (`start:db`, `stop:db`...).
   * @default undefined (nothing is logged)
   */
  readonly log?: string[];
  /** `ComponentSpec.critical`. @default undefined (left out: the orchestrator's default, true) */
  readonly critical?: boolean;
  /** `ComponentSpec.degradable`. @default undefined (left out: the orchestrator's default, false) */
  readonly degradable?: boolean;
  /** `ComponentSpec.degradesTo`. @default undefined (left out: the orchestrator's default, DEGRADED) */
  readonly degradesTo?: Availability;
  /** `ComponentSpec.dependsOn`. @default undefined (left out: no dependencies) */
  readonly dependsOn?: readonly string[];
  /** `ComponentSpec.policy`. @default undefined (left out: the orchestrator's `defaultPolicy`) */
  readonly policy?: Policy;
}

/** A time at which something happened to one attempt. */
export interface FakeAttemptEvent {
  /** The attempt (1-based, counting every attempt the component ever made). */
  readonly attempt: number;
  /** When, on the component's clock. */
  readonly at: number;
}

/** A scripted {@link ComponentSpec} that records everything done to it. */
export interface FakeComponent extends ComponentSpec<FakeHandle> {
  /** Attempts made so far. */
  readonly attempts: number;
  /** Attempts currently running (0 once everything has settled or been aborted). */
  readonly running: number;
  /** When each attempt began, on the clock. */
  readonly started: readonly FakeAttemptEvent[];
  /** When an attempt's signal aborted while it was running. */
  readonly aborted: readonly FakeAttemptEvent[];
  /** Handles given to `stop`, in order. */
  readonly stopped: readonly FakeHandle[];
  /** The contexts of every attempt (to inspect deadlines, or call `report`/`mark`). */
  readonly contexts: readonly ComponentContext[];
  /** Failures still to come before attempts succeed; set it to make a component fail again. */
  remainingFailures: number;
  /** What `check` answers: `true`, `false`, or an error to throw. */
  healthy: boolean | Error;
}

/**
 * A count or delay of {@link FakeComponentOptionsInput}, checked: one that is not (`NaN` from a bad
 * computation, a negative number) would script nothing, and the test around it would check nothing.
 */
function checked(
  name: string,
  option: 'failTimes' | 'startMs' | 'stopMs',
  value: number | undefined,
): number {
  if (value === undefined) return 0;
  const ok = option === 'failTimes' ? Number.isInteger(value) || value === Infinity : value >= 0;
  if (ok && value >= 0) return value;
  const expected =
    option === 'failTimes'
      ? 'a whole number >= 0 or Infinity'
      : 'a number of ms >= 0 (Infinity: never settles)';
  throw new RangeError(`fakeComponent(${name}): ${option} must be ${expected}, got ${value}`);
}

const defaultError = (name: string): Error =>
  Object.assign(new Error(`connect ECONNREFUSED 127.0.0.1:5432 (${name})`), { code: 'ECONNREFUSED' });

/**
 * A fake component for tests of code that runs plans: it fails a scripted number of times, takes a
 * scripted time on the clock, and records attempts, aborts and stops. A `failTimes`, `startMs` or
 * `stopMs` that is negative or `NaN` (or a `failTimes` that is not whole) is a `RangeError` naming it.
 *
 * @example
 * ```ts
 * const clock = new FakeClock();
 * const db = fakeComponent({ name: 'db', clock, failTimes: 2, startMs: 100 });
 * const orchestrator = createOrchestrator({ phases: [{ name: 'database', components: [db] }] }, { clock });
 * const started = orchestrator.start();
 * await clock.runAll();
 * await started;
 * db.attempts; // 3
 * ```
 */
export function fakeComponent(options: FakeComponentOptionsInput): FakeComponent {
  const { name, clock, log } = options;
  const failTimes = checked(name, 'failTimes', options.failTimes);
  const startMs = checked(name, 'startMs', options.startMs);
  const stopMs = checked(name, 'stopMs', options.stopMs);
  const started: FakeAttemptEvent[] = [];
  const aborted: FakeAttemptEvent[] = [];
  const stopped: FakeHandle[] = [];
  const contexts: ComponentContext[] = [];
  let attempts = 0;
  let running = 0;

  const start = async (context: ComponentContext): Promise<FakeHandle> => {
    const attempt = ++attempts;
    running++;
    contexts.push(context);
    started.push({ attempt, at: clock.now() });
    log?.push(`start:${name}`);
    const onAbort = (): void => {
      aborted.push({ attempt, at: clock.now() });
      log?.push(`abort:${name}`);
    };
    context.signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (startMs > 0) await clock.sleep(startMs, options.ignoreSignal ? undefined : context.signal);
      else if (!options.ignoreSignal && context.signal.aborted) throw context.signal.reason;
      if (component.remainingFailures > 0) {
        component.remainingFailures--;
        const error = options.error ?? defaultError(name);
        throw typeof error === 'function' ? (error as (n: number) => unknown)(attempt) : error;
      }
      log?.push(`ready:${name}`);
      return { name, attempt };
    } finally {
      context.signal.removeEventListener('abort', onAbort);
      running--;
    }
  };

  const stop = async (handle: FakeHandle, context: ComponentCallContext): Promise<void> => {
    stopped.push(handle);
    log?.push(`stop:${name}`);
    if (stopMs === Infinity) await new Promise<never>(() => undefined);
    if (stopMs > 0) await clock.sleep(stopMs, context.signal);
  };

  const check = (): boolean => {
    if (component.healthy instanceof Error) throw component.healthy;
    return component.healthy;
  };

  const component: FakeComponent = {
    name,
    ...(options.critical === undefined ? {} : { critical: options.critical }),
    ...(options.degradable === undefined ? {} : { degradable: options.degradable }),
    ...(options.degradesTo === undefined ? {} : { degradesTo: options.degradesTo }),
    ...(options.dependsOn === undefined ? {} : { dependsOn: options.dependsOn }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
    start,
    ...(options.withStop === false ? {} : { stop }),
    ...(options.withCheck ? { check } : {}),
    get attempts() {
      return attempts;
    },
    get running() {
      return running;
    },
    started,
    aborted,
    stopped,
    contexts,
    remainingFailures: failTimes,
    healthy: true,
  };
  return component;
}
