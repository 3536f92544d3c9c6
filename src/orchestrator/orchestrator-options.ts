import { systemClock, wallClockNow, type Clock } from '../common/clock.js';
import { defaultRandom, type Random } from '../common/random.js';
import { classify as defaultClassify, type Classifier } from '../errors/classify.js';
import { ConfigError } from '../errors/config-error.js';
import type { Backoff } from '../policies/index.js';
import { decorrelatedJitterBackoff } from '../policies/index.js';
import type { Policy } from '../policies/policy.js';
import type { ComponentSpec } from './component.js';
import { defaultComponentPolicy } from './default-policy.js';

/**
 * How the orchestrator treats a component that fails to start (its policy gave up, or its phase or
 * the total budget ran out):
 *
 * - `deterministic`: a critical component's failure aborts startup: sibling starts are cancelled,
 *   everything started is stopped in reverse order, and `start()` rejects with a `StartupError`
 *   (exit 3 for transient/capacity, 78 for permanent/config). `degradable` is ignored.
 * - `graceful`: a `degradable` component's failure leaves the service up: the component is
 *   `degraded`, availability drops to the worst `degradesTo` of the components that are down, and it
 *   is recovered in the background (with `recoveryBackoff`, until it is back or `stop()`); when it
 *   is back it is `ready` and availability rises. A critical component that is not degradable still
 *   aborts startup.
 *
 * In both modes an optional component (`critical: false`, not degradable in graceful mode) that fails
 * is skipped (state `failed`), and does not lower availability. Its phase still waits for it until
 * its policy gives up (at the latest the phase deadline): give an optional component a policy with
 * few attempts to keep startup short.
 *
 * Dependents of a component that is down are never started with it missing: they fail at once with a
 * `DependencyUnavailableError` carrying the dependency's error class, and then follow the same rules
 * (degrade and recover once the dependency is back, be skipped, or abort startup).
 */
export type OrchestratorMode = 'deterministic' | 'graceful';

/** What a {@link PolicyFactory} is given to build a component's policy. */
export interface PolicyFactoryContext {
  /** Name of the phase the component is in. */
  readonly phase: string;
  /** The orchestrator's clock ({@link OrchestratorOptions.clock}). */
  readonly clock: Clock;
  /** The orchestrator's jitter source ({@link OrchestratorOptions.random}). */
  readonly random: Random;
  /** The orchestrator's classifier ({@link OrchestratorOptions.classify}). */
  readonly classify: Classifier;
}

/** Builds the policy of a component that has none; called once per component. */
export type PolicyFactory = (component: ComponentSpec, context: PolicyFactoryContext) => Policy;

/** Options of the orchestrator; every field is optional. */
export interface OrchestratorOptionsInput {
  /**
   * `deterministic`: a critical failure stops what started and rejects `start()` (`degradable` is
   * ignored). `graceful`: a `degradable` component that fails leaves the service up at a lower
   * availability and keeps recovering in the background. @default 'deterministic'
   */
  readonly mode?: OrchestratorMode;
  /**
   * Total startup budget in ms: the platform's startup window (e.g. `failureThreshold ×
   * periodSeconds` of a Kubernetes startupProbe). `Infinity` for none. @default 60_000
   */
  readonly budgetMs?: number;
  /** Every timer goes through it. @default systemClock */
  readonly clock?: Clock;
  /** Epoch ms for the timestamps shown in `/health` (never used for durations). @default wallClockNow */
  readonly wallClock?: () => number;
  /** Jitter source of the default policy and of recovery backoff. @default Math.random */
  readonly random?: Random;
  /** Classifies failures (retries, StartupError.classification, exit codes). @default classify */
  readonly classify?: Classifier;
  /**
   * Policy for components without one. @default retry with decorrelated jitter (250 ms to 10 s;
   * 1 s to 30 s after `capacity` failures) until the phase deadline, around an adaptive
   * per-attempt timeout ({@link defaultComponentPolicy})
   */
  readonly defaultPolicy?: PolicyFactory;
  /** Bound of each component's `stop`. @default 5_000 */
  readonly stopTimeoutMs?: number;
  /** Backoff between background recovery rounds (graceful mode). @default decorrelated jitter 1 s to 30 s */
  readonly recoveryBackoff?: Backoff;
  /**
   * Deadline of one recovery round (the component's policy runs within it). When the policy makes
   * no attempt in a round because none fits (its adaptive timeout learned during startup that
   * attempts take longer), later rounds get twice as long, until one fits. @default 30_000
   */
  readonly recoveryAttemptMs?: number;
  /** Interval of post-start health checks; `Infinity` turns them off. @default 10_000 */
  readonly checkIntervalMs?: number;
  /** Bound of one health check. @default 5_000 */
  readonly checkTimeoutMs?: number;
  /**
   * Called once with the text waterfall ({@link formatWaterfall}) when startup ends, ready or not.
   * @default none
   * @example `onWaterfall: (text) => logger.info(text)`
   */
  readonly onWaterfall?: (text: string) => void;
  /**
   * Whether to keep the events in {@link Orchestrator.timeline}. With `false` the events are still
   * emitted to `on(...)` listeners, but the timeline stays empty: for many short-lived orchestrators
   * whose timelines nobody reads (the storm simulator runs one per virtual instance, and each keeps
   * its attempts' errors until the instance exits). Cannot be combined with `onWaterfall`.
   * @default true
   */
  readonly recordTimeline?: boolean;
}

/** Resolved {@link OrchestratorOptionsInput}. */
export interface OrchestratorOptions {
  /** {@link OrchestratorOptionsInput.mode}; `'deterministic'` if not given. */
  readonly mode: OrchestratorMode;
  /** {@link OrchestratorOptionsInput.budgetMs}, in ms (may be `Infinity`); 60 000 if not given. */
  readonly budgetMs: number;
  /** {@link OrchestratorOptionsInput.clock}; `systemClock` if not given. */
  readonly clock: Clock;
  /** {@link OrchestratorOptionsInput.wallClock}, epoch ms; `wallClockNow` if not given. */
  readonly wallClock: () => number;
  /** {@link OrchestratorOptionsInput.random}; `Math.random` if not given. */
  readonly random: Random;
  /** {@link OrchestratorOptionsInput.classify}; the built-in `classify` if not given. */
  readonly classify: Classifier;
  /** {@link OrchestratorOptionsInput.defaultPolicy}; {@link defaultComponentPolicy} if not given. */
  readonly defaultPolicy: PolicyFactory;
  /** {@link OrchestratorOptionsInput.stopTimeoutMs}, in ms; 5 000 if not given. */
  readonly stopTimeoutMs: number;
  /**
   * {@link OrchestratorOptionsInput.recoveryBackoff}; decorrelated jitter from 1 s to 30 s if not
   * given.
   */
  readonly recoveryBackoff: Backoff;
  /** {@link OrchestratorOptionsInput.recoveryAttemptMs}, in ms; 30 000 if not given. */
  readonly recoveryAttemptMs: number;
  /** {@link OrchestratorOptionsInput.checkIntervalMs}, in ms (`Infinity`: no checks); 10 000 if not given. */
  readonly checkIntervalMs: number;
  /** {@link OrchestratorOptionsInput.checkTimeoutMs}, in ms; 5 000 if not given. */
  readonly checkTimeoutMs: number;
  /** {@link OrchestratorOptionsInput.onWaterfall}; `undefined` if not given (no waterfall is drawn). */
  readonly onWaterfall: ((text: string) => void) | undefined;
  /** {@link OrchestratorOptionsInput.recordTimeline}; `true` if not given. */
  readonly recordTimeline: boolean;
}

const positive = (path: string, value: number, allowInfinity: boolean): number => {
  const ok =
    typeof value === 'number' && value > 0 && (allowInfinity ? !Number.isNaN(value) : Number.isFinite(value));
  if (!ok) {
    throw new ConfigError(
      path,
      `${String(value)} is not a valid number of milliseconds`,
      `use a positive${allowInfinity ? '' : ', finite'} number${allowInfinity ? ' (Infinity for none)' : ''}`,
    );
  }
  return value;
};

const fn = <T>(path: string, value: T): T => {
  if (typeof value !== 'function')
    throw new ConfigError(path, 'must be a function', `pass a function or leave ${path} out`);
  return value;
};

/** Resolve and validate orchestrator options. @throws ConfigError naming the option and the fix. */
export function resolveOrchestratorOptions(input: OrchestratorOptionsInput = {}): OrchestratorOptions {
  const mode = input.mode ?? 'deterministic';
  if (mode !== 'deterministic' && mode !== 'graceful') {
    throw new ConfigError(
      'options.mode',
      `unknown mode ${JSON.stringify(mode)}`,
      'use "deterministic" or "graceful"',
    );
  }
  const clock = input.clock ?? systemClock;
  if (
    typeof clock.now !== 'function' ||
    typeof clock.sleep !== 'function' ||
    typeof clock.timer !== 'function'
  ) {
    throw new ConfigError('options.clock', 'not a Clock', 'pass systemClock or a FakeClock');
  }
  const recoveryBackoff =
    input.recoveryBackoff ?? decorrelatedJitterBackoff({ initialMs: 1_000, maxMs: 30_000 });
  if (typeof recoveryBackoff.start !== 'function') {
    throw new ConfigError(
      'options.recoveryBackoff',
      'not a Backoff',
      'pass e.g. decorrelatedJitterBackoff({...})',
    );
  }
  const recordTimeline = input.recordTimeline ?? true;
  if (typeof recordTimeline !== 'boolean') {
    throw new ConfigError(
      'options.recordTimeline',
      'must be true or false',
      'pass a boolean or leave it out',
    );
  }
  if (!recordTimeline && input.onWaterfall !== undefined) {
    throw new ConfigError(
      'options.onWaterfall',
      'the waterfall is drawn from the timeline, which recordTimeline: false turns off',
      'leave out onWaterfall or recordTimeline',
    );
  }
  return {
    mode,
    budgetMs: positive('options.budgetMs', input.budgetMs ?? 60_000, true),
    clock,
    wallClock: fn('options.wallClock', input.wallClock ?? wallClockNow),
    random: fn('options.random', input.random ?? defaultRandom),
    classify: fn('options.classify', input.classify ?? defaultClassify),
    defaultPolicy: fn('options.defaultPolicy', input.defaultPolicy ?? defaultComponentPolicy),
    stopTimeoutMs: positive('options.stopTimeoutMs', input.stopTimeoutMs ?? 5_000, false),
    recoveryBackoff,
    recoveryAttemptMs: positive('options.recoveryAttemptMs', input.recoveryAttemptMs ?? 30_000, false),
    checkIntervalMs: positive('options.checkIntervalMs', input.checkIntervalMs ?? 10_000, true),
    checkTimeoutMs: positive('options.checkTimeoutMs', input.checkTimeoutMs ?? 5_000, false),
    onWaterfall: input.onWaterfall === undefined ? undefined : fn('options.onWaterfall', input.onWaterfall),
    recordTimeline,
  };
}
