import { systemClock, type Clock } from '../common/clock.js';
import { ConfigError } from '../errors/config-error.js';
import { LatencyWindow } from './latency-window.js';
import { TimeoutPolicy } from './timeout.js';
import {
  requireClock,
  requireInteger,
  requireOrdered,
  requirePositive,
  requirePositiveOrInfinity,
} from './validate.js';

/** Options of {@link adaptiveTimeout}. */
export interface AdaptiveTimeoutOptionsInput {
  /** Timeout before any latency has been observed (cold start), in ms. @default 10000 */
  readonly initialMs?: number;
  /**
   * Smallest timeout it will set, in ms (the deadline may still cut an attempt shorter).
   * @default 1000, or `initialMs` when that is smaller
   */
  readonly floorMs?: number;
  /** Largest timeout it will set, in ms. @default Infinity */
  readonly ceilingMs?: number;
  /** Which latency quantile to follow, in (0, 1]. @default 0.99 */
  readonly quantile?: number;
  /** Headroom multiplied onto the quantile (>= 1). @default 2 */
  readonly factor?: number;
  /** How many recent samples to keep. @default 50 */
  readonly window?: number;
  /** Clock of the timer and of the latency measurements. @default systemClock */
  readonly clock?: Clock;
}

/** {@link AdaptiveTimeoutOptionsInput}, resolved. */
export type AdaptiveTimeoutOptions = Required<AdaptiveTimeoutOptionsInput>;

/**
 * A timeout that follows the latency actually observed. See {@link adaptiveTimeout}.
 */
export class AdaptiveTimeoutPolicy extends TimeoutPolicy {
  /** @internal */
  override readonly tracksLatency = true;
  /** The resolved options. */
  readonly options: AdaptiveTimeoutOptions;
  private readonly latencies: LatencyWindow;
  private base: number;

  /** Takes resolved options: {@link adaptiveTimeout} resolves and validates them. Starts at `initialMs`. */
  constructor(options: AdaptiveTimeoutOptions) {
    super(options.clock, options.initialMs);
    this.options = options;
    this.latencies = new LatencyWindow(options.window);
    this.base = options.initialMs;
  }

  /** Number of latency samples held (successes, plus timeouts counted as censored samples). */
  get samples(): number {
    return this.latencies.size;
  }

  /** The samples held, oldest first (for diagnostics). */
  latencySamples(): number[] {
    return this.latencies.toArray();
  }

  /**
   * The least time an attempt is expected to need: the `quantile` of the latencies held (a timeout
   * counts as its timeout), clamped to [`floorMs`, `ceilingMs`]; `floorMs` before any sample (the
   * initial value is a guess, not a measurement). A retry policy wrapped around this one uses it to
   * decide whether an attempt still fits before the deadline.
   *
   * It leaves out the `factor` the timeout adds as headroom: the timeout is clamped to the time
   * left anyway, and after a run of timeouts (each grows it by `factor`) "the timeout" would make
   * the retry give up with up to half the budget unused while the far side might answer.
   */
  expectedAttemptMs(): number {
    if (this.latencies.size === 0) return this.options.floorMs;
    const { quantile, floorMs, ceilingMs } = this.options;
    return Math.min(ceilingMs, Math.max(floorMs, this.latencies.quantile(quantile)!));
  }

  protected override baseTimeoutMs(): number {
    return this.base;
  }

  /** @internal */
  override succeeded(latencyMs: number): void {
    this.latencies.add(latencyMs);
    this.recompute();
  }

  /**
   * A timed-out attempt took at least its timeout: that value enters the window as a (censored)
   * sample, so a timeout that is too short grows by `factor` on each timeout instead of failing
   * forever. Timeouts cut short by the deadline teach nothing and are not recorded.
   *
   * @internal
   */
  override timedOut(timeoutMs: number, cappedByDeadline: boolean, attempt: number): void {
    if (!cappedByDeadline) {
      this.latencies.add(timeoutMs);
      this.recompute();
    }
    super.timedOut(timeoutMs, cappedByDeadline, attempt);
  }

  private recompute(): void {
    const { quantile, factor, floorMs, ceilingMs } = this.options;
    const observed = this.latencies.quantile(quantile)!;
    this.base = Math.min(ceilingMs, Math.max(floorMs, observed * factor));
  }
}

/**
 * An adaptive per-attempt timeout: it records the latency of successful attempts in a window of
 * the last `window` samples, and gives the next attempt `quantile(latencies) × factor`, clamped to
 * [`floorMs`, `ceilingMs`] and then to the time left before the deadline. Before any sample it uses
 * `initialMs`. A timeout counts as a sample equal to the timeout (the attempt took at least that
 * long), so the timeout grows when the far side slows down.
 *
 * @example
 * ```ts
 * // Attempts that take ~100 ms soon get a 200 ms timeout (floor 150 ms); slow ones grow it.
 * const attemptTimeout = adaptiveTimeout({ initialMs: 5000, floorMs: 150 });
 * const policy = wrap(retry({ maxAttempts: Infinity }), attemptTimeout);
 * ```
 */
export function adaptiveTimeout(input: AdaptiveTimeoutOptionsInput = {}): AdaptiveTimeoutPolicy {
  const options: AdaptiveTimeoutOptions = {
    initialMs: input.initialMs ?? 10_000,
    floorMs: input.floorMs ?? Math.min(1000, input.initialMs ?? 1000),
    ceilingMs: input.ceilingMs ?? Infinity,
    quantile: input.quantile ?? 0.99,
    factor: input.factor ?? 2,
    window: input.window ?? 50,
    clock: input.clock ?? systemClock,
  };
  requirePositive('adaptiveTimeout.initialMs', options.initialMs);
  requirePositive('adaptiveTimeout.floorMs', options.floorMs);
  requirePositiveOrInfinity('adaptiveTimeout.ceilingMs', options.ceilingMs);
  requireOrdered('adaptiveTimeout.floorMs', options.floorMs, 'adaptiveTimeout.initialMs', options.initialMs);
  requireOrdered(
    'adaptiveTimeout.initialMs',
    options.initialMs,
    'adaptiveTimeout.ceilingMs',
    options.ceilingMs,
  );
  if (typeof options.quantile !== 'number' || !(options.quantile > 0 && options.quantile <= 1)) {
    throw new ConfigError(
      'adaptiveTimeout.quantile',
      `must be a number in (0, 1], got ${String(options.quantile)}`,
      'use 0.99',
    );
  }
  if (!Number.isFinite(options.factor) || options.factor < 1) {
    throw new ConfigError(
      'adaptiveTimeout.factor',
      `must be a finite number >= 1, got ${options.factor}`,
      'use 2',
    );
  }
  requireInteger('adaptiveTimeout.window', options.window, 1);
  requireClock('adaptiveTimeout.clock', options.clock);
  return new AdaptiveTimeoutPolicy(options);
}
