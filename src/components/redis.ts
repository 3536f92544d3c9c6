import type * as IORedis from 'ioredis';
import type { Redis, RedisOptions } from 'ioredis';
import { abortReason } from '../common/abort-reason.js';
import { MAX_TIMER_MS, systemClock, type Clock } from '../common/clock.js';
import { settlesWithin } from '../common/settles-within.js';
import { defaultRandom, type Random } from '../common/random.js';
import { lazyModule } from '../common/lazy-module.js';
import { redactUrl, safeMessage } from '../common/redact.js';
import { ConfigError } from '../errors/config-error.js';
import type { Availability } from '../orchestrator/availability.js';
import type { ComponentSpec } from '../orchestrator/component.js';
import type { Backoff, BackoffStep } from '../policies/backoff/backoff.js';
import { decorrelatedJitterBackoff } from '../policies/backoff/decorrelated-jitter-backoff.js';
import type { Policy } from '../policies/policy.js';
import { requirePositive } from '../policies/validate.js';
import { untilAborted } from './abort.js';
import { DependencyError, toDependencyError } from './dependency-error.js';
import { redisRefusal } from './redis-refusal.js';

const ioredis = lazyModule<typeof IORedis>('ioredis');

/** Options of {@link redisComponent}. Give `url`, `options`, or both (`options` win). */
export interface RedisComponentOptionsInput {
  /** Component name. @default 'redis' */
  readonly name?: string;
  /** `redis://[user:password@]host:port/db`. Its password never appears in a message. @default none */
  readonly url?: string;
  /**
   * ioredis options. Their `retryStrategy` is replaced: off during start attempts (the policy
   * retries), `reconnect` once started. `enableReadyCheck` is off: a start attempt (and `check`)
   * PINGs instead, so a server loading its dataset fails it as `capacity` (LOADING) at once.
   * @default none (ioredis's defaults, on `url`)
   */
  readonly options?: RedisOptions;
  /**
   * Once started, how the client reconnects on its own when the connection drops (ioredis's
   * `retryStrategy`, never giving up; commands fail at once while it is away, as there is no
   * offline queue). `false`: it stays closed until a health check (`check`) reconnects it. A step
   * whose `duration` is not a finite number >= 0 waits 5 s; one beyond a timer's 2^31 - 1 ms waits
   * that long.
   * @default decorrelatedJitterBackoff({ initialMs: 100, maxMs: 5_000 })
   */
  readonly reconnect?: Backoff | false;
  /** Jitter source of `reconnect`. @default Math.random */
  readonly random?: Random;
  /**
   * Bound of the TCP (and TLS) connect inside one start attempt, at most 2^31 - 1 ms; an attempt
   * that ends sooner shortens it, so that the connect reports its own error. @default 10_000
   */
  readonly connectTimeoutMs?: number;
  /** How long `stop` waits for `QUIT` before dropping the socket. @default 2_000 */
  readonly quitTimeoutMs?: number;
  /** See {@link ComponentSpec.critical}. @default true */
  readonly critical?: boolean;
  /** See {@link ComponentSpec.degradable}. @default false */
  readonly degradable?: boolean;
  /** See {@link ComponentSpec.degradesTo}. @default 'DEGRADED' */
  readonly degradesTo?: Availability;
  /** See {@link ComponentSpec.dependsOn}. @default [] */
  readonly dependsOn?: readonly string[];
  /** See {@link ComponentSpec.policy}. @default the orchestrator's `defaultPolicy` */
  readonly policy?: Policy;
}

/**
 * The hint of a TLS connection that timed out. A plain Redis reads the TLS ClientHello as the start of
 * an inline command and waits for the rest without a reply, so `rediss://` to it ends only at
 * `connectTimeoutMs` (neither ioredis nor `node:tls` bounds the handshake on its own); it stays
 * `transient`, as a slow TLS server or an unreachable host look the same.
 */
const TLS_TIMEOUT_HINT =
  'no TLS connection within connectTimeoutMs (or the time the attempt had left): rediss:// to a server without TLS waits like this, so check the scheme (redis:// for a plain server); otherwise the server is slow or unreachable';

/** Time a start attempt's connect bound leaves before the attempt's own end, to report its own error. */
const ATTEMPT_MARGIN_MS = 100;

/**
 * The connect bound of one start attempt: `connectTimeoutMs`, or less when the attempt ends sooner.
 * The default policy gives a first attempt 10 s, as long as the default `connectTimeoutMs`: its
 * timeout fired first, so a connect that hangs (`rediss://` to a plain Redis) failed as an attempt
 * timeout, without the error and hint of the connect. Ending the connect {@link ATTEMPT_MARGIN_MS}
 * before the attempt lets it report them; an attempt with less time than twice that keeps the bound.
 */
export function connectBoundMs(connectTimeoutMs: number, attemptRemainingMs: number): number {
  const within = Math.floor(attemptRemainingMs - ATTEMPT_MARGIN_MS);
  return attemptRemainingMs > 2 * ATTEMPT_MARGIN_MS && within < connectTimeoutMs ? within : connectTimeoutMs;
}

/** The host ioredis connects to when neither the URL nor the options name one. */
const IOREDIS_DEFAULT_HOST = 'localhost';

/** Whether the client speaks TLS: a `rediss://` URL, or `options.tls`. */
function usesTlsOf(input: RedisComponentOptionsInput): boolean {
  return Boolean(input.options?.tls) || /^rediss:/i.test(input.url ?? '');
}

/**
 * Where the options point, without any secret: `host:port/db`, or `rediss://host:port/db` when the
 * connection uses TLS (a `rediss://` URL or `options.tls`), so an error shows that TLS was tried.
 * The user name and password never appear. With no host given (`redis://`, or options without
 * `host`), ioredis connects to `localhost`, and so says the target. @internal
 */
export function describeRedisTarget(input: RedisComponentOptionsInput): string {
  const o = input.options ?? {};
  const scheme = usesTlsOf(input) ? 'rediss://' : '';
  if (input.url) {
    try {
      const url = new URL(input.url);
      const host = o.host ?? (url.hostname || IOREDIS_DEFAULT_HOST);
      const port = o.port ?? (url.port ? Number(url.port) : 6379);
      const db = o.db ?? (Number(url.pathname.replace(/^\//, '')) || 0);
      return `${scheme}${host}:${port}/${db}`;
    } catch {
      return redactUrl(input.url);
    }
  }
  return `${scheme}${o.host ?? IOREDIS_DEFAULT_HOST}:${o.port ?? 6379}/${o.db ?? 0}`;
}

/**
 * An ioredis `retryStrategy` that follows `backoff`: attempt 1 (ioredis counts from 1 after each
 * time the client was ready) starts a fresh progression.
 */
function reconnectStrategy(backoff: Backoff, random: Random): (attempt: number) => number {
  let step: BackoffStep | undefined;
  return (attempt) => {
    step = attempt <= 1 || step === undefined ? backoff.start(random) : step.next();
    return reconnectDelayMs(step.duration);
  };
}

/** The wait of a reconnect whose `reconnect` step had no usable duration: the default's cap. */
const FALLBACK_RECONNECT_MS = 5_000;

/**
 * A reconnect step's duration as ioredis's timer gets it: rounded, at least 1 ms and at most what a
 * timer keeps. A user's `Backoff` whose step is not a finite number >= 0 (NaN from a typo,
 * Infinity, a missing `duration`) waits {@link FALLBACK_RECONNECT_MS}: ioredis would otherwise
 * reconnect every millisecond, as Node runs such a timer after 1 ms.
 */
function reconnectDelayMs(duration: unknown): number {
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) {
    return FALLBACK_RECONNECT_MS;
  }
  return Math.min(MAX_TIMER_MS, Math.max(1, Math.round(duration)));
}

/**
 * ioredis (with `enableReadyCheck` off) marks a connection ready once its handshake commands (CLIENT
 * SETINFO) have settled, failed or not, without checking that the connection is still the current
 * one. A connection reset mid-handshake (a proxy in front of a Redis that is down, a server at
 * `maxclients`) thus ends 'ready' on a closed stream, and the reconnect already scheduled for it is
 * then refused ("already connected"): the client would stay broken for good. Called on each 'ready'
 * event (emitted after the status changed): put such a client back to 'close', so that the
 * scheduled reconnect, or else the next `check`, connects it again.
 */
function reviveIfStranded(client: Redis): void {
  if (client.status === 'ready' && client.stream?.destroyed === true) client.status = 'close';
}

/**
 * A PING not answered before its check's deadline, on a connection ioredis still counts as 'ready':
 * the path may have gone dark (no reply, no reset, as after a failover moved the address), which
 * TCP notices only after minutes, and until then every check failed and nothing reconnected. Drop
 * the socket at once (a graceful close would wait on the dark path too): the client then
 * reconnects on its own with `reconnect`, or at the next check without it. Its pending commands
 * fail as "Connection is closed".
 */
function dropIfStillUp(client: Redis): void {
  if (client.status === 'ready') client.stream?.destroy();
}

/** ioredis's error for a command that got no reply within `options.commandTimeout`. */
function isCommandTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}

/**
 * A Redis client (ioredis) as a startup component. Each start attempt makes one connection with
 * ioredis's own retrying turned off, so the attempt succeeds or fails with a classified error and
 * the policy decides what happens next (WRONGPASS / NOAUTH, NOPERM for a user whose ACL does not
 * allow PING, and DENIED from a server in protected mode, which accepts only clients on its own
 * host while its default user has no password, are `permanent`; a refused socket is `transient`;
 * LOADING is `capacity`). A connection the server closes at once is asked why on a second
 * connection that writes nothing (ioredis's own loses the reply; plain TCP only, not over TLS).
 * Aborting the attempt drops the socket. Once started, the client reconnects on its own with jitter
 * when the connection drops (`reconnect`), as a plain ioredis client does. `check` sends `PING`
 * (failing as `transient` while the client is reconnecting, and reconnecting first if it was left
 * closed; a PING unanswered within the check's timeout, or within `options.commandTimeout` when
 * that is shorter, drops the connection, so one whose network path went dark is replaced rather
 * than trusted until TCP gives up); `stop` sends `QUIT`, bounded, then disconnects.
 *
 * @example
 * ```ts
 * const cache = redisComponent({ url: process.env.REDIS_URL, degradable: true });
 * ```
 * @throws ConfigError when neither `url` nor `options` is given, or a bound is invalid.
 */
export function redisComponent(input: RedisComponentOptionsInput): ComponentSpec<Redis> {
  if (!input.url && !input.options) {
    throw new ConfigError('redis.url', 'no connection settings', 'pass url: "redis://host:6379" or options');
  }
  const connectTimeoutMs = requirePositive('redis.connectTimeoutMs', input.connectTimeoutMs ?? 10_000);
  // ioredis hands it to a Node timer of its own, which would fire after 1 ms instead.
  if (connectTimeoutMs > MAX_TIMER_MS) {
    throw new ConfigError(
      'redis.connectTimeoutMs',
      `must be at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest Node.js timer), got ${connectTimeoutMs}`,
      'pass a bound in ms such as 10000',
    );
  }
  const quitTimeoutMs = requirePositive('redis.quitTimeoutMs', input.quitTimeoutMs ?? 2_000);
  const reconnect = input.reconnect ?? decorrelatedJitterBackoff({ initialMs: 100, maxMs: 5_000 });
  if (reconnect !== false && typeof reconnect?.start !== 'function') {
    throw new ConfigError(
      'redis.reconnect',
      'must be a Backoff (an object with start()) or false',
      'use e.g. decorrelatedJitterBackoff({ initialMs: 100, maxMs: 5_000 }), or false to leave reconnecting to check',
    );
  }
  const random = input.random ?? defaultRandom;
  const target = describeRedisTarget(input);
  const usesTls = usesTlsOf(input);
  /** The clock of the start that made each client, for the bounded QUIT. */
  const clocks = new WeakMap<Redis, Clock>();
  const clientOptions: RedisOptions = {
    ...input.options,
    lazyConnect: true,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // ioredis's ready check waits out a loading server on a timer of its own (up to 10 s, left
    // running after an abort) and never reports it; `connect` PINGs instead, and LOADING fails it.
    enableReadyCheck: false,
    connectTimeout: connectTimeoutMs,
  };

  /**
   * Connect `client` and PING it (a server still loading its dataset answers LOADING: `capacity`),
   * failing with the error ioredis reported rather than "Connection is closed". A connection the
   * server closed at once is asked why on a connection of its own (see `redisRefusal`): a server
   * in protected mode refuses with DENIED (`permanent`), which ioredis does not report.
   */
  const connect = async (client: Redis, signal: AbortSignal, clock: Clock): Promise<void> => {
    let lastError: unknown;
    let connected = false;
    const onError = (error: unknown): void => {
      lastError = error;
    };
    const onConnect = (): void => {
      connected = true;
    };
    const onAbort = (): void => client.disconnect();
    client.on('error', onError);
    client.on('connect', onConnect);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await untilAborted(client.connect(), signal);
      const reply = await untilAborted(client.ping(), signal);
      if (reply !== 'PONG') throw new Error(`PING answered ${JSON.stringify(reply)}`);
    } catch (error) {
      // Connected, then closed (not a PING left unanswered on a connection still up).
      const closedAfterConnecting = connected && (client.status === 'end' || client.status === 'close');
      client.disconnect();
      if (signal.aborted) throw abortReason(signal);
      const failure = toDependencyError('redis', target, lastError ?? error);
      const { host, port, path } = client.options;
      const plainTcp = !usesTls && !path && host && port;
      if (closedAfterConnecting && failure.classification === 'transient' && plainTcp) {
        const refusal = await redisRefusal(host, port, clock, signal);
        if (signal.aborted) throw abortReason(signal);
        if (refusal) throw toDependencyError('redis', target, refusal);
      }
      if (!usesTls || failure.driverCode !== 'ETIMEDOUT') throw failure;
      throw new DependencyError({
        dependency: 'redis',
        target,
        classification: failure.classification,
        problem: `${safeMessage(lastError ?? error)} over TLS`,
        driverCode: failure.driverCode,
        hint: TLS_TIMEOUT_HINT,
        cause: failure.cause,
      });
    } finally {
      signal.removeEventListener('abort', onAbort);
      client.off('error', onError);
      client.off('connect', onConnect);
    }
  };

  return {
    name: input.name ?? 'redis',
    ...(input.critical !== undefined ? { critical: input.critical } : {}),
    ...(input.degradable !== undefined ? { degradable: input.degradable } : {}),
    ...(input.degradesTo !== undefined ? { degradesTo: input.degradesTo } : {}),
    ...(input.dependsOn !== undefined ? { dependsOn: input.dependsOn } : {}),
    ...(input.policy !== undefined ? { policy: input.policy } : {}),
    async start(ctx) {
      ctx.signal.throwIfAborted();
      const { Redis: Client } = ioredis();
      const attemptOptions = {
        ...clientOptions,
        connectTimeout: connectBoundMs(connectTimeoutMs, ctx.remaining()),
      };
      const client = input.url ? new Client(input.url, attemptOptions) : new Client(attemptOptions);
      // Errors surface through the commands and connect(); without a listener ioredis would log them.
      client.on('error', () => undefined);
      await connect(client, ctx.signal, ctx.clock);
      // Reconnects after the start (ioredis's own, or check's) are bounded by connectTimeoutMs.
      client.options.connectTimeout = connectTimeoutMs;
      clocks.set(client, ctx.clock);
      // Started: from now on a dropped connection is reconnected by ioredis (which reads the strategy
      // when the connection closes); `stop` (QUIT / disconnect) still ends it for good.
      if (reconnect !== false) client.options.retryStrategy = reconnectStrategy(reconnect, random);
      client.on('ready', () => reviveIfStranded(client));
      return client;
    },
    async check(client, { signal }) {
      const { status } = client;
      if (status === 'reconnecting' || status === 'connecting' || status === 'connect') {
        throw new DependencyError({
          dependency: 'redis',
          target,
          classification: 'transient',
          problem: `connection lost; reconnecting (${status})`,
        });
      }
      try {
        if (status === 'end' || status === 'close') {
          return await connect(client, signal, clocks.get(client) ?? systemClock);
        }
        const reply = await untilAborted(client.ping(), signal);
        if (reply !== 'PONG') throw new Error(`PING answered ${JSON.stringify(reply)}`);
      } catch (error) {
        if (signal.aborted) {
          dropIfStillUp(client);
          throw abortReason(signal);
        }
        // The PING ran out of the user's `commandTimeout` before the check's own: as unanswered.
        if (isCommandTimeout(error)) dropIfStillUp(client);
        throw toDependencyError('redis', target, error);
      }
    },
    async stop(client, { signal }) {
      if (client.status === 'ready') {
        const quit = untilAborted(client.quit(), signal);
        await settlesWithin(clocks.get(client) ?? systemClock, quitTimeoutMs, quit);
      }
      client.disconnect();
    },
  };
}
