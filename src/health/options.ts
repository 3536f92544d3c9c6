/**
 * Options of the health handler and server: an `...OptionsInput` (all optional, readonly) resolved
 * once, and validated up front, into `...Options` (all required).
 */
import { ConfigError } from '../errors/config-error.js';
import { requireBoolean, requireFunction, requireKnownKeys } from '../policies/validate.js';
import type { SnapshotSource } from '../orchestrator/snapshot.js';
import type { HealthMetrics, HealthMetricsOptionsInput } from './metrics.js';
import { createTrustPredicate, type TrustPredicate } from './trust.js';

/** Options of {@link createHealthHandler}. */
export interface HealthOptionsInput {
  /**
   * Whether a DEGRADED service (status `degraded`, availability `DEGRADED`/`MINIMAL`, or a critical
   * component in state `degraded`) counts as ready on `/readyz`.
   * @default false
   */
  readonly degradedIsReady?: boolean;
  /**
   * A bearer token that grants the full `/health` detail (`Authorization: Bearer <token>`), compared
   * in constant time. Never logged or reported.
   * @default undefined (no token accepted)
   */
  readonly token?: string | undefined;
  /**
   * Whether loopback callers (127.0.0.0/8, ::1, ::ffff:127.0.0.1) get the full `/health` detail.
   * Set it to false when a proxy on the same host forwards outside traffic without adding any of
   * `X-Forwarded-For`, `Forwarded`, `X-Real-IP`, `X-Forwarded-Host`, `X-Forwarded-Proto`, `Via`
   * (requests carrying one of those are never trusted by address).
   * @default true
   */
  readonly trustLoopback?: boolean;
  /**
   * Replaces the trust rule entirely (the rule made from `token` and `trustLoopback` is then unused).
   * @default loopback (when `trustLoopback`) or the bearer `token`
   */
  readonly isTrusted?: TrustPredicate;
  /**
   * Liveness hook: return false when the process cannot make progress (an event-loop stall, a
   * wedged worker) and a restart would help. It must never look at dependencies.
   * @default () => true
   */
  readonly live?: () => boolean;
  /**
   * Metrics served on `/metrics`: true makes them on a dedicated registry (see
   * {@link createHealthMetrics}); {@link HealthMetricsOptionsInput} does the same with those options
   * (e.g. `{ events: orchestrator.onEvent }`, or `{ registry }` to share your app's registry); a
   * {@link HealthMetrics} is served as is: it reports the source it was made with, so it does not
   * show the handler's draining state after `setDraining()` (`{ registry }` does); false turns `/metrics` off (the handler then leaves that path to the
   * application; the standalone server answers 404).
   * @default true
   */
  readonly metrics?: HealthMetrics | HealthMetricsOptionsInput | boolean;
}

/** Resolved {@link HealthOptionsInput}. */
export interface HealthOptions {
  /** {@link HealthOptionsInput.degradedIsReady}; `false` if not given. */
  readonly degradedIsReady: boolean;
  /** {@link HealthOptionsInput.trustLoopback}; `true` if not given. */
  readonly trustLoopback: boolean;
  /**
   * Whether {@link HealthOptionsInput.token} was given; the token itself is not kept here.
   */
  readonly hasToken: boolean;
  /** {@link HealthOptionsInput.isTrusted}; if not given, the rule made from `token` and `trustLoopback`. */
  readonly isTrusted: TrustPredicate;
  /** {@link HealthOptionsInput.live}; `() => true` if not given. */
  readonly live: () => boolean;
  /** {@link HealthOptionsInput.metrics}, still unresolved; `true` if not given. */
  readonly metrics: HealthMetrics | HealthMetricsOptionsInput | boolean;
}

/**
 * Check that `value` is a {@link SnapshotSource} (an object with a `snapshot()` method, such as the
 * orchestrator). Without this check a wrong argument (`undefined`, the orchestrator's snapshot
 * instead of the orchestrator) would only show as `snapshot-error` on every probe.
 *
 * @param path Names the argument in the {@link ConfigError}, e.g. `createHealthHandler(source)`.
 */
export function requireSnapshotSource(value: unknown, path: string): asserts value is SnapshotSource {
  if (
    (typeof value !== 'object' && typeof value !== 'function') ||
    value === null ||
    typeof (value as Partial<SnapshotSource>).snapshot !== 'function'
  ) {
    throw new ConfigError(
      path,
      `expected an object with a snapshot() method, got ${value === null ? 'null' : typeof value}`,
      'pass the orchestrator (or another SnapshotSource)',
    );
  }
}

/** Every key of {@link HealthOptionsInput} (a record, so the compiler says when one is missing). */
const HEALTH_OPTIONS: Readonly<Record<keyof HealthOptionsInput, true>> = {
  degradedIsReady: true,
  token: true,
  trustLoopback: true,
  isTrusted: true,
  live: true,
  metrics: true,
};

/** The names of the options of {@link HealthOptionsInput}. */
export const HEALTH_OPTION_KEYS = Object.keys(HEALTH_OPTIONS) as ReadonlyArray<keyof HealthOptionsInput>;

/**
 * Validate and resolve {@link HealthOptionsInput}; throws {@link ConfigError} naming the option. A key
 * that is not an option (a misspelt `degradedIsready`) is an error too: it would otherwise leave the
 * option at its default without a word.
 */
export function resolveHealthOptions(input: HealthOptionsInput = {}, prefix = 'health'): HealthOptions {
  requireKnownKeys(input, HEALTH_OPTIONS, 'the health endpoints', (key) => `${prefix}.${key}`);
  if (input.degradedIsReady !== undefined) requireBoolean(`${prefix}.degradedIsReady`, input.degradedIsReady);
  if (input.trustLoopback !== undefined) requireBoolean(`${prefix}.trustLoopback`, input.trustLoopback);
  if (input.isTrusted !== undefined) requireFunction(`${prefix}.isTrusted`, input.isTrusted);
  if (input.live !== undefined) requireFunction(`${prefix}.live`, input.live);
  const token = input.token;
  if (token !== undefined) {
    // The token itself never goes into the message.
    if (typeof token !== 'string' || token.length === 0 || /\s/.test(token)) {
      throw new ConfigError(
        `${prefix}.token`,
        'the token must be a non-empty string without whitespace',
        'generate one, e.g. `openssl rand -hex 32`, or leave the option out',
      );
    }
  }
  const metrics = input.metrics ?? true;
  if (typeof metrics !== 'boolean' && (typeof metrics !== 'object' || metrics === null)) {
    throw new ConfigError(
      `${prefix}.metrics`,
      'expected true, false or a HealthMetrics',
      'see createHealthMetrics',
    );
  }
  const trustLoopback = input.trustLoopback ?? true;
  return {
    degradedIsReady: input.degradedIsReady ?? false,
    trustLoopback,
    hasToken: token !== undefined,
    isTrusted: input.isTrusted ?? createTrustPredicate({ token, trustLoopback }),
    live: input.live ?? (() => true),
    metrics,
  };
}

/** Options of {@link startHealthServer}: the handler's, plus where to listen. */
export interface HealthServerOptionsInput extends HealthOptionsInput {
  /**
   * TCP port; 0 picks a free one (read it back from `HealthServer.port`).
   * @default 9000
   */
  readonly port?: number;
  /**
   * Interface to bind. Probes from the platform (kubelet) connect to the pod IP, so the default
   * binds every interface.
   * @default undefined (all interfaces, as `server.listen` does)
   */
  readonly host?: string | undefined;
}

/** Resolved {@link HealthServerOptionsInput} (listen part). */
export interface HealthListenOptions {
  readonly port: number;
  readonly host: string | undefined;
}

/** Validate the listen part of {@link HealthServerOptionsInput}. */
export function resolveListenOptions(
  input: HealthServerOptionsInput,
  prefix = 'health',
): HealthListenOptions {
  const port = input.port ?? 9000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(
      `${prefix}.port`,
      // A string port ("9000", from an environment variable) would read as the number it holds.
      `expected an integer 0..65535, got ${typeof port === 'number' ? String(port) : `${JSON.stringify(port)} (${typeof port})`}`,
      'use 0 for any free port',
    );
  }
  const host = input.host;
  if (host !== undefined && (typeof host !== 'string' || host.length === 0)) {
    throw new ConfigError(
      `${prefix}.host`,
      'expected a non-empty host name or address',
      'e.g. "0.0.0.0" or "::"',
    );
  }
  return { port, host };
}
