/**
 * Failures that waiting cannot fix, against an embedded Postgres that checks passwords (the
 * machine's own server trusts every login): they fail `permanent` after exactly one connection
 * attempt as the server counts them, also under the orchestrator's default retry policy, and no
 * message carries the password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresComponent } from '../../src/components/postgres/postgres.js';
import { classify } from '../../src/errors/classify.js';
import { exitCodeFor } from '../../src/errors/exit-codes.js';
import { safeMessage } from '../../src/common/redact.js';
import { createOrchestrator } from '../../src/orchestrator/orchestrator.js';
import { testComponentContext } from '../../src/testing/component-context.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from './helpers/embedded-postgres.js';

const WRONG_PASSWORD = 'Wr0ng-But-Secret-8d2f';
let server: EmbeddedPostgresServer;

beforeAll(async () => {
  server = await startEmbeddedPostgres({ password: 'Right-Secret-51c9' });
});
afterAll(async () => {
  await server?.stop();
});

/** Every string a person could see for an error: message, JSON, causes. */
function visibleText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  while (current instanceof Error) {
    parts.push(current.message, safeMessage(current));
    current = current.cause;
  }
  parts.push(JSON.stringify(error));
  return parts.join('\n');
}

describe('postgresComponent against a server that checks passwords', () => {
  it('a wrong password fails permanent after exactly one connection attempt, without the password', async () => {
    const spec = postgresComponent({ connection: server.urlWith({ password: WRONG_PASSWORD }), minReady: 3 });
    const before = server.connectionsReceived();
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect(classify(error)).toBe('permanent');
    expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', driverCode: '28P01' });
    expect((error as Error).message).toContain(`postgres@127.0.0.1:${server.port}/test`);
    expect(visibleText(error)).not.toContain(WRONG_PASSWORD);
    expect(server.connectionsReceived() - before).toBe(1);
  });

  it('under the orchestrator and its default retry policy: permanent, exit 78, one attempt', async () => {
    const database = postgresComponent({
      connection: server.urlWith({ password: WRONG_PASSWORD }),
      name: 'database-pool',
    });
    const orchestrator = createOrchestrator(
      { phases: [{ name: 'database', components: [database] }] },
      { budgetMs: 10_000 },
    );
    const before = server.connectionsReceived();
    const began = performance.now();
    const error = await orchestrator.start().catch((e: unknown) => e);
    await orchestrator.stop();
    expect(performance.now() - began).toBeLessThan(2_000);
    expect(classify(error)).toBe('permanent');
    expect(exitCodeFor(error)).toBe(78);
    expect(server.connectionsReceived() - before).toBe(1);
    expect(visibleText(error)).not.toContain(WRONG_PASSWORD);
    expect(JSON.stringify(orchestrator.snapshot())).not.toContain(WRONG_PASSWORD);
  });

  it('an unknown database fails permanent after exactly one connection attempt', async () => {
    const spec = postgresComponent({ connection: server.urlWith({ database: 'no_such_database' }) });
    const before = server.connectionsReceived();
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect(classify(error)).toBe('permanent');
    expect(error).toMatchObject({ driverCode: '3D000' });
    expect(server.connectionsReceived() - before).toBe(1);
  });

  it('a URL without the password the server asks for is config (exit 78) with a hint, not a bug', async () => {
    const spec = postgresComponent({ connection: server.urlWith({ password: '' }) });
    const before = server.connectionsReceived();
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', dependency: 'postgres' });
    expect((error as Error).message).toContain('client password must be a string');
    expect(classify(error)).toBe('config');
    expect(exitCodeFor(error)).toBe(78);
    expect((error as { hint?: string }).hint).toMatch(/add it to the connection settings/);
    expect(server.connectionsReceived() - before).toBe(1);
  });

  it('sslmode=require against a server without TLS is config (exit 78) with a hint', async () => {
    const spec = postgresComponent({ connection: `${server.url}?sslmode=require` });
    const error = await spec.start(testComponentContext().ctx).catch((e: unknown) => e);
    expect((error as Error).message).toContain('The server does not support SSL connections');
    expect(classify(error)).toBe('config');
    expect(exitCodeFor(error)).toBe(78);
    expect((error as { hint?: string }).hint).toMatch(/sslmode/);
  });

  it('the right password starts, and stop() ends every connection', async () => {
    const spec = postgresComponent({ connection: server.url, max: 3, minReady: 2, openJitterMs: 0 });
    const t = testComponentContext();
    const pool = await spec.start(t.ctx);
    expect(pool.open).toBeGreaterThanOrEqual(2);
    await spec.stop!(pool, { signal: AbortSignal.timeout(5_000) });
    expect(pool.stats).toMatchObject({ open: 0, opening: 0 });
  });
});
