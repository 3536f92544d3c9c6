import type { Clock } from '../../common/clock.js';
import { ConfigError } from '../../errors/config-error.js';
import { requireInteger, requirePositive } from '../validate.js';
import type { BreakerStrategy, FailureCounter, FailureCounterState } from './breaker-strategy.js';

/** Options of {@link samplingBreaker}. */
export interface SamplingBreakerOptionsInput {
  /** Failure ratio in (0, 1] that opens the breaker. @default 0.5 */
  readonly threshold?: number;
  /** Length of the sliding window, in ms. @default 30000 */
  readonly windowMs?: number;
  /** Calls the window must hold before the ratio counts (integer >= 1). @default 10 */
  readonly minimumCalls?: number;
  /** Buckets the window is divided into; more buckets slide more smoothly. @default 10 */
  readonly buckets?: number;
}

/** {@link SamplingBreakerOptionsInput}, resolved. */
export type SamplingBreakerOptions = Required<SamplingBreakerOptionsInput>;

/** One bucket of saved sampling state. */
export interface SamplingBucketState {
  /** Age of the bucket's start when saved, in ms. */
  readonly ageMs: number;
  /** Successes counted in the bucket. */
  readonly successes: number;
  /** Failures counted in the bucket. */
  readonly failures: number;
}

/** Saved state of a {@link samplingBreaker}. */
export interface SamplingCounterState extends FailureCounterState {
  /** Which strategy saved it. */
  readonly kind: 'sampling';
  /** The buckets still in the window when saved, oldest first. */
  readonly buckets: readonly SamplingBucketState[];
}

class SamplingCounter implements FailureCounter {
  private readonly bucketMs: number;
  private readonly ids: number[];
  private readonly successes: number[];
  private readonly failures: number[];

  constructor(
    private readonly clock: Clock,
    private readonly options: SamplingBreakerOptions,
  ) {
    this.bucketMs = options.windowMs / options.buckets;
    this.ids = new Array<number>(options.buckets).fill(-Infinity);
    this.successes = new Array<number>(options.buckets).fill(0);
    this.failures = new Array<number>(options.buckets).fill(0);
  }

  success(): void {
    this.successes[this.slot(this.clock.now())]!++;
  }

  failure(): boolean {
    const slot = this.slot(this.clock.now());
    this.failures[slot]!++;
    const current = this.ids[slot]!;
    const oldest = current - this.options.buckets;
    let calls = 0;
    let failures = 0;
    for (let i = 0; i < this.options.buckets; i++) {
      const id = this.ids[i]!;
      if (id > oldest && id <= current) {
        calls += this.successes[i]! + this.failures[i]!;
        failures += this.failures[i]!;
      }
    }
    // The ratio, not `threshold × calls`: 0.07 × 100 is 7.000000000000001 in floating point, so 7
    // failures in 100 calls would not reach a 7 % threshold; k / n rounds to the same double as k/n
    // written as a decimal.
    return calls >= this.options.minimumCalls && failures / calls >= this.options.threshold;
  }

  reset(): void {
    this.ids.fill(-Infinity);
  }

  toJSON(): SamplingCounterState {
    const now = this.clock.now();
    const current = Math.floor(now / this.bucketMs);
    const buckets: SamplingBucketState[] = [];
    for (let i = 0; i < this.options.buckets; i++) {
      const id = this.ids[i]!;
      if (id > current - this.options.buckets && id <= current) {
        buckets.push({
          ageMs: now - id * this.bucketMs,
          successes: this.successes[i]!,
          failures: this.failures[i]!,
        });
      }
    }
    buckets.sort((a, b) => b.ageMs - a.ageMs);
    return { kind: 'sampling', buckets };
  }

  /** Add saved counts, placing each bucket by its age (buckets older than the window are dropped). */
  restore(buckets: readonly SamplingBucketState[]): void {
    const now = this.clock.now();
    const oldestFirst = [...buckets].sort((a, b) => b.ageMs - a.ageMs);
    for (const bucket of oldestFirst) {
      if (bucket.ageMs >= this.options.windowMs + this.bucketMs || bucket.ageMs < 0) continue;
      const slot = this.slot(now - bucket.ageMs);
      this.successes[slot]! += bucket.successes;
      this.failures[slot]! += bucket.failures;
    }
  }

  /** The slot of the bucket holding time `at`, cleared first if it held an older bucket. */
  private slot(at: number): number {
    const id = Math.floor(at / this.bucketMs);
    const n = this.options.buckets;
    const slot = ((id % n) + n) % n;
    if (this.ids[slot] !== id) {
      this.ids[slot] = id;
      this.successes[slot] = 0;
      this.failures[slot] = 0;
    }
    return slot;
  }
}

/**
 * Open when, over the last `windowMs`, at least `minimumCalls` counted calls were made and the
 * share of failures among them reached `threshold`. The window slides in `buckets` steps and reads
 * time from the breaker's clock.
 *
 * @example
 * ```ts
 * // Open when half of at least 20 calls in the last 10 s failed.
 * circuitBreaker({ breaker: samplingBreaker({ threshold: 0.5, windowMs: 10_000, minimumCalls: 20 }) });
 * ```
 */
export function samplingBreaker(input: SamplingBreakerOptionsInput = {}): BreakerStrategy {
  const options: SamplingBreakerOptions = {
    threshold: input.threshold ?? 0.5,
    windowMs: input.windowMs ?? 30_000,
    minimumCalls: input.minimumCalls ?? 10,
    buckets: input.buckets ?? 10,
  };
  if (typeof options.threshold !== 'number' || !(options.threshold > 0 && options.threshold <= 1)) {
    throw new ConfigError(
      'samplingBreaker.threshold',
      `must be a number in (0, 1], got ${String(options.threshold)}`,
      'use 0.5',
    );
  }
  requirePositive('samplingBreaker.windowMs', options.windowMs);
  requireInteger('samplingBreaker.minimumCalls', options.minimumCalls, 1);
  requireInteger('samplingBreaker.buckets', options.buckets, 1);
  return {
    kind: 'sampling',
    create(clock, saved) {
      const counter = new SamplingCounter(clock, options);
      if (saved !== undefined) counter.restore(savedBuckets(saved));
      return counter;
    },
  };
}

function savedBuckets(saved: FailureCounterState): readonly SamplingBucketState[] {
  const buckets = (saved as Partial<SamplingCounterState>).buckets;
  const valid =
    saved.kind === 'sampling' &&
    Array.isArray(buckets) &&
    buckets.every(
      (b: Partial<SamplingBucketState>) =>
        typeof b === 'object' &&
        b !== null &&
        typeof b.ageMs === 'number' &&
        typeof b.successes === 'number' &&
        typeof b.failures === 'number',
    );
  if (!valid) {
    throw new ConfigError(
      'circuitBreaker.initialState.counter',
      `is not a sampling breaker's state (kind ${String(saved.kind)})`,
      'restore state saved by a breaker with the same strategy',
    );
  }
  return buckets;
}
