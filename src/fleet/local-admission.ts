import { abortReason } from '../common/abort-reason.js';
import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import { defaultRandom, type Random } from '../common/random.js';
import { ConfigError } from '../errors/config-error.js';
import {
  checkRequest,
  type AdmissionRequest,
  type FleetAdmission,
  type FleetAdmissionLease,
} from './admission.js';
import { AdmissionTimeoutError } from './admission-timeout-error.js';

/** Options of {@link LocalAdmission}. */
export interface LocalAdmissionOptionsInput {
  /** Accepted for symmetry with the other backends; the local backend does not coordinate. @default 1 */
  readonly width?: number;
  /** The start delay is uniform in [0, maxStartDelayMs). @default 1000 */
  readonly maxStartDelayMs?: number;
  /** Clock the start delay sleeps on. @default systemClock */
  readonly clock?: Clock;
  /** Random source of the start delay. @default Math.random */
  readonly random?: Random;
}

/**
 * No coordination: each instance waits a random delay in [0, maxStartDelayMs) (clamped to the
 * deadline) and then proceeds. Spreads a fleet that starts at once without any shared infrastructure;
 * it does not bound how many warm together.
 *
 * @example
 * ```ts
 * const admission = new LocalAdmission({ maxStartDelayMs: 2000 });
 * const lease = await admission.acquire({ signal, deadline: clock.now() + 10_000, firstConnection: undefined });
 * lease.waitedMs; // somewhere in [0, 2000)
 * ```
 */
export class LocalAdmission implements FleetAdmission {
  /** Always `local`. */
  readonly backend = 'local' as const;
  /** The `width` option, kept for symmetry with the other backends; nothing enforces it. */
  readonly width: number;
  private readonly maxStartDelayMs: number;
  private readonly clock: Clock;
  private readonly random: Random;

  /**
   * @throws ConfigError when `width` is not a whole number >= 1, or `maxStartDelayMs` is negative or
   * not finite.
   */
  constructor(options: LocalAdmissionOptionsInput = {}) {
    const width = options.width ?? 1;
    if (!Number.isInteger(width) || width < 1) {
      throw new ConfigError('admission.width', `must be a whole number >= 1, got ${width}`, 'e.g. 1');
    }
    const maxStartDelayMs = options.maxStartDelayMs ?? 1000;
    if (!(maxStartDelayMs >= 0) || !Number.isFinite(maxStartDelayMs)) {
      throw new ConfigError(
        'admission.maxStartDelayMs',
        `must be a finite number >= 0, got ${maxStartDelayMs}`,
        'e.g. 1000',
      );
    }
    this.width = width;
    this.maxStartDelayMs = maxStartDelayMs;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? defaultRandom;
  }

  /**
   * Wait a random delay in [0, `maxStartDelayMs`), clamped to the deadline, then grant. Rejects with
   * the signal's reason on abort, and with an `AdmissionTimeoutError` when the deadline has passed.
   */
  async acquire(request: AdmissionRequest): Promise<FleetAdmissionLease> {
    checkRequest(request);
    const start = this.clock.now();
    if (request.signal.aborted) throw abortReason(request.signal);
    const remaining = request.deadline - start;
    if (remaining <= 0) throw new AdmissionTimeoutError(this.backend, this.width, 0);
    const delay = Math.min(this.random() * this.maxStartDelayMs, remaining);
    if (delay > 0) await this.clock.sleep(delay, request.signal);
    return localLease(this.clock.now() - start);
  }

  /** Nothing to close. */
  async close(): Promise<void> {}
}

function localLease(waitedMs: number): FleetAdmissionLease {
  let released = false;
  return {
    backend: 'local',
    waitedMs,
    slot: null,
    get released() {
      return released;
    },
    release: () => {
      released = true;
      return Promise.resolve();
    },
  };
}
