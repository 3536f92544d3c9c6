import { Redis } from 'ioredis';

/** The message a Redis test fails with when no Redis answers. */
export function redisHelp(url: string, problem: string): string {
  return (
    `No Redis answered at ${url} (${problem}). Install redis-server (Debian: \`apt-get install -y redis-server\`) ` +
    'and the tests start one, or start one yourself (`docker run -d -p 6379:6379 redis:7`), or point REDIS_URL ' +
    'at a running server. (.ci/run installs it.)'
  );
}

/** PING `url` once; null when it answered, else what went wrong. */
export async function probeRedis(url: string, timeoutMs = 2_000): Promise<string | null> {
  const client = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: timeoutMs,
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => (lastError = error));
  try {
    await client.connect();
    await client.ping();
    return null;
  } catch (error) {
    return (lastError ?? (error as Error)).message;
  } finally {
    client.disconnect();
  }
}
