/**
 * phasegate's health endpoints in a Fastify app.
 *
 * Run: `npx tsx examples/health-fastify/main.ts` (PORT=3000 by default; it listens on 127.0.0.1,
 * `HOST=0.0.0.0` to let other hosts in), then, while it starts:
 *
 * ```sh
 * curl -i localhost:3000/startupz   # 503 for ~2 s, then 200
 * curl -i localhost:3000/readyz     # 503 until ready; DEGRADED counts as not ready
 * curl -s localhost:3000/health     # full detail from loopback; elsewhere only with the token
 * curl -s localhost:3000/metrics
 * curl -s localhost:3000/hello
 * ```
 *
 * `CACHE_DOWN=1` makes the (degradable) cache fail: the service starts DEGRADED, `/startupz` is 200
 * and `/readyz` stays 503. Ctrl-C (SIGINT) or SIGTERM drains: `/readyz` turns 503 first, then the
 * server closes and the components stop in reverse order; exit 0. During startup it aborts the
 * startup instead, cleans up and exits 130 (SIGINT) or 143 (SIGTERM); a second signal exits at once.
 */
import Fastify from 'fastify';
import { pathToFileURL } from 'node:url';
import {
  createHealthHandler,
  createOrchestrator,
  phasegateHealthPlugin,
  type ComponentSpec,
  type HealthHandler,
  type Orchestrator,
} from '../../src/index.js';
import { portFromEnvOrExit } from '../health-port.js';
import { runExample } from '../health-signals.js';

/** Options of {@link startFastifyExample}. */
export interface FastifyExampleOptions {
  /** @default 3000 */
  readonly port?: number;
  /**
   * Interface to listen on; `0.0.0.0` lets other hosts reach it (their `/health` detail needs the
   * token). @default '127.0.0.1'
   */
  readonly host?: string | undefined;
  /** How long the simulated database takes to connect. @default 2000 */
  readonly databaseConnectMs?: number;
  /** Make the degradable cache fail (graceful mode keeps the service up, DEGRADED). @default false */
  readonly cacheDown?: boolean;
  /** Startup budget; a failing cache is retried until its phase's share runs out. @default 10000 */
  readonly budgetMs?: number;
  /** Bearer token for `/health` detail from non-loopback callers. @default undefined */
  readonly healthToken?: string | undefined;
  /** How long `/readyz` is 503 before the server closes on shutdown. @default 1000 */
  readonly drainDelayMs?: number;
}

/** A running example. */
export interface FastifyExample {
  readonly url: string;
  readonly orchestrator: Orchestrator;
  readonly health: HealthHandler;
  /** Resolves when startup has settled (ready, degraded, or failed). */
  readonly started: Promise<void>;
  /**
   * What SIGTERM does: drain (once startup has settled), close the server, stop the components
   * (aborting a startup still under way).
   */
  shutdown(): Promise<void>;
}

/** Two simulated dependencies: a critical database (with a pool) and a degradable cache. */
function components(options: FastifyExampleOptions): { database: ComponentSpec; cache: ComponentSpec } {
  return {
    database: {
      name: 'database',
      async start(context) {
        await context.clock.sleep(options.databaseConnectMs ?? 2000, context.signal);
        context.report({ pool: { open: 2, target: 10, max: 20 } });
        return 'pool';
      },
    },
    cache: {
      name: 'cache',
      degradable: true,
      async start(context) {
        // A refused connection is refused at once; a connection that works takes a moment.
        if (options.cacheDown === true) {
          throw Object.assign(new Error('connect ECONNREFUSED redis://:s3cret@127.0.0.1:6390'), {
            code: 'ECONNREFUSED',
          });
        }
        await context.clock.sleep(100, context.signal);
        return 'cache';
      },
    },
  };
}

/** Start the example: the HTTP server first (probes answer at once), then the plan. */
export async function startFastifyExample(options: FastifyExampleOptions = {}): Promise<FastifyExample> {
  const { database, cache } = components(options);
  const orchestrator = createOrchestrator(
    {
      phases: [
        { name: 'database', components: [database] },
        { name: 'cache', components: [cache] },
      ],
    },
    { mode: 'graceful', budgetMs: options.budgetMs ?? 10_000, recoveryAttemptMs: 2_000 },
  );
  const health = createHealthHandler(orchestrator, {
    token: options.healthToken,
    // Component start durations come from the orchestrator's events; the rest from its snapshot.
    metrics: { events: orchestrator.onEvent },
  });

  const app = Fastify();
  await app.register(phasegateHealthPlugin, { health });
  app.get('/hello', async () => ({ hello: 'world', availability: orchestrator.availability }));
  const url = await app.listen({ port: options.port ?? 3000, host: options.host ?? '127.0.0.1' });

  // A startup failure is visible on /startupz and /health; the example keeps serving them.
  const started = orchestrator.start().catch(() => undefined);

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      health.setDraining(); // /readyz 503: the load balancer stops sending traffic
      // Only a service that was up can have traffic to drain. A startup still under way (a signal
      // while the database connects) is not drained: waiting would only let it go on.
      const status = orchestrator.status;
      if (status === 'ready' || status === 'degraded') {
        await new Promise((resolve) => setTimeout(resolve, options.drainDelayMs ?? 1000));
      }
      await app.close();
      await orchestrator.stop(); // reverse order of start
    })();
    return stopping;
  };
  return { url, orchestrator, health, started, shutdown };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = portFromEnvOrExit(process.env.PORT);
  await runExample(() =>
    startFastifyExample({
      port,
      host: process.env.HOST,
      cacheDown: process.env.CACHE_DOWN === '1',
      healthToken: process.env.HEALTH_TOKEN,
    }),
  );
}
