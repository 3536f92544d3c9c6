import { requireInteger } from './validate.js';

/**
 * The last `capacity` latency samples, kept both in arrival order (a ring buffer, to know which
 * sample leaves) and sorted (so a quantile is one array read). Adding a sample costs two binary
 * searches and two small array moves; reading a quantile costs nothing.
 *
 * @example
 * ```ts
 * const window = new LatencyWindow(50);
 * window.add(120);
 * window.quantile(0.99); // 120
 * ```
 */
export class LatencyWindow {
  private readonly ring: Float64Array;
  private readonly sorted: number[] = [];
  private head = 0;

  /**
   * @param capacity How many samples to keep (the most recent ones; an integer >= 1).
   * @throws ConfigError (`PG_ERR_CONFIG`) for any other capacity.
   */
  constructor(readonly capacity: number) {
    requireInteger('LatencyWindow(capacity)', capacity, 1);
    this.ring = new Float64Array(capacity);
  }

  /** Number of samples held (at most `capacity`). */
  get size(): number {
    return this.sorted.length;
  }

  /** Record a sample, dropping the oldest when full. */
  add(sample: number): void {
    if (this.sorted.length === this.capacity) {
      const oldest = this.ring[this.head]!;
      this.sorted.splice(lowerBound(this.sorted, oldest), 1);
    }
    this.ring[this.head] = sample;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.sorted.splice(lowerBound(this.sorted, sample), 0, sample);
  }

  /**
   * The nearest-rank `q`-quantile (`q` in [0, 1]) of the samples held: the smallest sample such that
   * at least `q` of all samples are <= it. `undefined` when empty.
   */
  quantile(q: number): number | undefined {
    const n = this.sorted.length;
    if (n === 0) return undefined;
    const rank = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
    return this.sorted[rank];
  }

  /** The samples, oldest first. */
  toArray(): number[] {
    const n = this.sorted.length;
    const out: number[] = [];
    const start = n === this.capacity ? this.head : 0;
    for (let i = 0; i < n; i++) out.push(this.ring[(start + i) % this.capacity]!);
    return out;
  }

  /** Forget every sample. */
  clear(): void {
    this.sorted.length = 0;
    this.head = 0;
  }
}

/** Index of the first element >= `value` in ascending `values`. */
function lowerBound(values: readonly number[], value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
