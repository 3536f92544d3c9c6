/**
 * The health endpoints as a Fastify plugin (Fastify 4 and 5).
 *
 * phasegate does not depend on Fastify, at run time or in its published types: the plugin is typed
 * against the few members it uses ({@link FastifyLikeInstance}), which a real `FastifyInstance`
 * satisfies, so `app.register(phasegateHealthPlugin, ...)` type-checks without `fastify` being a
 * dependency of phasegate.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError } from '../errors/config-error.js';
import type { SnapshotSource } from '../orchestrator/snapshot.js';
import { healthHandlerFor, isHealthHandler, requestPath, type HealthHandler } from './handler.js';
import { HEALTH_OPTION_KEYS, requireSnapshotSource, type HealthOptionsInput } from './options.js';
import { HealthPaths } from './states.js';

/** The request members the plugin reads. */
export interface FastifyLikeRequest {
  /** Node's request, which the health handler reads. */
  readonly raw: IncomingMessage;
}

/** The reply members the plugin uses. */
export interface FastifyLikeReply {
  /** Node's response, which the health handler writes. */
  readonly raw: ServerResponse;
  /** Tells Fastify that the plugin writes the reply itself (to `raw`). */
  hijack(): unknown;
  /**
   * Answers with the app's not-found handler: for a URL the app's router sends to a health route
   * that is not the health path itself (`/readyz/` under `ignoreTrailingSlash`, `/READYZ` under
   * `caseSensitive: false`, `//readyz` under `ignoreDuplicateSlashes`). Without it, a plain 404.
   */
  callNotFound?(): unknown;
}

/** The instance members the plugin uses. */
export interface FastifyLikeInstance {
  /**
   * Adds a route; the plugin adds one per health path for every method the instance supports (the
   * handler answers GET and HEAD, and 405 with `Allow: GET, HEAD` to the others).
   */
  route(options: {
    method: string[];
    url: string;
    handler: (request: FastifyLikeRequest, reply: FastifyLikeReply) => void;
  }): unknown;
  /** The methods the instance routes (Fastify 5); Fastify 4's standard ones when absent. */
  readonly supportedMethods?: readonly string[];
  /**
   * Adds a hook; the plugin adds an `onClose` one that removes the metrics it made from a `source`
   * from their registry when the app closes. Without it they stay registered.
   */
  addHook?(name: 'onClose', hook: (instance: never, done: (error?: Error) => void) => void): unknown;
}

/** Options of {@link phasegateHealthPlugin}: either a ready-made `health` handler or a `source`. */
export interface FastifyHealthOptions extends HealthOptionsInput {
  /**
   * A handler from {@link createHealthHandler}; share it to drive `/readyz` with
   * `health.setDraining()` on shutdown. When given, the health options (`degradedIsReady`, `token`,
   * ...) belong to `createHealthHandler`: given here as well, they fail the registration.
   * @default none: give this or `source`
   */
  readonly health?: HealthHandler;
  /**
   * The snapshot source, when no `health` is given (a handler is then made from the options).
   * @default none: give this or `health`
   */
  readonly source?: SnapshotSource;
}

const PATHS: readonly string[] = Object.values(HealthPaths);

const NOT_FOUND = 'not found\n';

/** A plain 404 on a hijacked reply, for a request the handler did not answer. */
function notFound(res: ServerResponse): void {
  res.writeHead(404, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(NOT_FOUND),
    'cache-control': 'no-store',
  });
  res.end(NOT_FOUND);
}

/** The methods Fastify 4 and 5 both route by default, for an instance without `supportedMethods`. */
const DEFAULT_METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'];

/**
 * Fastify plugin that registers `/livez`, `/startupz`, `/readyz`, `/health` and `/metrics` (no
 * `/metrics` when the handler's metrics are off, so the app may serve its own), answered by the same
 * handler as the standalone server (same rules, same redaction, same prepared replies): GET and HEAD
 * are answered, every other method gets 405 with `Allow: GET, HEAD`, so the app cannot also route,
 * say, `POST /health` (Fastify rejects the duplicate route). The reply is written to `reply.raw`
 * after `reply.hijack()`; Fastify still runs `onResponse` hooks and logs the request. Metrics it
 * makes from `source` are removed from their registry when the app closes (`onClose`).
 *
 * @example
 * ```ts
 * const health = createHealthHandler(orchestrator, { token: process.env.HEALTH_TOKEN });
 * await app.register(phasegateHealthPlugin, { health });
 * process.once('SIGTERM', () => health.setDraining());
 * ```
 *
 * Registration fails (Fastify's `register` rejects) with a `ConfigError` (`PG_ERR_CONFIG`, exit
 * 78) when the options have neither `health` nor `source`, when `health` is not a handler from
 * {@link createHealthHandler}, when `source` has no `snapshot()` method, when a health option is
 * invalid, or when one is given next to `health` (where it would have no effect).
 */
export function phasegateHealthPlugin(
  instance: FastifyLikeInstance,
  options: FastifyHealthOptions,
  done: (error?: Error) => void,
): void {
  let health: HealthHandler;
  try {
    health = resolveHandler(options);
  } catch (error) {
    done(error as Error);
    return;
  }
  const handler = (request: FastifyLikeRequest, reply: FastifyLikeReply): void => {
    // The app's router options can route variants of a path here (`/readyz/`, `/READYZ`) that the
    // handler does not answer: the paths are fixed, as on the standalone server and under Express.
    // A hijacked reply that nobody writes would leave the request hanging.
    if (!PATHS.includes(requestPath(request.raw.url)) && typeof reply.callNotFound === 'function') {
      reply.callNotFound();
      return;
    }
    reply.hijack();
    if (!health(request.raw, reply.raw)) notFound(reply.raw);
  };
  // Every method, not only GET and HEAD: the handler answers the others 405 with `Allow`, as the
  // standalone server and the Express middleware do, where Fastify alone would answer 404.
  const method = [...(instance.supportedMethods ?? DEFAULT_METHODS)];
  // With metrics off the handler leaves `/metrics` to the application (it answers nothing there), so
  // no route for it: a hijacked reply nobody writes would hang, and the app could not add its own.
  for (const url of PATHS) {
    if (url === HealthPaths.METRICS && health.metrics === undefined) continue;
    instance.route({ method, url, handler });
  }
  // Metrics the plugin made from `source` (not the ones of a shared `health` handler, nor a
  // ready-made HealthMetrics) may sit on the application's registry: off it when the app closes, so
  // a new app on that registry does not find the names taken.
  const own = options.health === undefined && health.metrics !== options.metrics ? health.metrics : undefined;
  if (own !== undefined) {
    instance.addHook?.('onClose', (_instance, closed) => {
      own.dispose();
      closed();
    });
  }
  done();
}

function resolveHandler(options: FastifyHealthOptions): HealthHandler {
  if (options.health !== undefined) {
    if (!isHealthHandler(options.health)) {
      throw new ConfigError(
        'phasegateHealthPlugin options.health',
        'expected a handler from createHealthHandler',
        'pass `health: createHealthHandler(orchestrator, ...)`, or `source` instead of `health`',
      );
    }
    // The handler was made with its own options; one given here as well would be ignored.
    const ignored = HEALTH_OPTION_KEYS.find((key) => options[key] !== undefined);
    if (ignored !== undefined) {
      throw new ConfigError(
        `phasegateHealthPlugin options.${ignored}`,
        'has no effect next to `health` (the handler already has its options)',
        `pass ${ignored} to createHealthHandler, or pass \`source\` instead of \`health\``,
      );
    }
    return options.health;
  }
  if (options.source === undefined) {
    throw new ConfigError(
      'phasegateHealthPlugin options',
      'neither `health` nor `source` was given',
      'pass `health` (from createHealthHandler) or `source` (the orchestrator)',
    );
  }
  requireSnapshotSource(options.source, 'phasegateHealthPlugin options.source');
  // Only the health options: the rest are Fastify's own register options (prefix, logLevel...).
  const healthOptions = Object.fromEntries(
    HEALTH_OPTION_KEYS.filter((key) => Object.hasOwn(options, key)).map((key) => [key, options[key]]),
  ) as HealthOptionsInput;
  return healthHandlerFor(options.source, healthOptions, 'phasegateHealthPlugin options');
}

// The health paths are fixed (the README's "Contracts") and the platform's probes expect them there.
// Fastify normally runs a plugin in a new encapsulated child context, where a `prefix` register
// option would move its routes (to /api/readyz, say). `skip-override` is the flag fastify-plugin sets
// to run the plugin in the registering context instead, which also makes Fastify ignore `prefix`.
// We set the symbol ourselves so that phasegate does not depend on fastify-plugin (or Fastify) at
// run time. The display name and metadata show in Fastify's plugin tree and version check.
Object.defineProperties(phasegateHealthPlugin, {
  [Symbol.for('skip-override')]: { value: true },
  [Symbol.for('fastify.display-name')]: { value: 'phasegate-health' },
  [Symbol.for('plugin-meta')]: { value: { name: 'phasegate-health', fastify: '4.x || 5.x' } },
});
