import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { httpComponent } from './http.js';
import { describePostgresTarget } from './postgres/connection.js';
import { resolvePostgresOptions } from './postgres/options.js';
import { describeRedisTarget, redisComponent } from './redis.js';
import { tcpComponent } from './tcp.js';

function configPath(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (isConfigError(error)) return error.path;
    throw error;
  }
  return undefined;
}

describe('component options are validated up front', () => {
  it('postgres', () => {
    expect(configPath(() => resolvePostgresOptions({}))).toBe('postgres.connection');
    const connection = 'postgres://app@db/app';
    expect(configPath(() => resolvePostgresOptions({ connection, max: 0 }))).toBe('postgres.max');
    expect(configPath(() => resolvePostgresOptions({ connection, max: 2, minReady: 3 }))).toBe(
      'postgres.minReady',
    );
    expect(configPath(() => resolvePostgresOptions({ connection, maxConcurrentOpens: 1.5 }))).toBe(
      'postgres.maxConcurrentOpens',
    );
    expect(
      configPath(() => resolvePostgresOptions({ connection, growthBackoffMs: 50, growthBackoffCapMs: 10 })),
    ).toBe('postgres.growthBackoffMs');
    expect(resolvePostgresOptions({ connection })).toMatchObject({
      max: 10,
      minReady: 1,
      maxConcurrentOpens: 2,
      expectedInstances: 1,
      readLiveLimits: true,
      target: 'app@db:5432/app',
    });
  });

  it('redis, tcp and http', () => {
    expect(configPath(() => redisComponent({}))).toBe('redis.url');
    expect(configPath(() => redisComponent({ url: 'redis://x', quitTimeoutMs: -1 }))).toBe(
      'redis.quitTimeoutMs',
    );
    expect(configPath(() => redisComponent({ url: 'redis://x', reconnect: true as never }))).toBe(
      'redis.reconnect',
    );
    // ioredis's own timer would fire after 1 ms: refused, not a connect that never waits.
    expect(configPath(() => redisComponent({ url: 'redis://x', connectTimeoutMs: 2 ** 31 }))).toBe(
      'redis.connectTimeoutMs',
    );
    expect(() => redisComponent({ url: 'redis://x', connectTimeoutMs: 2 ** 31 - 1 })).not.toThrow();
    expect(configPath(() => tcpComponent({ host: 'h', port: 0 }))).toBe('tcp.port');
    expect(configPath(() => httpComponent({ url: 'not a url' }))).toBe('http.url');
    expect(configPath(() => httpComponent({ url: 'ftp://x/' }))).toBe('http.url');
    expect(configPath(() => httpComponent({ url: 'http://x/', expectStatus: [] }))).toBe('http.expectStatus');
    expect(configPath(() => httpComponent({ url: 'http://x/', expectStatus: 42 }))).toBe('http.expectStatus');
    expect(configPath(() => httpComponent({ url: 'http://x/', headers: { 'bad name': 'v' } }))).toBe(
      'http.headers["bad name"]',
    );
  });

  it('tcp: a URL given as the host is a ConfigError that never shows its password', () => {
    let caught: unknown;
    try {
      tcpComponent({ host: 'postgres://app:hunter2@db.internal', port: 5432 });
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught)).toBe(true);
    expect(caught).toMatchObject({ path: 'tcp.host' });
    expect(`${(caught as Error).message} ${JSON.stringify(caught)}`).not.toContain('hunter2');
    // Names and addresses, IPv6 included, are fine.
    for (const host of ['db.internal', '10.0.0.7', '::1', 'fe80::1%eth0']) {
      expect(tcpComponent({ host, port: 5432 }).name).toBe(`tcp:${host}:5432`);
    }
  });

  it('http: a header value fetch cannot send is a ConfigError that never shows the value', () => {
    // A token read from a file or an environment variable with a line break inside it.
    const headers = { Authorization: 'Bearer s3cr3t-t0ken\nrest' };
    let caught: unknown;
    try {
      httpComponent({ url: 'http://x/', headers });
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught)).toBe(true);
    expect(caught).toMatchObject({ path: 'http.headers["Authorization"]' });
    expect(`${(caught as Error).message} ${JSON.stringify(caught)}`).not.toContain('s3cr3t');
    expect((caught as { cause?: unknown }).cause).toBeUndefined();
  });
});

describe('describePostgresTarget', () => {
  it('names user, host, port and database, never the password', () => {
    expect(describePostgresTarget('postgres://app:hunter2@db.internal:6432/orders')).toBe(
      'app@db.internal:6432/orders',
    );
    expect(describePostgresTarget({ host: 'db', user: 'app', password: 'hunter2', database: 'x' })).toBe(
      'app@db:5432/x',
    );
    expect(describePostgresTarget('::nonsense::')).not.toContain('nonsense');
  });

  it('names the socket directory of a URL with an empty host, as pg reads it', () => {
    expect(describePostgresTarget('postgres://app:hunter2@/orders?host=/run/postgresql')).toBe(
      'app@/run/postgresql:5432/orders',
    );
    expect(describePostgresTarget('postgres:///orders?host=/tmp&port=5433')).toBe('/tmp:5433/orders');
  });
});

describe('describeRedisTarget', () => {
  it('names host, port and db, never the user or password', () => {
    expect(describeRedisTarget({ url: 'redis://app:hunter2@cache.internal:6380/2' })).toBe(
      'cache.internal:6380/2',
    );
    expect(describeRedisTarget({ options: { host: 'cache', password: 'hunter2' } })).toBe('cache:6379/0');
  });

  it('names the host ioredis falls back to (localhost) when the URL or options give none', () => {
    expect(describeRedisTarget({ url: 'redis://' })).toBe('localhost:6379/0');
    expect(describeRedisTarget({ url: 'redis:///3' })).toBe('localhost:6379/3');
    expect(describeRedisTarget({ url: 'rediss://' })).toBe('rediss://localhost:6379/0');
    expect(describeRedisTarget({ options: { port: 6380, password: 'hunter2' } })).toBe('localhost:6380/0');
    expect(describeRedisTarget({ url: 'redis://', options: { host: 'cache' } })).toBe('cache:6379/0');
  });

  it('keeps the rediss scheme, so an error shows that TLS was used', () => {
    const target = describeRedisTarget({ url: 'rediss://app:hunter2@cache.internal:6380/2' });
    expect(target).toBe('rediss://cache.internal:6380/2');
    expect(describeRedisTarget({ url: 'REDISS://cache.internal' })).toBe('rediss://cache.internal:6379/0');
    expect(describeRedisTarget({ options: { host: 'cache', tls: {}, password: 'hunter2' } })).toBe(
      'rediss://cache:6379/0',
    );
  });
});
