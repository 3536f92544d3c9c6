/**
 * The cache phase: Redis, optional and degradable. The chat backend uses it to fan messages out
 * across instances (Redis pub/sub), so a WebSocket client connected to one instance sees messages
 * posted to any other. Without Redis each instance broadcasts only its own messages.
 */

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Emitter } from '../../src/index.js';
import type { Logger } from '../../src/index.js';
import type { Message } from './chat-service.js';
import { repeatedWarning } from './repeated-warning.js';

/** The pub/sub channel messages travel on. */
export const CHANNEL = 'chat-backend:messages';

/** Cross-instance fan-out of new messages. */
export interface MessageCache {
  /** Share a message this instance stored with every other instance (best effort). */
  publish(message: Message): void;
  /** Stop listening (the client itself belongs to the Redis component). */
  close(): Promise<void>;
}

interface Envelope {
  readonly origin: string;
  readonly message: Message;
}

function isEnvelope(value: unknown): value is Envelope {
  const v = value as Partial<Envelope> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.origin === 'string' &&
    typeof v.message?.id === 'number' &&
    typeof v.message.text === 'string' &&
    typeof v.message.createdAt === 'string'
  );
}

/**
 * Subscribe to {@link CHANNEL} on a duplicate of `client` (a subscribed connection can do nothing
 * else) and emit, on `remote`, every message another instance published.
 */
export async function startFanout(
  client: Redis,
  options: { readonly instance: string; readonly remote: Emitter<Message>; readonly logger: Logger },
): Promise<MessageCache> {
  const { remote, logger } = options;
  // The name alone does not tell instances apart: the default, chat-backend-<pid>, is the same in
  // every container that starts the service as the same pid, and instances would drop each other's
  // messages as their own.
  const origin = `${options.instance}/${randomUUID()}`;
  // Like the component's client once started, the subscriber reconnects by itself; unlike it, it
  // keeps an offline queue and resubscribes, so the fan-out survives a Redis restart.
  const subscriber = client.duplicate({
    lazyConnect: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  subscriber.on('error', (error: unknown) =>
    logger.debug({ event: 'chat.fanout-error', err: error }, 'fan-out subscriber error'),
  );
  subscriber.on('message', (_channel: string, payload: string) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return;
    }
    if (isEnvelope(parsed) && parsed.origin !== origin) remote.emit(parsed.message);
  });
  try {
    await subscriber.connect();
    await subscriber.subscribe(CHANNEL);
  } catch (error) {
    subscriber.disconnect();
    throw error;
  }
  // While Redis is down every message posted fails to publish: one line per 10 s, not per message.
  const warnPublishFailed = repeatedWarning(logger, {
    event: 'chat.fanout-publish-failed',
    message: 'could not publish a message to Redis',
  });
  return {
    publish(message) {
      const envelope: Envelope = { origin, message };
      client.publish(CHANNEL, JSON.stringify(envelope)).catch(warnPublishFailed);
    },
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
