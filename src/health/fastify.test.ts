import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { exitCodeFor } from '../errors/exit-codes.js';
import { phasegateHealthPlugin, type FastifyLikeInstance } from './fastify.js';
import { createHealthHandler } from './handler.js';
import { HealthPaths } from './states.js';
import { readySnapshot } from './test-fixtures.js';

const snapshot = readySnapshot;

/** Register the plugin on a stand-in instance; returns the routes and what `done` was given. */
function register(options: Parameters<typeof phasegateHealthPlugin>[1]): {
  urls: string[];
  error: Error | undefined;
} {
  const urls: string[] = [];
  const instance: FastifyLikeInstance = { route: ({ url }) => urls.push(url) };
  let error: Error | undefined;
  let calls = 0;
  phasegateHealthPlugin(instance, options, (e) => {
    calls++;
    error = e;
  });
  expect(calls).toBe(1);
  return { urls, error };
}

describe('phasegateHealthPlugin', () => {
  it('registers the fixed health paths from a source', () => {
    const { urls, error } = register({ source: { snapshot: () => snapshot } });
    expect(error).toBeUndefined();
    expect(urls.sort()).toEqual(Object.values(HealthPaths).sort());
  });

  it('registers no /metrics route when metrics are off (the handler would leave it unanswered)', () => {
    const { urls, error } = register({ source: { snapshot: () => snapshot }, metrics: false });
    expect(error).toBeUndefined();
    expect(urls.sort()).toEqual(
      Object.values(HealthPaths)
        .filter((p) => p !== HealthPaths.METRICS)
        .sort(),
    );
  });

  it('fails registration with a ConfigError (exit 78) when neither health nor source is given', () => {
    const { urls, error } = register({});
    expect(urls).toEqual([]);
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'PG_ERR_CONFIG',
      classification: 'config',
      path: 'phasegateHealthPlugin options',
    });
    expect(error?.message).toMatch(/pass `health` \(from createHealthHandler\) or `source`/);
    expect(exitCodeFor(error)).toBe(78);
  });

  it('fails registration with a ConfigError naming `health` when it is not a handler', () => {
    // Before, `{ health: {} }` registered the routes and every request then hung (hijacked, unanswered).
    const { urls, error } = register({ health: {} as never });
    expect(urls).toEqual([]);
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ path: 'phasegateHealthPlugin options.health' });
    expect(error?.message).toMatch(/createHealthHandler/);
  });

  it('fails registration with a ConfigError naming `source` when it has no snapshot() method', () => {
    const { urls, error } = register({ source: snapshot as never });
    expect(urls).toEqual([]);
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ path: 'phasegateHealthPlugin options.source' });
  });

  it('fails registration when a health option is given next to `health`, where it would be ignored', () => {
    const health = createHealthHandler({ snapshot: () => snapshot }, { metrics: false });
    const { urls, error } = register({ health, degradedIsReady: true });
    expect(urls).toEqual([]);
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ path: 'phasegateHealthPlugin options.degradedIsReady' });
    expect(error?.message).toMatch(/pass degradedIsReady to createHealthHandler/);
  });

  // The plugin's own checks named `phasegateHealthPlugin options.source`, but the handler it makes
  // from `source` named its options `health.degradedIsReady`, an option the caller never wrote.
  it.each([
    ['degradedIsReady', { degradedIsReady: 'yes' }],
    ['token', { token: '' }],
    ['live', { live: true }],
    ['metrics', { metrics: 'on' }],
    ['metrics.prefix', { metrics: { prefix: 'not a prefix' } }],
  ])('names an invalid health option %s as the plugin option the caller gave', (path, bad) => {
    const { urls, error } = register({ source: { snapshot: () => snapshot }, ...bad } as never);
    expect(urls).toEqual([]);
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ path: `phasegateHealthPlugin options.${path}` });
  });

  it('hands only the health options to the handler it makes: Fastify register options are not typos', () => {
    const options = {
      source: { snapshot: () => snapshot },
      prefix: '/api',
      logLevel: 'warn',
      metrics: false,
    };
    expect(register(options as never).error).toBeUndefined();
  });

  it('answers other methods on a health path with 405 and Allow, as the server and Express do', async () => {
    // Before, the plugin routed only GET and HEAD, so Fastify answered POST /readyz with its own 404.
    const app = Fastify();
    app.post('/messages', async () => ({ ok: true }));
    await app.register(phasegateHealthPlugin, { source: { snapshot: () => snapshot } });
    try {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const) {
        const reply = await app.inject({ method, url: '/readyz' });
        expect([method, reply.statusCode, reply.headers.allow]).toEqual([method, 405, 'GET, HEAD']);
      }
      const post = await app.inject({ method: 'POST', url: '/metrics' });
      expect([post.statusCode, post.headers.allow, post.body]).toEqual([
        405,
        'GET, HEAD',
        'method not allowed\n',
      ]);
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      // Other paths stay the app's.
      expect((await app.inject({ method: 'POST', url: '/messages' })).json()).toEqual({ ok: true });
      expect((await app.inject({ method: 'POST', url: '/unknown' })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('answers 404 itself for a variant of a health path on an instance whose reply has no callNotFound', () => {
    let route: Parameters<FastifyLikeInstance['route']>[0] | undefined;
    const instance: FastifyLikeInstance = { route: (r) => (route ??= r) };
    phasegateHealthPlugin(instance, { source: { snapshot: () => snapshot } }, () => undefined);
    const written: unknown[] = [];
    const raw = {
      headersSent: false,
      destroyed: false,
      writeHead: (status: number) => written.push(status),
      end: (body?: string) => written.push(body),
    };
    let hijacked = false;
    route!.handler(
      { raw: { url: '/readyz/?x=1', method: 'GET', headers: {}, socket: {} } as never },
      { raw: raw as never, hijack: () => (hijacked = true) },
    );
    expect([hijacked, ...written]).toEqual([true, 404, 'not found\n']);
  });

  it('with metrics off, leaves every method of /metrics to the app', async () => {
    const app = Fastify();
    await app.register(phasegateHealthPlugin, { source: { snapshot: () => snapshot }, metrics: false });
    app.post('/metrics', async () => 'app metrics');
    try {
      expect((await app.inject({ method: 'POST', url: '/metrics' })).body).toBe('app metrics');
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      expect((await app.inject({ method: 'POST', url: '/livez' })).statusCode).toBe(405);
    } finally {
      await app.close();
    }
  });

  // The metrics the plugin made from `source` stayed on the registry after app.close(): a new app
  // registering the plugin on that registry (the next test, a restart) failed, "the registry
  // already has a metric named phasegate_status".
  it('removes the metrics it made from their registry when the app closes', async () => {
    const registry = new Registry();
    const first = Fastify();
    await first.register(phasegateHealthPlugin, {
      source: { snapshot: () => snapshot },
      metrics: { registry },
    });
    await first.ready();
    expect(registry.getSingleMetric('phasegate_status')).toBeDefined();
    await first.close();
    expect(registry.getSingleMetric('phasegate_status')).toBeUndefined();
    const second = Fastify();
    try {
      await second.register(phasegateHealthPlugin, {
        source: { snapshot: () => snapshot },
        metrics: { registry },
      });
      expect((await second.inject({ method: 'GET', url: '/metrics' })).body).toContain('phasegate_status');
    } finally {
      await second.close();
    }
  });

  it('leaves the metrics of a handler it was given alone: the handler is the caller’s', async () => {
    const registry = new Registry();
    const health = createHealthHandler({ snapshot: () => snapshot }, { metrics: { registry } });
    const app = Fastify();
    await app.register(phasegateHealthPlugin, { health });
    await app.close();
    expect(registry.getSingleMetric('phasegate_status')).toBeDefined();
    health.metrics!.dispose();
  });
});
