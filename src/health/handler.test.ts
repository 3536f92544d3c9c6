import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOrchestrator } from '../orchestrator/orchestrator.js';
import type { SnapshotSource, StartupSnapshot } from '../orchestrator/snapshot.js';
import { isConfigError } from '../errors/config-error.js';
import { exitCodeFor } from '../errors/exit-codes.js';
import { FakeClock } from '../testing/fake-clock.js';
import { fakeComponent } from '../testing/fake-component.js';
import { runUntilSettled } from '../testing/run-until-settled.js';
import { healthMiddleware } from './express.js';
import { createHealthHandler, isHealthHandler, type HealthHandler } from './handler.js';

interface Answer {
  readonly statusCode: number;
  readonly headers: unknown;
  readonly body: unknown;
}

/** Call the handler with a minimal request and response (no socket, so only the handler's work). */
function call(handler: HealthHandler, url: string, method = 'GET'): Answer {
  const answer = { statusCode: 0, headers: undefined as unknown, body: undefined as unknown };
  const res = {
    headersSent: false,
    destroyed: false,
    writeHead(statusCode: number, headers: unknown) {
      answer.statusCode = statusCode;
      answer.headers = headers;
      this.headersSent = true;
      return this;
    },
    end(body?: unknown) {
      answer.body = body;
    },
  };
  const req = { url, method, headers: {}, socket: { remoteAddress: '127.0.0.1' } };
  expect(handler(req as unknown as IncomingMessage, res as unknown as ServerResponse)).toBe(true);
  return answer;
}

function readySnapshot(): StartupSnapshot {
  return {
    status: 'ready',
    availability: 'FULL',
    startedAt: 1,
    readyAt: 2,
    phases: [],
    components: [],
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createHealthHandler: the probe request path', () => {
  it('answers /readyz, /livez and /startupz with prepared replies: no JSON.stringify, the same objects each time', () => {
    const snapshot = readySnapshot();
    const handler = createHealthHandler({ snapshot: () => snapshot }, { metrics: false });
    const stringify = vi.spyOn(JSON, 'stringify');
    const first = ['/readyz', '/livez', '/startupz'].map((path) => call(handler, path));
    for (let i = 0; i < 100; i++) {
      for (const [index, path] of ['/readyz', '/livez', '/startupz?verbose'].entries()) {
        const again = call(handler, path);
        expect(again.statusCode).toBe(200);
        // Prepared once: the very same header array and body string.
        expect(again.headers).toBe(first[index]!.headers);
        expect(again.body).toBe(first[index]!.body);
      }
    }
    expect(stringify).not.toHaveBeenCalled();
    expect(first.map((a) => a.body)).toEqual(['ready\n', 'ok\n', 'started\n']);
    call(handler, '/health');
    expect(stringify).toHaveBeenCalledTimes(1);
  });

  it('on a real Orchestrator, /readyz follows a failing health check, and probes in between rebuild nothing', async () => {
    const clock = new FakeClock();
    const db = fakeComponent({ name: 'db', clock, withCheck: true });
    const orchestrator = createOrchestrator(
      { phases: [{ name: 'database', components: [db] }] },
      { clock, checkIntervalMs: 1_000 },
    );
    const handler = createHealthHandler(orchestrator, { metrics: false });
    expect(call(handler, '/readyz')).toMatchObject({ statusCode: 503, body: 'starting\n' });
    await runUntilSettled(clock, orchestrator.start());

    const snapshot = orchestrator.snapshot();
    for (let i = 0; i < 50; i++) expect(call(handler, '/readyz').statusCode).toBe(200);
    expect(orchestrator.snapshot()).toBe(snapshot);

    db.healthy = false;
    await clock.advance(1_000);
    // The orchestrator reports status degraded (availability UNAVAILABLE): the first reason.
    expect(call(handler, '/readyz')).toMatchObject({ statusCode: 503, body: 'degraded\n' });
    expect(call(handler, '/livez').statusCode).toBe(200);
    db.healthy = true;
    await clock.advance(1_000);
    expect(call(handler, '/readyz').statusCode).toBe(200);

    handler.setDraining();
    expect(call(handler, '/readyz')).toMatchObject({ statusCode: 503, body: 'draining\n' });
    await orchestrator.stop();
  });

  it('answers 503 snapshot-error on /readyz and /startupz when the source throws', () => {
    const handler = createHealthHandler(
      {
        snapshot: () => {
          throw new Error('boom');
        },
      },
      { metrics: false },
    );
    expect(call(handler, '/readyz')).toMatchObject({ statusCode: 503, body: 'snapshot-error\n' });
    expect(call(handler, '/startupz')).toMatchObject({ statusCode: 503, body: 'snapshot-error\n' });
    expect(call(handler, '/livez').statusCode).toBe(200);
  });
});

describe('createHealthHandler and healthMiddleware: the source argument', () => {
  // Before, each of these was accepted and every probe then answered 503 snapshot-error for good.
  const notSources: ReadonlyArray<[string, unknown]> = [
    ['undefined', undefined],
    ['null', null],
    ['a snapshot instead of its source', readySnapshot()],
    ['snapshot not a function', { snapshot: readySnapshot() }],
  ];
  for (const [label, value] of notSources) {
    it(`rejects ${label} with a ConfigError (exit 78) naming the argument`, () => {
      for (const [path, make] of [
        ['createHealthHandler(source)', () => createHealthHandler(value as SnapshotSource)],
        ['healthMiddleware(source)', () => healthMiddleware(value as SnapshotSource)],
      ] as const) {
        let error: unknown;
        try {
          make();
        } catch (caught) {
          error = caught;
        }
        expect(isConfigError(error), path).toBe(true);
        expect(error).toMatchObject({ path, classification: 'config' });
        expect(exitCodeFor(error)).toBe(78);
        expect((error as Error).message).toMatch(/snapshot\(\) method.*fix: pass the orchestrator/);
      }
    });
  }

  it('accepts an orchestrator (a class instance) and a handler', () => {
    const clock = new FakeClock();
    const db = fakeComponent({ name: 'db', clock });
    const orchestrator = createOrchestrator({ phases: [{ name: 'database', components: [db] }] }, { clock });
    const handler = createHealthHandler(orchestrator, { metrics: false });
    expect(isHealthHandler(handler)).toBe(true);
    expect(typeof healthMiddleware(handler)).toBe('function');
  });
});
