/**
 * The chat backend: `npm start` (= `exec node --import tsx examples/chat-backend/main.ts`: `exec`, so
 * that the service is npm's own child and receives the SIGTERM npm forwards).
 *
 * Configured only by environment variables (see config.ts and the README). Without DATABASE_URL it
 * starts an embedded Postgres under `.data/`. Health endpoints are served on PORT next to the API.
 */

import { createServer } from 'node:http';
import { exitCodeFor } from '../../src/index.js';
import { createLogger } from '../../src/index.js';
import { runService } from '../../src/index.js';
import { decorrelatedJitterBackoff } from '../../src/index.js';
import { loadConfig, type ChatConfig } from './config.js';
import { buildChatPlan, type ChatPlan } from './plan.js';
import { createChatRoutes } from './routes.js';

let config: ChatConfig;
try {
  config = loadConfig(process.env);
} catch (error) {
  // Nothing has started yet: say which variable is wrong and how to fix it, and exit 78.
  const code = exitCodeFor(error);
  createLogger({ base: { service: 'chat-backend' } }).fatal(
    { event: 'service.config-error', err: error, exitCode: code },
    'invalid configuration',
  );
  process.exit(code);
}

const server = createServer();
let chat: ChatPlan | undefined;

runService(
  ({ logger }) => {
    chat = buildChatPlan(config, server, logger);
    return chat.plan;
  },
  {
    mode: config.startupMode,
    startupBudgetMs: config.startupBudgetMs,
    server,
    port: config.port,
    ...(config.host ? { host: config.host } : {}),
    // DEGRADED (Redis down: no fan-out between instances) still serves the chat, so it takes
    // traffic; without the database availability is UNAVAILABLE, which is never ready.
    health: { degradedIsReady: true, ...(config.healthToken ? { token: config.healthToken } : {}) },
    drainDelayMs: config.drainDelayMs,
    gracePeriodMs: config.gracePeriodMs,
    loggerOptions: { level: config.logLevel, base: { service: 'chat-backend', instance: config.instance } },
    orchestrator: {
      checkIntervalMs: config.checkIntervalMs,
      recoveryBackoff: decorrelatedJitterBackoff({ initialMs: 500, maxMs: 5_000 }),
    },
    listen: (ctx) => {
      const { chat: service, key } = chat!.runtime;
      ctx.mount(createChatRoutes(service!, { logger: ctx.logger, key: key! }));
      // Closed before the HTTP server: its upgraded sockets would otherwise hold the close open.
      return { close: () => chat!.runtime.broadcast?.close() };
    },
  },
);
