/**
 * The health endpoints as one `node:http` request handler, mountable in any `node:http` server (and
 * so in Express, or in Fastify through `reply.raw`).
 *
 * The probes (`/livez`, `/startupz`, `/readyz`) answer with bodies and headers built once, at module
 * load: the request path only reads the snapshot, applies the rule (for `/readyz`, only when the
 * snapshot object or the draining flag changed) and writes a prepared reply. It creates no closure
 * and serializes nothing; only `/health` and `/metrics` do.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceStatus, SnapshotSource, StartupSnapshot } from '../orchestrator/snapshot.js';
import { healthBody, publicHealthBody } from './health-body.js';
import { createHealthMetrics, type HealthMetrics, type HealthMetricsOptionsInput } from './metrics.js';
import {
  requireSnapshotSource,
  resolveHealthOptions,
  type HealthOptions,
  type HealthOptionsInput,
} from './options.js';
import {
  HealthPaths,
  LivenessReasons,
  ReadinessReasons,
  SERVICE_STATUSES,
  StartupReasons,
  readinessOf,
  reportedSnapshot,
  startupOf,
  type ReadinessReason,
  type StartupReason,
} from './states.js';

/** A `node:http` handler for the health endpoints, with the lifecycle's draining switch. */
export interface HealthHandler {
  /**
   * Answer `req` if its path is a health endpoint; returns true when it did (then `res` is handled),
   * false to let the caller route the request elsewhere.
   */
  (req: IncomingMessage, res: ServerResponse): boolean;
  /**
   * Flip readiness for shutdown: while draining, `/readyz` is 503 and `/health` reports `draining`,
   * whatever the snapshot says. A snapshot whose status is `draining` has the same effect.
   */
  setDraining(draining?: boolean): void;
  /** Whether {@link setDraining} turned draining on. */
  readonly draining: boolean;
  /** The metrics served on `/metrics`, if on. */
  readonly metrics: HealthMetrics | undefined;
  /** The resolved options. */
  readonly options: HealthOptions;
}

interface PreparedReply {
  readonly statusCode: number;
  /** Flat `[name, value, ...]`: `writeHead` takes it with less work than an object. */
  readonly headers: string[];
  /**
   * A string, not a Buffer: Node joins a string body with the header block into one write, where a
   * Buffer body costs a second chunk and a `writev` (measured: ~25% more server CPU per probe).
   */
  readonly body: string;
}

// The probe bodies are ASCII; no charset keeps the prepared header block short.
const TEXT = 'text/plain';
const JSON_TYPE = 'application/json; charset=utf-8';

function prepare(
  statusCode: number,
  body: string,
  contentType = TEXT,
  extra: readonly string[] = [],
): PreparedReply {
  return {
    statusCode,
    headers: [
      'content-type',
      contentType,
      'content-length',
      String(Buffer.byteLength(body, 'utf8')),
      'cache-control',
      'no-store',
      ...extra,
    ],
    body,
  };
}

function send(req: IncomingMessage, res: ServerResponse, reply: PreparedReply): void {
  res.writeHead(reply.statusCode, reply.headers);
  if (req.method === 'HEAD') res.end();
  else res.end(reply.body);
}

function sendDynamic(
  req: IncomingMessage,
  res: ServerResponse,
  statusCode: number,
  contentType: string,
  body: string,
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(statusCode, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  if (req.method === 'HEAD') res.end();
  else res.end(body);
}

function byReason<R extends string>(reasons: Record<string, R>, ok: R): ReadonlyMap<R, PreparedReply> {
  return new Map(Object.values(reasons).map((r) => [r, prepare(r === ok ? 200 : 503, `${r}\n`)]));
}

const LIVE = prepare(200, `${LivenessReasons.LIVE}\n`);
const STALLED = prepare(503, `${LivenessReasons.STALLED}\n`);
const READINESS = byReason(ReadinessReasons, ReadinessReasons.READY);
const READINESS_SNAPSHOT_ERROR = READINESS.get(ReadinessReasons.SNAPSHOT_ERROR)!;
const STARTUP = byReason(StartupReasons, StartupReasons.STARTED);
const STARTUP_SNAPSHOT_ERROR = STARTUP.get(StartupReasons.SNAPSHOT_ERROR)!;
const METHOD_NOT_ALLOWED = prepare(405, 'method not allowed\n', TEXT, ['allow', 'GET, HEAD']);
const PUBLIC_HEALTH: ReadonlyMap<ServiceStatus, readonly [PreparedReply, PreparedReply]> = new Map(
  SERVICE_STATUSES.map((s) => {
    const body = JSON.stringify(publicHealthBody(s));
    return [s, [prepare(200, body, JSON_TYPE), prepare(503, body, JSON_TYPE)]] as const;
  }),
);
const UNKNOWN_HEALTH = prepare(503, '{"status":"unknown"}', JSON_TYPE);

/** The path of a request target, without its query (what the health paths are matched on). @internal */
export function requestPath(url = '/'): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Create the health endpoints for `source`: `/livez`, `/startupz`, `/readyz`, `/health`, `/metrics`
 * (the README's "Contracts" section says what each answers). GET and HEAD are answered; other methods get 405. `/health` answers with the
 * `/readyz` status code and the redacted snapshot (full detail only to trusted callers).
 *
 * @example
 * ```ts
 * const health = createHealthHandler(orchestrator, { token: process.env.HEALTH_TOKEN });
 * http.createServer((req, res) => {
 *   if (health(req, res)) return;
 *   app(req, res);
 * }).listen(8080);
 * process.once('SIGTERM', () => health.setDraining());
 * ```
 */
export function createHealthHandler(source: SnapshotSource, input: HealthOptionsInput = {}): HealthHandler {
  requireSnapshotSource(source, 'createHealthHandler(source)');
  return healthHandlerFor(source, input, 'health');
}

/**
 * {@link createHealthHandler} for a caller that takes the health options under another name: an
 * invalid option is a ConfigError at `<optionsPath>.<option>` (`phasegateHealthPlugin
 * options.degradedIsReady`), where the caller wrote it. `source` must have been checked. Internal.
 */
export function healthHandlerFor(
  source: SnapshotSource,
  input: HealthOptionsInput,
  optionsPath: string,
): HealthHandler {
  const options = resolveHealthOptions(input, optionsPath);
  let draining = false;
  // /metrics reports what /health does: draining and UNAVAILABLE once setDraining() was called.
  const metrics = metricsFor(
    { snapshot: () => reportedSnapshot(source.snapshot(), draining) },
    options.metrics,
    `${optionsPath}.metrics`,
  );
  const degradedIsReady = options.degradedIsReady;
  let startedBefore = false;
  // Identity cache: a source that hands back the same snapshot object until something changes (the
  // Orchestrator does) costs one comparison per probe.
  let lastSnapshot: StartupSnapshot | undefined;
  let lastDraining = false;
  let lastReadiness: ReadinessReason = ReadinessReasons.STARTING;

  const readiness = (snapshot: StartupSnapshot): ReadinessReason => {
    if (snapshot !== lastSnapshot || draining !== lastDraining) {
      lastReadiness = readinessOf(snapshot, { degradedIsReady, draining });
      lastSnapshot = snapshot;
      lastDraining = draining;
    }
    return lastReadiness;
  };
  const readyReply = (snapshot: StartupSnapshot | undefined): PreparedReply =>
    snapshot === undefined ? READINESS_SNAPSHOT_ERROR : READINESS.get(readiness(snapshot))!;
  const startup = (snapshot: StartupSnapshot): StartupReason => {
    const reason = startupOf(snapshot, startedBefore);
    if (reason === StartupReasons.STARTED) startedBefore = true;
    return reason;
  };
  /** The source's snapshot; undefined when it threw or handed back no object at all. */
  const take = (): StartupSnapshot | undefined => {
    let snapshot: StartupSnapshot | null | undefined;
    try {
      snapshot = source.snapshot();
    } catch {
      return undefined;
    }
    return typeof snapshot === 'object' && snapshot !== null ? snapshot : undefined;
  };

  const health = (req: IncomingMessage, res: ServerResponse): void => {
    const snapshot = take();
    if (snapshot === undefined) return send(req, res, UNKNOWN_HEALTH);
    const ready = readiness(snapshot) === ReadinessReasons.READY;
    const shown = reportedSnapshot(snapshot, draining);
    if (!options.isTrusted(req)) {
      const pair = PUBLIC_HEALTH.get(shown.status);
      return send(req, res, pair === undefined ? UNKNOWN_HEALTH : pair[ready ? 0 : 1]);
    }
    sendDynamic(req, res, ready ? 200 : 503, JSON_TYPE, JSON.stringify(healthBody(shown)));
  };

  const serveMetrics = (req: IncomingMessage, res: ServerResponse, metrics: HealthMetrics): void => {
    metrics.render().then(
      (text) => sendDynamic(req, res, 200, metrics.contentType, text),
      () => sendDynamic(req, res, 500, TEXT, 'metrics collection failed\n'),
    );
  };

  const handler = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = requestPath(req.url);
    if (
      path !== HealthPaths.READYZ &&
      path !== HealthPaths.LIVEZ &&
      path !== HealthPaths.STARTUPZ &&
      path !== HealthPaths.HEALTH &&
      (path !== HealthPaths.METRICS || metrics === undefined) // metrics off: leave /metrics to the app
    ) {
      return false;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, METHOD_NOT_ALLOWED);
      return true;
    }
    try {
      answer(path, req, res);
    } catch {
      // The source handed back something that is not a snapshot (null, missing arrays): the same
      // answer as a throwing source, instead of an exception that would end the process.
      if (res.headersSent) res.end();
      else
        send(
          req,
          res,
          path === HealthPaths.STARTUPZ
            ? STARTUP_SNAPSHOT_ERROR
            : path === HealthPaths.HEALTH
              ? UNKNOWN_HEALTH
              : READINESS_SNAPSHOT_ERROR,
        );
    }
    return true;
  };

  const answer = (path: string, req: IncomingMessage, res: ServerResponse): void => {
    switch (path) {
      case HealthPaths.READYZ:
        send(req, res, readyReply(take()));
        break;
      case HealthPaths.LIVEZ:
        send(req, res, safeLive(options.live) ? LIVE : STALLED);
        break;
      case HealthPaths.STARTUPZ: {
        const snapshot = take();
        send(req, res, snapshot === undefined ? STARTUP_SNAPSHOT_ERROR : STARTUP.get(startup(snapshot))!);
        break;
      }
      case HealthPaths.HEALTH:
        health(req, res);
        break;
      default:
        serveMetrics(req, res, metrics!);
    }
  };

  return Object.defineProperties(handler, {
    setDraining: {
      value: (value = true): void => {
        draining = value;
      },
    },
    draining: { get: () => draining, enumerable: true },
    metrics: { value: metrics, enumerable: true },
    options: { value: options, enumerable: true },
  }) as HealthHandler;
}

/** True for a handler made by {@link createHealthHandler} (from any copy of phasegate). */
export function isHealthHandler(value: unknown): value is HealthHandler {
  return typeof value === 'function' && typeof (value as Partial<HealthHandler>).setDraining === 'function';
}

function metricsFor(
  source: SnapshotSource,
  option: HealthOptions['metrics'],
  path: string,
): HealthMetrics | undefined {
  if (option === false) return undefined;
  if (option === true) return createHealthMetrics(source);
  if (typeof (option as Partial<HealthMetrics>).render === 'function') return option as HealthMetrics;
  // Named as the handler names its other options (`health.degradedIsReady`), which is also where
  // runService takes them (its `health` option), not as createHealthMetrics's own `metrics.prefix`.
  return createHealthMetrics(source, option as HealthMetricsOptionsInput, path);
}

/** A throwing `live` hook must not turn liveness into a crash; it counts as live. */
function safeLive(live: () => boolean): boolean {
  try {
    return live() !== false;
  } catch {
    return true;
  }
}
