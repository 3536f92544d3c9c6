/**
 * The Redis client a {@link RedisAdmission} opens from a `url`, and how its failures are reported.
 *
 * ioredis's defaults suit a cache, not an admission wait: every command waits in an offline queue
 * through 20 reconnect attempts, so a Redis that is down looked like "no slot free" until the
 * deadline; each failed reconnect printed `[ioredis] Unhandled error event` to stderr; and `quit()`
 * on a client that never connected left it reconnecting forever, keeping the process alive.
 */
import type * as IORedis from 'ioredis';
import type { Redis } from 'ioredis';
import { lazyModule } from '../common/lazy-module.js';
import { redactUrl } from '../common/redact.js';
import { toDependencyError, type DependencyError } from '../components/dependency-error.js';
import { parseUrlOption } from '../common/url-option.js';

const ioredis = lazyModule<typeof IORedis>('ioredis');

/**
 * Check a Redis URL without ever echoing its password: it must parse and use `redis:` or `rediss:`
 * (ioredis reads anything else, even `''`, as a socket path or the default `127.0.0.1:6379`).
 * @returns where it points, redacted (`redis://:***@host:6379`), for error messages.
 * @throws ConfigError at `admission.url`.
 */
export function checkRedisUrl(url: unknown): string {
  parseUrlOption(
    'admission.url',
    url,
    ['redis:', 'rediss:'],
    'use redis://[user:password@]host:6379[/db] or rediss://...',
  );
  return redactUrl(url as string); // a string: parseUrlOption checked it
}

/** A client made by {@link openAdmissionClient}, with what it last failed on. */
export interface AdmissionClient {
  readonly redis: Redis;
  /** A failed command as a `DependencyError` naming Redis, the redacted URL and the real cause. */
  failure(error: unknown): DependencyError;
  /** Quit when connected; otherwise stop reconnecting at once. Never rejects. */
  close(): Promise<void>;
  /** Drop the connection at once and stop reconnecting; commands still waiting fail. */
  disconnect(): void;
}

/**
 * Open (lazily) a client for `url` whose commands fail after one failed reconnect instead of
 * queueing, whose connection errors are kept for {@link AdmissionClient.failure} rather than
 * printed, and which {@link AdmissionClient.close} really stops.
 */
export function openAdmissionClient(url: string, target: string): AdmissionClient {
  const redis = new (ioredis().Redis)(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  let lastError: unknown;
  redis.on('error', (error: unknown) => {
    lastError = error;
  });
  redis.on('ready', () => {
    lastError = undefined;
  });
  return {
    redis,
    failure: (error) => {
      // "Reached the max retries per request limit" says less than the refused connection behind it.
      const name = (error as { name?: unknown } | null)?.name;
      const cause = name === 'MaxRetriesPerRequestError' && lastError !== undefined ? lastError : error;
      return toDependencyError('redis', target, cause);
    },
    close: async () => {
      if (redis.status === 'ready') {
        await redis.quit().catch(() => undefined);
      }
      redis.disconnect();
    },
    disconnect: () => redis.disconnect(),
  };
}
