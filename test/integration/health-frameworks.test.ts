/**
 * The Fastify plugin and the Express middleware over real HTTP on port 0.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { healthMiddleware } from '../../src/health/express.js';
import { phasegateHealthPlugin } from '../../src/health/fastify.js';
import { createHealthHandler } from '../../src/health/handler.js';
import { FakeSource, componentOf, httpRequest, snapshotOf } from './health-fixtures.js';

const leaky = snapshotOf({
  components: [
    componentOf({
      lastError: { code: 'E', class: 'transient', message: 'postgres://u:secret@h/db password=secret' },
    }),
  ],
});

describe('Fastify plugin', () => {
  it('serves the probes at the root, shares the draining switch, and leaves other routes alone', async () => {
    const source = new FakeSource(leaky);
    const health = createHealthHandler(source, { token: 'fastify-token', trustLoopback: false });
    const app = Fastify();
    app.get('/messages', async () => ({ messages: [] }));
    // skip-override: the plugin runs in the registering context, so a `prefix` does not move the
    // fixed probe paths away from where the platform's probes expect them.
    await app.register(phasegateHealthPlugin, { health, prefix: '/api' });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect((await httpRequest(`${url}/readyz`)).status).toBe(200);
      expect((await httpRequest(`${url}/livez`)).body).toBe('ok\n');
      expect((await httpRequest(`${url}/messages`)).body).toBe('{"messages":[]}');
      expect((await httpRequest(`${url}/api/readyz`)).status).toBe(404);
      const head = await httpRequest(`${url}/readyz`, { method: 'HEAD' });
      expect([head.status, head.body, head.headers['cache-control']]).toEqual([200, '', 'no-store']);

      expect((await httpRequest(`${url}/health`)).body).toBe('{"status":"ready"}');
      const detail = await httpRequest(`${url}/health`, {
        headers: { authorization: 'Bearer fastify-token' },
      });
      expect(JSON.parse(detail.body).components[0].name).toBe('postgres');
      expect(detail.body).not.toContain('secret');

      const metrics = await httpRequest(`${url}/metrics`);
      expect(metrics.body).toContain('phasegate_status{status="ready"} 1');

      health.setDraining();
      expect((await httpRequest(`${url}/readyz`)).status).toBe(503);
      source.set({ status: 'starting', readyAt: null });
      health.setDraining(false);
      expect((await httpRequest(`${url}/startupz`)).status).toBe(503);
    } finally {
      await app.close();
    }
  });

  it('builds its own handler from a source and options', async () => {
    const source = new FakeSource(snapshotOf({ status: 'degraded', availability: 'DEGRADED' }));
    const app = Fastify();
    await app.register(phasegateHealthPlugin, { source, degradedIsReady: true });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect((await httpRequest(`${url}/readyz`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('with metrics off, leaves /metrics to the app instead of a route that never answers', async () => {
    const app = Fastify();
    await app.register(phasegateHealthPlugin, { source: new FakeSource(), metrics: false });
    app.get('/metrics', async () => 'app metrics');
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      expect((await httpRequest(`${url}/readyz`)).status).toBe(200);
      const metrics = await httpRequest(`${url}/metrics`);
      expect([metrics.status, metrics.body]).toEqual([200, 'app metrics']);
    } finally {
      await app.close();
    }
  });

  it("answers the variants of a probe path the app's router takes for it (/readyz/, /READYZ, //readyz) with the app's 404 instead of never answering", async () => {
    for (const [routerOptions, path] of [
      [{ ignoreTrailingSlash: true }, '/readyz/'],
      [{ caseSensitive: false }, '/READYZ'],
      [{ ignoreDuplicateSlashes: true }, '//readyz'],
    ] as const) {
      const app = Fastify({ routerOptions });
      await app.register(phasegateHealthPlugin, { source: new FakeSource() });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        // A hijacked reply that nobody writes would hang here until the timeout.
        const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2_000) });
        expect([path, res.status, JSON.parse(await res.text()).statusCode]).toEqual([path, 404, 404]);
        expect((await httpRequest(`${url}/readyz`)).status).toBe(200);
      } finally {
        await app.close();
      }
    }
  });

  it('fails registration with a clear error when given neither health nor source', async () => {
    const app = Fastify();
    await expect(app.register(phasegateHealthPlugin, {})).rejects.toThrow(/pass `health`/);
    await app.close();
  });

  it('fails registration when `health` is not a handler, instead of routes that never answer', async () => {
    const app = Fastify();
    await expect(app.register(phasegateHealthPlugin, { health: {} as never })).rejects.toMatchObject({
      code: 'PG_ERR_CONFIG',
      path: 'phasegateHealthPlugin options.health',
    });
    await app.close();
  });
});

describe('Express middleware', () => {
  async function listen(app: express.Express): Promise<{ url: string; server: Server }> {
    return new Promise((resolve) => {
      const server = app.listen(0, '127.0.0.1', () =>
        resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }),
      );
    });
  }

  it('serves the probes and passes other paths to next()', async () => {
    const source = new FakeSource(leaky);
    const health = createHealthHandler(source);
    const app = express();
    app.use(healthMiddleware(health));
    app.get('/messages', (_req, res) => {
      res.json([]);
    });
    const { url, server } = await listen(app);
    try {
      expect((await httpRequest(`${url}/readyz`)).status).toBe(200);
      expect((await httpRequest(`${url}/messages`)).body).toBe('[]');
      expect((await httpRequest(`${url}/unknown`)).status).toBe(404);
      expect((await httpRequest(`${url}/readyz`, { method: 'DELETE' })).status).toBe(405);
      const detail = await httpRequest(`${url}/health`);
      expect(JSON.parse(detail.body).components).toHaveLength(1);
      expect(detail.body).not.toContain('secret');
      source.set({ components: [componentOf({ state: 'unhealthy' })] });
      expect((await httpRequest(`${url}/readyz`)).status).toBe(503);
      expect((await httpRequest(`${url}/livez`)).status).toBe(200);
      health.setDraining();
      expect((await httpRequest(`${url}/readyz`)).body).toBe('draining\n');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('works mounted under a path, built from a source', async () => {
    const app = express();
    app.use('/ops', healthMiddleware(new FakeSource(), { metrics: false }));
    const { url, server } = await listen(app);
    try {
      expect((await httpRequest(`${url}/ops/readyz`)).status).toBe(200);
      expect((await httpRequest(`${url}/ops/metrics`)).status).toBe(404);
      expect((await httpRequest(`${url}/readyz`)).status).toBe(404);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
