import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { CancelTimer } from '../common/clock.js';
import { settlesWithin } from '../common/settles-within.js';
import { abortReason } from '../common/abort-reason.js';
import { linkSignals } from '../components/abort.js';
import { toDependencyError } from '../components/dependency-error.js';
import { ConfigError } from '../errors/config-error.js';
import { AdmissionClosedError } from './admission-closed-error.js';
import { AdmissionLostError } from './admission-lost-error.js';
import {
  checkRequest,
  resolveCommonOptions,
  type AdmissionCommonOptions,
  type AdmissionCommonOptionsInput,
  type AdmissionRequest,
  type FleetAdmission,
  type FleetAdmissionLease,
} from './admission.js';
import { noAnswerError, pollForSlot } from './poll-for-slot.js';
import { checkRedisUrl, openAdmissionClient, type AdmissionClient } from './redis-admission-client.js';
import { ACQUIRE_SCRIPT, REFRESH_SCRIPT, RELEASE_SCRIPT } from './redis-lease-scripts.js';

/** The part of an ioredis client the Redis backend uses. */
export type RedisLike = Pick<Redis, 'eval' | 'quit'>;

/** Options of {@link RedisAdmission}. Give either `redis` or `url`. */
export interface RedisAdmissionOptionsInput extends AdmissionCommonOptionsInput {
  /** A client you own; {@link RedisAdmission.close} leaves it open. @default none: give this or `url` */
  readonly redis?: RedisLike;
  /**
   * A `redis://` or `rediss://` URL; the admission opens its own client and closes it in
   * {@link RedisAdmission.close}. Its password never appears in an error. @default none: give this
   * or `redis`
   */
  readonly url?: string;
  /** The sorted set holding the leases. @default `phasegate:admission:<namespace>` */
  readonly key?: string;
  /**
   * How long a lease lives without a refresh: a holder that dies frees its slot at most this long
   * after its last refresh. @default 10000
   */
  readonly leaseMs?: number;
  /** How often a held lease is refreshed; must be well below `leaseMs`. @default leaseMs / 3 */
  readonly refreshMs?: number;
  /**
   * Called once when a held lease is lost: a refresh found it expired, or Redis could not confirm it
   * for `leaseMs` (the slot may be reused). Not called after `release()`. @default none (the lease's
   * `signal` still aborts)
   */
  readonly onLeaseLost?: (lease: RedisAdmissionLease) => void;
}

/**
 * A lease of the Redis backend. Its `release()` waits at most `leaseMs` for Redis to remove it: past
 * that the lease has expired anyway, and a path to Redis gone dark would never answer.
 */
export interface RedisAdmissionLease extends FleetAdmissionLease {
  /** The member id in the sorted set. */
  readonly id: string;
  /** True once the lease is lost: a refresh found it expired, or none confirmed it for `leaseMs`. */
  readonly lost: boolean;
  /** Aborts (with an {@link AdmissionLostError}) when the lease is lost; never on `release()`. */
  readonly signal: AbortSignal;
}

/**
 * Fleet admission on Redis: a counting semaphore whose leases expire unless refreshed, so a holder that
 * dies (SIGKILL, a lost host) frees its slot after at most `leaseMs`.
 *
 * Why not `redis-semaphore` (which otherwise fits, and whose 5.x `acquire(signal)` does honour an
 * AbortSignal): its retry delay and its refresh run on the global `setTimeout` / `setInterval` and its
 * lease scores on each client's `Date.now()`. Here every wait and refresh runs on the injected Clock
 * (FakeClock tests, the simulator), the polling uses jittered backoff instead of a fixed interval, and
 * lease times come from the Redis server's `TIME`, so skewed client clocks do not matter. The scripts
 * are in `redis-lease-scripts.ts` (about 30 lines of Lua).
 *
 * @example
 * ```ts
 * const admission = new RedisAdmission({ width: 3, url: process.env.REDIS_URL, namespace: 'chat-backend' });
 * const lease = await admission.acquire({ signal, deadline, firstConnection: undefined });
 * try { await growPool(); } finally { await lease.release(); }
 * await admission.close();
 * ```
 */
export class RedisAdmission implements FleetAdmission {
  /** Always `redis`. */
  readonly backend = 'redis' as const;
  /** K: how many leases the sorted set holds at most. */
  readonly width: number;
  /** The sorted set holding the leases. */
  readonly key: string;
  private readonly options: AdmissionCommonOptions;
  private readonly redis: RedisLike;
  /** The client opened from `url`; `undefined` for a client given as `redis`. */
  private readonly client: AdmissionClient | undefined;
  /** Where Redis is, redacted, for error messages. */
  private readonly target: string;
  private readonly leaseMs: number;
  private readonly refreshMs: number;
  private readonly onLeaseLost: ((lease: RedisAdmissionLease) => void) | undefined;
  private readonly held = new Set<RedisAdmissionLease>();
  /** Aborted by {@link RedisAdmission.close}: ends the waits in flight, refuses new ones. */
  private readonly closing = new AbortController();
  /** Commands of acquires in flight (a try, a give-back), which `close()` lets finish first. */
  private readonly inFlight = new Set<Promise<unknown>>();

  /**
   * Opens no connection yet: a client made from `url` connects lazily, on the first `acquire`.
   * @throws ConfigError when not exactly one of `redis` and `url` is given, `url` is not a
   * `redis://` or `rediss://` URL, or `width`, `namespace`,
   * `poll`, `leaseMs` (a whole number >= 100) or `refreshMs` (> 0, at most `leaseMs / 2`) is invalid.
   */
  constructor(options: RedisAdmissionOptionsInput) {
    this.options = resolveCommonOptions(options);
    this.width = this.options.width;
    if ((options.redis === undefined) === (options.url === undefined)) {
      throw new ConfigError(
        'admission.redis',
        'give exactly one of `redis` (a client) or `url`',
        'e.g. url: process.env.REDIS_URL',
      );
    }
    const leaseMs = options.leaseMs ?? 10_000;
    if (!Number.isInteger(leaseMs) || leaseMs < 100) {
      throw new ConfigError(
        'admission.leaseMs',
        `must be a whole number of ms >= 100, got ${leaseMs}`,
        'e.g. 10000',
      );
    }
    const refreshMs = options.refreshMs ?? Math.floor(leaseMs / 3);
    if (typeof refreshMs !== 'number' || !(refreshMs > 0) || refreshMs > leaseMs / 2) {
      throw new ConfigError(
        'admission.refreshMs',
        `must be a number > 0 and at most half of leaseMs (${leaseMs}), got ${String(refreshMs)}`,
        'leave it unset (leaseMs / 3)',
      );
    }
    this.leaseMs = leaseMs;
    this.refreshMs = refreshMs;
    this.key = options.key ?? `phasegate:admission:${this.options.namespace}`;
    if (options.redis === undefined) {
      this.target = checkRedisUrl(options.url);
      this.client = openAdmissionClient(options.url!, this.target);
      this.redis = this.client.redis;
    } else {
      this.target = '(the given client)';
      this.redis = options.redis;
    }
    this.onLeaseLost = options.onLeaseLost;
  }

  /**
   * Take a lease of `leaseMs`, refreshed every `refreshMs` until released; polls with jitter while
   * K leases are held. Rejects with the signal's reason on abort and with an
   * `AdmissionTimeoutError` at the deadline, leaving no lease behind. A Redis that cannot be reached
   * ends the wait with a `DependencyError` (`redis`, the cause's class: `transient` for a refused
   * connection) rather than looking like a busy fleet; so does one that never answered the wait's
   * first try by the deadline (a path gone dark: `ETIMEDOUT`, `transient`). Once `close()` has
   * begun, rejects with an {@link AdmissionClosedError}, and a slot granted after that is given back
   * at once. `request.firstConnection` is not used.
   */
  async acquire(request: AdmissionRequest): Promise<RedisAdmissionLease> {
    checkRequest(request);
    const start = this.options.clock.now();
    if (request.signal.aborted) throw abortReason(request.signal);
    if (this.closing.signal.aborted) throw abortReason(this.closing.signal);
    const id = randomUUID();
    let sentAt = start;
    const wait = linkSignals(request.signal, this.closing.signal);
    try {
      await pollForSlot<string>(
        {
          tryOnce: () =>
            this.track(async () => {
              sentAt = this.options.clock.now();
              const result = await this.redis
                .eval(ACQUIRE_SCRIPT, 1, this.key, this.width, id, this.leaseMs)
                .catch((error: unknown) => {
                  throw this.failure(error);
                });
              if (Number(result) !== 1) return undefined;
              // Granted after close() began: give it back here, before close() closes the client.
              if (this.closing.signal.aborted) return this.remove(id).then(() => undefined);
              return id;
            }),
          giveBack: (taken) => this.track(() => this.remove(taken)),
          unanswered: (waitedMs) => this.failure(noAnswerError("the admission's first try", waitedMs)),
        },
        {
          ...this.options,
          ...this.options.poll,
          signal: wait.signal,
          deadline: request.deadline,
          backend: this.backend,
        },
      );
    } finally {
      wait.dispose();
    }
    if (this.closing.signal.aborted) {
      await this.track(() => this.remove(id)).catch(() => undefined);
      throw abortReason(this.closing.signal);
    }
    return this.hold(id, this.options.clock.now() - start, sentAt);
  }

  /**
   * Release every lease still held, then close the client if this admission opened it (also when it
   * never connected: it stops reconnecting, so the process can exit). Waits at most `leaseMs` on the
   * clock: on a network path to Redis that went dark (no reply, no reset) neither the releases nor
   * `QUIT` would ever be answered, and past `leaseMs` the leases have expired anyway. Then the
   * client it opened is disconnected at once; a client given as `redis` is left as it is.
   *
   * An `acquire` still waiting rejects at once with an {@link AdmissionClosedError}; one whose try
   * is in flight gives back the slot that try gets (before the client is closed), so no lease is left
   * behind refreshing.
   */
  async close(): Promise<void> {
    if (!this.closing.signal.aborted) this.closing.abort(new AdmissionClosedError(this.backend));
    const orderly = async (): Promise<void> => {
      // A settled try may start a give-back: wait until nothing is in flight.
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      await Promise.allSettled([...this.held].map((lease) => lease.release()));
      await this.client?.close();
    };
    await settlesWithin(this.options.clock, this.leaseMs, orderly());
    this.client?.disconnect();
  }

  /** A failed command as a `DependencyError` (redis, the redacted target, the classified cause). */
  private failure(error: unknown): Error {
    return this.client ? this.client.failure(error) : toDependencyError('redis', this.target, error);
  }

  /** Run `work` counted as in flight until it settles (see {@link RedisAdmission.close}). */
  private track<T>(work: () => Promise<T>): Promise<T> {
    const running = work();
    this.inFlight.add(running);
    void running.then(
      () => this.inFlight.delete(running),
      () => this.inFlight.delete(running),
    );
    return running;
  }

  private async remove(id: string): Promise<void> {
    await this.redis.eval(RELEASE_SCRIPT, 1, this.key, id);
  }

  /**
   * A granted lease, refreshed on the clock every `refreshMs` until released or lost. It counts as
   * lost once a refresh finds it gone, or once `leaseMs` has passed since the last command that
   * confirmed it was sent (Redis unreachable, or a refresh that hangs): by then the server may have
   * handed the slot to someone else, so the holder must not go on believing it holds it.
   */
  private hold(id: string, waitedMs: number, confirmedAt: number): RedisAdmissionLease {
    const { clock } = this.options;
    let released = false;
    let lost = false;
    let refreshing = false;
    let cancelTick: CancelTimer | undefined;
    const lostController = new AbortController();
    const lease: RedisAdmissionLease = {
      backend: this.backend,
      waitedMs,
      slot: null,
      id,
      signal: lostController.signal,
      get released() {
        return released;
      },
      get lost() {
        return lost;
      },
      release: async () => {
        if (released) return;
        released = true;
        cancelTick?.();
        this.held.delete(lease);
        // If Redis cannot be reached the lease still expires after leaseMs: wait no longer than that
        // (on a path gone dark the removal would never be answered).
        await settlesWithin(clock, this.leaseMs, this.remove(id));
      },
    };
    const lose = (problem: string): void => {
      if (released || lost) return;
      lost = true;
      cancelTick?.();
      this.held.delete(lease);
      lostController.abort(new AdmissionLostError(this.backend, problem));
      try {
        this.onLeaseLost?.(lease);
      } catch {
        // A listener that throws must not become an unhandled rejection of the refresh.
      }
    };
    const refresh = async (): Promise<void> => {
      const sentAt = clock.now();
      refreshing = true;
      try {
        const alive = Number(await this.redis.eval(REFRESH_SCRIPT, 1, this.key, id, this.leaseMs)) === 1;
        if (alive) confirmedAt = Math.max(confirmedAt, sentAt);
        else lose('a refresh found the lease expired or removed');
      } catch {
        // Redis is unreachable: the next tick tries again, until the lease would have expired.
      } finally {
        refreshing = false;
      }
    };
    // One timer while held: each tick checks the expiry and starts a refresh unless one is in flight.
    const tick = (): void => {
      if (released || lost) return;
      const left = confirmedAt + this.leaseMs - clock.now();
      if (left <= 0) return lose(`Redis did not confirm the lease for ${this.leaseMs} ms`);
      if (!refreshing) void refresh();
      cancelTick = clock.timer(Math.min(this.refreshMs, left), tick);
    };
    // The first refresh is due refreshMs after the try that set the lease was sent, not after its
    // answer: an answer that came late (a slow path) has used up part of the lease already.
    cancelTick = clock.timer(Math.max(0, confirmedAt + this.refreshMs - clock.now()), tick);
    this.held.add(lease);
    return lease;
  }
}
