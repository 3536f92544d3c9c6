/**
 * phasegate's health endpoints in an Express 5 app, mounted as middleware.
 *
 * Run: `npx tsx examples/health-express/main.ts` (PORT=3000 by default; it listens on 127.0.0.1,
 * `HOST=0.0.0.0` to let other hosts in), then, while it starts:
 *
 * ```sh
 * curl -i localhost:3000/startupz   # 503 for ~2 s, then 200
 * curl -i localhost:3000/readyz     # 503 until ready
 * curl -s localhost:3000/health     # full detail from loopback; elsewhere only with the token
 * curl -s -H "Authorization: Bearer $HEALTH_TOKEN" http://<host>:3000/health   # with HOST=0.0.0.0
 * curl -s localhost:3000/metrics
 * ```
 *
 * `DB_DOWN=1` keeps the (critical) database failing: startup exhausts its budget and fails, so
 * `/startupz` and `/readyz` stay 503 while `/livez` stays 200 (a restart would not help the
 * database). SIGINT/SIGTERM drains: `/readyz` turns 503, then the server closes and the components
 * stop in reverse order; exit 0. During startup it aborts the startup instead, cleans up and exits
 * 130 (SIGINT) or 143 (SIGTERM); a second signal exits at once.
 */
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import {
  createHealthHandler,
  createOrchestrator,
  healthMiddleware,
  type ComponentSpec,
  type HealthHandler,
  type Orchestrator,
} from '../../src/index.js';
import { portFromEnvOrExit } from '../health-port.js';
import { runExample } from '../health-signals.js';

/** Options of {@link startExpressExample}. */
export interface ExpressExampleOptions {
  /** @default 3000 */
  readonly port?: number;
  /**
   * Interface to listen on; `0.0.0.0` lets other hosts reach it (their `/health` detail needs the
   * token). @default '127.0.0.1'
   */
  readonly host?: string | undefined;
  /** How long the simulated database takes to connect. @default 2000 */
  readonly databaseConnectMs?: number;
  /** Make the database refuse every connection. @default false */
  readonly databaseDown?: boolean;
  /** Startup budget. @default 10000 */
  readonly budgetMs?: number;
  /** Bearer token for `/health` detail from non-loopback callers. @default undefined */
  readonly healthToken?: string | undefined;
  /** How long `/readyz` is 503 before the server closes on shutdown. @default 1000 */
  readonly drainDelayMs?: number;
}

/** A running example. */
export interface ExpressExample {
  readonly url: string;
  readonly orchestrator: Orchestrator;
  readonly health: HealthHandler;
  /** Resolves when startup has settled (ready or failed). */
  readonly started: Promise<void>;
  /**
   * What SIGTERM does: drain (once startup has settled), close the server, stop the components
   * (aborting a startup still under way).
   */
  shutdown(): Promise<void>;
}

function database(options: ExpressExampleOptions): ComponentSpec {
  return {
    name: 'database',
    async start(context) {
      await context.clock.sleep(options.databaseConnectMs ?? 2000, context.signal);
      if (options.databaseDown === true) {
        throw Object.assign(new Error('connect ECONNREFUSED postgres://app:s3cret@127.0.0.1:5499/app'), {
          code: 'ECONNREFUSED',
        });
      }
      context.report({ pool: { open: 2, target: 10, max: 20 } });
      return 'pool';
    },
  };
}

/** Start the example: the HTTP server first (probes answer at once), then the plan. */
export async function startExpressExample(options: ExpressExampleOptions = {}): Promise<ExpressExample> {
  const orchestrator = createOrchestrator(
    { phases: [{ name: 'database', components: [database(options)] }] },
    { budgetMs: options.budgetMs ?? 10_000 },
  );
  const health = createHealthHandler(orchestrator, {
    token: options.healthToken,
    // Component start durations come from the orchestrator's events; the rest from its snapshot.
    metrics: { events: orchestrator.onEvent },
  });

  const app = express();
  app.use(healthMiddleware(health));
  app.get('/hello', (_req, res) => {
    res.json({ hello: 'world', status: orchestrator.status });
  });
  // Express 5 hands a listen error (EADDRINUSE...) to this callback instead of throwing it.
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port ?? 3000, options.host ?? '127.0.0.1', (error) => {
      if (error) reject(error);
      else resolve(s);
    });
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // A failed startup is visible on /startupz, /readyz and /health; the example keeps serving them.
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
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeIdleConnections();
      await closed;
      await orchestrator.stop();
    })();
    return stopping;
  };
  return { url, orchestrator, health, started, shutdown };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = portFromEnvOrExit(process.env.PORT);
  await runExample(() =>
    startExpressExample({
      port,
      host: process.env.HOST,
      databaseDown: process.env.DB_DOWN === '1',
      healthToken: process.env.HEALTH_TOKEN,
    }),
  );
}
