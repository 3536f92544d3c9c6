/**
 * Fleet admission: at most K instances of a fleet warm their pools at the same time. The contract the
 * Postgres component calls is {@link AdmissionProvider} (src/components/admission-hook.ts); the fleet
 * backends implement it with a few more things a caller can use: the time waited, the slot, `close()`.
 */
import type { AdmissionLease, AdmissionProvider, AdmissionRequest } from '../components/admission-hook.js';
import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import { defaultRandom, type Random } from '../common/random.js';
import { ConfigError } from '../errors/config-error.js';

export type { AdmissionLease, AdmissionProvider, AdmissionRequest };

/** The admission backends. */
export type AdmissionBackendName = 'postgres' | 'redis' | 'local';

/**
 * A slot held by one instance. Releasing twice is harmless, and `release()` never rejects: a slot
 * whose session or lease is already gone is free anyway.
 */
export interface FleetAdmissionLease extends AdmissionLease {
  /** The backend that granted it. */
  readonly backend: AdmissionBackendName;
  /** How long the caller waited for it, in ms on the admission's clock. */
  readonly waitedMs: number;
  /** The slot index (0 .. width − 1) for the Postgres backend; `null` for the others. */
  readonly slot: number | null;
  /** True once {@link AdmissionLease.release} has run. */
  readonly released: boolean;
}

/** An {@link AdmissionProvider} of the fleet backends. */
export interface FleetAdmission extends AdmissionProvider {
  /** Which backend this is: `postgres`, `redis` or `local`. */
  readonly backend: AdmissionBackendName;
  /** K: how many instances may hold a slot at once (the local backend does not coordinate). */
  readonly width: number;
  /**
   * Wait for a slot until `request.deadline` (on the admission's clock) or until `request.signal`
   * aborts. Rejects with the signal's reason on abort and with an {@link AdmissionTimeoutError} at the
   * deadline; in both cases nothing is left behind (no lock, no lease, no timer). Rejects with a
   * `ConfigError` at `admission.deadline` when the deadline is NaN or not a number.
   */
  acquire(request: AdmissionRequest): Promise<FleetAdmissionLease>;
  /**
   * Close what the admission opened itself: Redis releases the leases still held and closes a
   * client it created; Postgres releases the leases held on dedicated connections (closing them);
   * local has nothing to close. A Postgres lease on `request.firstConnection` is left to that
   * session's owner, so release leases first.
   */
  close(): Promise<void>;
}

/** How a waiting instance polls for a free slot: decorrelated jitter between the two bounds. */
export interface PollOptionsInput {
  /** First and smallest wait between tries. @default 200 */
  readonly initialDelayMs?: number;
  /** Largest wait between tries. @default 2000 */
  readonly maxDelayMs?: number;
}

/** Options every backend shares. */
export interface AdmissionCommonOptionsInput {
  /** K: how many instances may warm at once. Use `recommended.admissionWidth` of `planConnectionBudget`. */
  readonly width: number;
  /**
   * Names the set of slots: instances with the same namespace share K slots. Use one per service and
   * database. The Postgres backend keys its locks by a 31-bit hash of it (`advisoryLockKey`):
   * two namespaces on one database whose keys are equal share their slots (a stricter admission, never
   * a wider one). @default 'phasegate'
   */
  readonly namespace?: string;
  /** Clock every wait uses. @default systemClock */
  readonly clock?: Clock;
  /** Random source for the jitter. @default Math.random */
  readonly random?: Random;
  /**
   * How to poll while every slot is taken (Postgres and Redis; `local` does not poll).
   * @default { initialDelayMs: 200, maxDelayMs: 2000 }
   */
  readonly poll?: PollOptionsInput;
}

/** {@link AdmissionCommonOptionsInput} resolved and validated. */
export interface AdmissionCommonOptions {
  readonly width: number;
  readonly namespace: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly poll: Required<PollOptionsInput>;
}

/** Validate the shared options; errors name the option (`admission.width`, ...). */
export function resolveCommonOptions(input: AdmissionCommonOptionsInput): AdmissionCommonOptions {
  const { width } = input;
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 1) {
    throw new ConfigError(
      'admission.width',
      `must be a whole number >= 1, got ${String(width)}`,
      'use recommended.admissionWidth from `phasegate plan`',
    );
  }
  const namespace = input.namespace ?? 'phasegate';
  if (typeof namespace !== 'string' || namespace.length === 0) {
    throw new ConfigError('admission.namespace', 'must be a non-empty string', 'e.g. the service name');
  }
  const initialDelayMs = input.poll?.initialDelayMs ?? 200;
  const maxDelayMs = input.poll?.maxDelayMs ?? 2000;
  if (!(initialDelayMs > 0) || !Number.isFinite(initialDelayMs)) {
    throw new ConfigError(
      'admission.poll.initialDelayMs',
      `must be a number > 0, got ${initialDelayMs}`,
      'e.g. 200',
    );
  }
  if (!(maxDelayMs >= initialDelayMs) || !Number.isFinite(maxDelayMs)) {
    throw new ConfigError(
      'admission.poll.maxDelayMs',
      `must be a finite number >= initialDelayMs (${initialDelayMs}), got ${maxDelayMs}`,
      'e.g. 2000',
    );
  }
  return {
    width,
    namespace,
    clock: input.clock ?? systemClock,
    random: input.random ?? defaultRandom,
    poll: { initialDelayMs, maxDelayMs },
  };
}

/**
 * Check an {@link AdmissionRequest} at the backends' API boundary: `deadline` must be a number on
 * the admission's clock, or `Infinity` for none. NaN (say, `start + undefined`) would otherwise reach
 * the wait's scope and fail there under another name (`budgetMs`), or, for `local`, grant at once.
 * @throws ConfigError at `admission.deadline`.
 */
export function checkRequest(request: AdmissionRequest): void {
  const { deadline } = request;
  if (typeof deadline !== 'number' || Number.isNaN(deadline)) {
    throw new ConfigError(
      'admission.deadline',
      `must be a time in ms on the admission's clock, or Infinity for none; got ${
        typeof deadline === 'number' ? 'NaN' : typeof deadline
      }`,
      'pass clock.now() + the ms you can wait, or Infinity',
    );
  }
}
