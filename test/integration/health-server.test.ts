/**
 * The health server over real HTTP on port 0: every probe for every status and availability, the
 * degradedIsReady option, draining, trust (loopback vs token), redaction, /metrics, and close().
 */
import { createServer, request, Agent } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/errors/config-error.js';
import { exitCodeFor } from '../../src/errors/exit-codes.js';
import { Registry } from 'prom-client';
import { createHealthHandler } from '../../src/health/handler.js';
import { createHealthMetrics } from '../../src/health/metrics.js';
import type { HealthServerOptionsInput } from '../../src/health/options.js';
import { startHealthServer, type HealthServer } from '../../src/health/server.js';
import { AVAILABILITY_LEVELS } from '../../src/orchestrator/availability.js';
import type { ServiceStatus } from '../../src/orchestrator/snapshot.js';
import { FakeSource, componentOf, httpRequest, snapshotOf } from './health-fixtures.js';

const STATUSES: readonly ServiceStatus[] = ['starting', 'ready', 'degraded', 'draining', 'stopped', 'failed'];
const TOKEN = 'c0ffee-health-token-4f1d';

const open: HealthServer[] = [];
async function serve(source: FakeSource, options: HealthServerOptionsInput = {}): Promise<HealthServer> {
  const server = await startHealthServer(source, { port: 0, host: '127.0.0.1', ...options });
  open.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Every combination in which /readyz must be 200; all others must be 503. */
const READY_BY_DEFAULT = new Set(['ready/FULL']);
const READY_WITH_DEGRADED = new Set([
  'ready/FULL',
  'ready/DEGRADED',
  'ready/MINIMAL',
  'degraded/FULL',
  'degraded/DEGRADED',
  'degraded/MINIMAL',
]);

describe('probe status codes for every status × availability', () => {
  for (const [label, degradedIsReady, expectedReady] of [
    ['default', false, READY_BY_DEFAULT],
    ['degradedIsReady', true, READY_WITH_DEGRADED],
  ] as const) {
    it(`${label}`, async () => {
      const source = new FakeSource();
      const server = await serve(source, { degradedIsReady });
      const seen: string[] = [];
      for (const status of STATUSES) {
        for (const availability of AVAILABILITY_LEVELS) {
          source.set({ status, availability, readyAt: status === 'starting' ? null : 1 });
          const key = `${status}/${availability}`;
          const [livez, startupz, readyz, health] = await Promise.all(
            ['/livez', '/startupz', '/readyz', '/health'].map((p) => httpRequest(server.url + p)),
          );
          expect(livez!.status, `${key} /livez`).toBe(200);
          expect(startupz!.status, `${key} /startupz`).toBe(status === 'starting' ? 503 : 200);
          expect(readyz!.status, `${key} /readyz`).toBe(expectedReady.has(key) ? 200 : 503);
          expect(health!.status, `${key} /health follows /readyz`).toBe(readyz!.status);
          expect(JSON.parse(health!.body)).toMatchObject({ status, availability });
          if (readyz!.status === 200) seen.push(key);
        }
      }
      expect(new Set(seen)).toEqual(expectedReady);
    });
  }

  it('startupz stays 503 when startup never finished (failed, or SIGTERM while starting)', async () => {
    const source = new FakeSource(snapshotOf({ status: 'starting', readyAt: null }));
    const server = await serve(source);
    for (const status of ['starting', 'failed', 'draining', 'stopped'] as const) {
      source.set({ status, availability: 'UNAVAILABLE' });
      const res = await httpRequest(`${server.url}/startupz`);
      expect(res.status, status).toBe(503);
    }
  });

  it('startupz stays 200 after startup finished degraded, even without readyAt', async () => {
    const source = new FakeSource(
      snapshotOf({ status: 'degraded', availability: 'DEGRADED', readyAt: null }),
    );
    const server = await serve(source);
    expect((await httpRequest(`${server.url}/startupz`)).status).toBe(200);
    source.set({ status: 'draining' });
    expect((await httpRequest(`${server.url}/startupz`)).status).toBe(200);
  });
});

describe('readiness inputs', () => {
  it('a critical component going unhealthy after ready: /readyz 503, /livez 200, then back', async () => {
    const source = new FakeSource();
    const server = await serve(source);
    expect((await httpRequest(`${server.url}/readyz`)).status).toBe(200);
    source.set({ components: [componentOf({ state: 'unhealthy' })] });
    const down = await httpRequest(`${server.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.body).toBe('critical-component-unhealthy\n');
    expect((await httpRequest(`${server.url}/livez`)).status).toBe(200);
    source.set({ components: [componentOf({ state: 'ready' })] });
    expect((await httpRequest(`${server.url}/readyz`)).status).toBe(200);
  });

  it('draining through setDraining, and through the snapshot status', async () => {
    const source = new FakeSource();
    const server = await serve(source);
    server.setDraining();
    expect(server.handler.draining).toBe(true);
    const drained = await httpRequest(`${server.url}/readyz`);
    expect([drained.status, drained.body]).toEqual([503, 'draining\n']);
    // Nothing new is served while draining, whatever the components are: /health and /metrics agree.
    const health = JSON.parse((await httpRequest(`${server.url}/health`)).body) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'draining', availability: 'UNAVAILABLE' });
    const metrics = (await httpRequest(`${server.url}/metrics`)).body;
    expect(metrics).toContain('phasegate_status{status="draining"} 1');
    expect(metrics).toContain('phasegate_availability{level="UNAVAILABLE"} 1');
    expect((await httpRequest(`${server.url}/livez`)).status).toBe(200);
    expect((await httpRequest(`${server.url}/startupz`)).status).toBe(200);
    server.setDraining(false);
    expect((await httpRequest(`${server.url}/readyz`)).status).toBe(200);
    source.status('draining');
    expect((await httpRequest(`${server.url}/readyz`)).status).toBe(503);
  });

  it('the live hook can fail /livez (e.g. an event-loop stall); nothing else does', async () => {
    let live = true;
    const source = new FakeSource(snapshotOf({ status: 'failed', availability: 'UNAVAILABLE' }));
    const server = await serve(source, { live: () => live });
    expect((await httpRequest(`${server.url}/livez`)).status).toBe(200);
    live = false;
    const res = await httpRequest(`${server.url}/livez`);
    expect([res.status, res.body]).toEqual([503, 'stalled\n']);
  });

  it('a throwing snapshot source makes the probes 503 but not /livez', async () => {
    const source = new FakeSource();
    source.snapshot = () => {
      throw new Error('boom');
    };
    const server = await serve(source);
    expect((await httpRequest(`${server.url}/readyz`)).status).toBe(503);
    expect((await httpRequest(`${server.url}/startupz`)).status).toBe(503);
    expect((await httpRequest(`${server.url}/health`)).body).toBe('{"status":"unknown"}');
    expect((await httpRequest(`${server.url}/livez`)).status).toBe(200);
  });

  it('a source that hands back something other than a snapshot gets the same answers, and the server lives on', async () => {
    // Before, readinessOf or healthBody threw inside the request listener: an uncaught exception.
    for (const bad of [
      null,
      42,
      { status: 'ready', availability: 'FULL' },
      snapshotOf({ components: [null as never] }),
    ]) {
      const source = new FakeSource();
      source.snapshot = () => bad as never;
      const server = await serve(source, { metrics: false });
      const label = JSON.stringify(bad);
      const readyz = await httpRequest(`${server.url}/readyz`);
      expect([readyz.status, readyz.body], label).toEqual([503, 'snapshot-error\n']);
      if (typeof bad !== 'object' || bad === null) {
        // (/startupz reads only the status, which a partial snapshot may well have.)
        const startupz = await httpRequest(`${server.url}/startupz`);
        expect([startupz.status, startupz.body], label).toEqual([503, 'snapshot-error\n']);
      }
      const health = await httpRequest(`${server.url}/health`);
      expect([health.status, health.body], label).toEqual([503, '{"status":"unknown"}']);
      const head = await httpRequest(`${server.url}/readyz`, { method: 'HEAD' });
      expect([head.status, head.body], label).toEqual([503, '']);
      expect((await httpRequest(`${server.url}/livez`)).status, label).toBe(200);
    }
  });
});

describe('HTTP details', () => {
  it('answers HEAD without a body, with the same status and headers', async () => {
    const server = await serve(new FakeSource());
    for (const path of ['/livez', '/startupz', '/readyz', '/health', '/metrics']) {
      const get = await httpRequest(server.url + path);
      const head = await httpRequest(server.url + path, { method: 'HEAD' });
      expect(head.status, path).toBe(get.status);
      expect(head.body, path).toBe('');
      expect(head.headers['content-type'], path).toBe(get.headers['content-type']);
      expect(head.headers['cache-control'], path).toBe('no-store');
      expect(get.headers['cache-control'], path).toBe('no-store');
    }
  });

  it('405 with Allow for other methods; 404 for other paths; query strings ignored', async () => {
    const server = await serve(new FakeSource());
    const post = await httpRequest(`${server.url}/readyz`, { method: 'POST' });
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
    expect((await httpRequest(`${server.url}/nope`)).status).toBe(404);
    expect((await httpRequest(`${server.url}/readyz?verbose=1`)).status).toBe(200);
    expect((await httpRequest(`${server.url}/readyz/`)).status).toBe(404);
  });

  it('mounts into the user’s own node:http server', async () => {
    const source = new FakeSource();
    const health = createHealthHandler(source);
    const app = createServer((req, res) => {
      if (health(req, res)) return;
      res.end('app');
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
      expect((await httpRequest(`${base}/readyz`)).status).toBe(200);
      expect((await httpRequest(`${base}/messages`)).body).toBe('app');
      health.setDraining();
      expect((await httpRequest(`${base}/readyz`)).status).toBe(503);
    } finally {
      await new Promise((resolve) => app.close(resolve));
    }
  });
});

describe('/health detail and redaction', () => {
  const leaky = snapshotOf({
    status: 'degraded',
    availability: 'DEGRADED',
    components: [
      componentOf({
        state: 'degraded',
        critical: false,
        attempts: 4,
        lastError: {
          code: 'ECONNREFUSED',
          class: 'transient',
          message: 'connect to postgres://u:secret@h/db failed (host=h password=secret)',
        },
      }),
    ],
  });

  it('gives loopback callers the full, redacted detail', async () => {
    const server = await serve(new FakeSource(leaky));
    const res = await httpRequest(`${server.url}/health`);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).not.toContain('secret');
    const body = JSON.parse(res.body);
    expect(body.components[0].lastError.message).toContain('connect to postgres://u:***@h/db failed');
    expect(body.components[0].lastError.message).toContain('password=***');
    expect(body.components[0].attempts).toBe(4);
    expect(body.phases).toHaveLength(2);
  });

  it('gives others the status only, and the full detail with the bearer token', async () => {
    const server = await serve(new FakeSource(leaky), { trustLoopback: false, token: TOKEN });
    const anonymous = await httpRequest(`${server.url}/health`);
    expect(anonymous.body).toBe('{"status":"degraded"}');
    const wrong = await httpRequest(`${server.url}/health`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.body).toBe('{"status":"degraded"}');
    const proxied = await serve(new FakeSource(leaky));
    const viaProxy = await httpRequest(`${proxied.url}/health`, {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(viaProxy.body).toBe('{"status":"degraded"}');
    const viaNginx = await httpRequest(`${proxied.url}/health`, { headers: { 'x-real-ip': '203.0.113.9' } });
    expect(viaNginx.body).toBe('{"status":"degraded"}');
    const authorized = await httpRequest(`${server.url}/health`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = JSON.parse(authorized.body);
    expect(body.components[0].name).toBe('postgres');
    expect(authorized.body).not.toContain('secret');
    expect(authorized.body).not.toContain(TOKEN);
  });

  it('uses an injected trust predicate', async () => {
    const server = await serve(new FakeSource(leaky), { isTrusted: (req) => req.headers['x-ops'] === 'yes' });
    expect((await httpRequest(`${server.url}/health`)).body).toBe('{"status":"degraded"}');
    const ops = await httpRequest(`${server.url}/health`, { headers: { 'x-ops': 'yes' } });
    expect(JSON.parse(ops.body).components).toHaveLength(1);
  });

  it('/metrics never carries the secret either', async () => {
    const server = await serve(
      new FakeSource({ ...leaky, admission: { backend: 'postgres://u:secret@h/db', waitedMs: 5 } }),
    );
    const res = await httpRequest(`${server.url}/metrics`);
    expect(res.body).not.toContain('secret');
  });
});

describe('/metrics', () => {
  it('serves the expected series in Prometheus text format', async () => {
    const source = new FakeSource(
      snapshotOf({
        components: [
          componentOf({
            name: 'postgres',
            attempts: 3,
            breaker: 'open',
            pool: { open: 5, target: 12, max: 20 },
          }),
        ],
      }),
    );
    const server = await serve(source);
    server.handler.metrics!.observeComponentStart({
      component: 'postgres',
      phase: 'database',
      durationMs: 800,
      outcome: 'ready',
    });
    const res = await httpRequest(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const lines = res.body.split('\n');
    for (const line of [
      'phasegate_status{status="ready"} 1',
      'phasegate_availability{level="FULL"} 1',
      'phasegate_phase_duration_seconds{phase="database"} 30.94',
      'phasegate_component_attempts{component="postgres",phase="database"} 3',
      'phasegate_breaker_state{component="postgres",phase="database"} 2',
      'phasegate_pool_connections{component="postgres",phase="database",kind="open"} 5',
      'phasegate_pool_connections{component="postgres",phase="database",kind="target"} 12',
      'phasegate_admission_wait_seconds{backend="local"} 1.5',
      'phasegate_component_start_duration_seconds_count{component="postgres",phase="database",outcome="ready"} 1',
    ]) {
      expect(lines).toContain(line);
    }
  });

  it('with metrics off, a mounted handler leaves /metrics to the application', async () => {
    const health = createHealthHandler(new FakeSource(), { metrics: false });
    const app = createServer((req, res) => {
      if (health(req, res)) return;
      res.end('app metrics');
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
      expect((await httpRequest(`${base}/metrics`)).body).toBe('app metrics');
      expect((await httpRequest(`${base}/readyz`)).status).toBe(200);
    } finally {
      await new Promise((resolve) => app.close(resolve));
    }
  });

  it('is 404 on the standalone server when metrics are off', async () => {
    const server = await serve(new FakeSource(), { metrics: false });
    expect((await httpRequest(`${server.url}/metrics`)).status).toBe(404);
    expect(server.handler.metrics).toBeUndefined();
  });
});

describe('lifecycle of the server', () => {
  const handles = (): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
    return counts;
  };
  /** Let sockets closed by earlier tests be released: poll until the TCP handle counts stop changing. */
  const settle = async (): Promise<void> => {
    const deadline = performance.now() + 2_000;
    let last = '';
    while (performance.now() < deadline) {
      const now = handles();
      const key = `${now.TCPServerWrap ?? 0}/${now.TCPSocketWrap ?? 0}`;
      if (key === last) return;
      last = key;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('close() ends keep-alive connections at once, is idempotent, and leaves no handle', async () => {
    await settle();
    const before = handles();
    const server = await startHealthServer(new FakeSource(), { port: 0, host: '127.0.0.1' });
    const agent = new Agent({ keepAlive: true });
    let socket: Socket | undefined;
    const status = await new Promise<number>((resolve, reject) => {
      request(`${server.url}/readyz`, { agent }, (r) => {
        r.resume();
        r.on('end', () => resolve(r.statusCode ?? 0));
      })
        .on('socket', (s) => (socket = s))
        .on('error', reject)
        .end();
    });
    expect(status).toBe(200);
    const socketClosed = new Promise<void>((resolve) => socket!.once('close', () => resolve()));
    expect(socket!.destroyed).toBe(false);
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
    // The server ended the idle keep-alive connection itself (else it would linger for 5 s).
    await socketClosed;
    await server[Symbol.asyncDispose]();
    agent.destroy();
    await settle();
    const after = handles();
    expect(after.TCPServerWrap ?? 0).toBe(before.TCPServerWrap ?? 0);
    expect(after.TCPSocketWrap ?? 0).toBeLessThanOrEqual(before.TCPSocketWrap ?? 0);
    await expect(httpRequest(`${server.url}/livez`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a port in use is a ConfigError naming the option', async () => {
    const first = await serve(new FakeSource());
    const error = await startHealthServer(new FakeSource(), { port: first.port, host: '127.0.0.1' }).catch(
      (e: unknown) => e,
    );
    expect(isConfigError(error)).toBe(true);
    expect((error as { path: string }).path).toBe('health.port');
  });

  it('a host that does not resolve, or is not an address of this machine, is a ConfigError naming health.host', async () => {
    // Before, an unknown host was a raw getaddrinfo error and a foreign address blamed health.port.
    for (const host of ['no-such-host.invalid', '192.0.2.1']) {
      const error = await startHealthServer(new FakeSource(), { port: 0, host }).catch((e: unknown) => e);
      expect(isConfigError(error), host).toBe(true);
      expect(error, host).toMatchObject({ path: 'health.host' });
      expect(exitCodeFor(error)).toBe(78);
    }
  });

  // The handler's metrics stayed on the caller's registry after close(), and after a listen that
  // failed: starting again on that registry (another port, the next test) was a ConfigError, "the
  // registry already has a metric named phasegate_status".
  it('removes the metrics it registered on a shared registry on close() and when listen fails', async () => {
    const registry = new Registry();
    const first = await startHealthServer(new FakeSource(), {
      port: 0,
      host: '127.0.0.1',
      metrics: { registry },
    });
    const taken = await startHealthServer(new FakeSource(), {
      port: first.port,
      host: '127.0.0.1',
      metrics: { registry: new Registry() },
    }).catch((e: unknown) => e);
    expect(taken).toMatchObject({ path: 'health.port' });
    await first.close();
    expect(registry.getSingleMetric('phasegate_status')).toBeUndefined();

    const inUse = await serve(new FakeSource());
    const failed = await startHealthServer(new FakeSource(), {
      port: inUse.port,
      host: '127.0.0.1',
      metrics: { registry },
    }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ path: 'health.port' });
    expect(registry.getSingleMetric('phasegate_status')).toBeUndefined();
    const again = await serve(new FakeSource(), { metrics: { registry } });
    expect((await httpRequest(`${again.url}/metrics`)).body).toContain('phasegate_status');
  });

  it('leaves ready-made metrics it was given on their registry: they are the caller’s', async () => {
    const registry = new Registry();
    const metrics = createHealthMetrics(new FakeSource(), { registry });
    const server = await startHealthServer(new FakeSource(), { port: 0, host: '127.0.0.1', metrics });
    await server.close();
    expect(registry.getSingleMetric('phasegate_status')).toBeDefined();
    metrics.dispose();
  });

  it('reports the real port when asked for port 0', async () => {
    const server = await serve(new FakeSource());
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });
});
