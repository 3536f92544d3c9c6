import { defaultRandom, type Random } from '../../common/random.js';
import { ConfigError } from '../../errors/config-error.js';
import { requireOrdered, requirePositive, requireRange } from '../validate.js';
import type { Backoff, BackoffStep } from './backoff.js';

/**
 * How jitter is applied to an exponential delay `d`, with `r` uniform in [0, 1):
 * - `add`: `d × (1 + jitter × r)`: up to `jitter` of `d` is added (the incident's "0–50 % added").
 * - `spread`: `d × (1 + jitter × (2r − 1))`: ± `jitter` around `d` (gRPC's ±20 %).
 */
export type JitterMode = 'add' | 'spread';

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptionsInput {
  /** First delay, in ms. @default 100 */
  readonly initialMs?: number;
  /** Growth per attempt (>= 1). @default 2 */
  readonly factor?: number;
  /** Cap on the un-jittered delay, in ms. @default 10000 */
  readonly maxMs?: number;
  /**
   * Jitter ratio in [0, 1] applied after the cap, so a jittered delay can reach
   * `maxMs × (1 + jitter)`; that keeps instances that all reached the cap apart.
   * @default 0
   */
  readonly jitter?: number;
  /** How `jitter` is applied. @default 'add' */
  readonly jitterMode?: JitterMode;
}

/** {@link ExponentialBackoffOptionsInput}, resolved. */
export type ExponentialBackoffOptions = Required<ExponentialBackoffOptionsInput>;

/** Resolve and validate {@link ExponentialBackoffOptionsInput} (also used by full jitter). */
export function resolveExponentialOptions(
  name: string,
  input: ExponentialBackoffOptionsInput,
): ExponentialBackoffOptions {
  const options: ExponentialBackoffOptions = {
    initialMs: input.initialMs ?? 100,
    factor: input.factor ?? 2,
    maxMs: input.maxMs ?? 10_000,
    jitter: input.jitter ?? 0,
    jitterMode: input.jitterMode ?? 'add',
  };
  requirePositive(`${name}.initialMs`, options.initialMs);
  requirePositive(`${name}.maxMs`, options.maxMs);
  requireOrdered(`${name}.initialMs`, options.initialMs, `${name}.maxMs`, options.maxMs);
  if (!Number.isFinite(options.factor) || options.factor < 1) {
    throw new ConfigError(
      `${name}.factor`,
      `must be a finite number >= 1, got ${options.factor}`,
      'use 2 to double',
    );
  }
  requireRange(`${name}.jitter`, options.jitter, 0, 1);
  if (options.jitterMode !== 'add' && options.jitterMode !== 'spread') {
    throw new ConfigError(
      `${name}.jitterMode`,
      `must be 'add' or 'spread', got ${String(options.jitterMode)}`,
    );
  }
  return options;
}

/** `min(maxMs, initialMs × factor^n)`: the capped, un-jittered delay of retry `n` (0-based). */
export function cappedExponential(options: ExponentialBackoffOptions, n: number): number {
  return Math.min(options.maxMs, options.initialMs * options.factor ** n);
}

class ExponentialStep implements BackoffStep {
  readonly duration: number;

  constructor(
    private readonly options: ExponentialBackoffOptions,
    private readonly n: number,
    private readonly random: Random,
  ) {
    const base = cappedExponential(options, n);
    const { jitter } = options;
    if (jitter === 0) this.duration = base;
    else if (options.jitterMode === 'add') this.duration = base * (1 + jitter * random());
    else this.duration = base * (1 + jitter * (2 * random() - 1));
    Object.freeze(this);
  }

  next(): BackoffStep {
    return new ExponentialStep(this.options, this.n + 1, this.random);
  }
}

/**
 * Exponential backoff: `min(maxMs, initialMs × factor^n)` for retry `n` (0-based), optionally with
 * jitter (see {@link JitterMode}). Without jitter, instances that failed together retry together;
 * prefer {@link fullJitterBackoff} or {@link decorrelatedJitterBackoff} for fleets.
 *
 * @example
 * ```ts
 * // The incident's schedule: 2 s base, doubling, 30 s cap, 0–50 % added jitter.
 * exponentialBackoff({ initialMs: 2000, maxMs: 30_000, jitter: 0.5 });
 * // gRPC's connection backoff: 1 s base, ×1.6, 120 s cap, ±20 %.
 * exponentialBackoff({ initialMs: 1000, factor: 1.6, maxMs: 120_000, jitter: 0.2, jitterMode: 'spread' });
 * ```
 */
export function exponentialBackoff(input: ExponentialBackoffOptionsInput = {}): Backoff {
  const options = resolveExponentialOptions('exponentialBackoff', input);
  return { start: (random = defaultRandom) => new ExponentialStep(options, 0, random) };
}
