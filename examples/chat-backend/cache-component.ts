/** The chat backend's Redis component: the cross-instance fan-out (see plan.ts). */

import type { Redis } from 'ioredis';
import { redisComponent } from '../../src/index.js';
import type { ComponentSpec, Emitter, Logger } from '../../src/index.js';
import { startFanout, type MessageCache } from './cache.js';
import type { Message } from './chat-service.js';
import type { ChatConfig } from './config.js';
import type { ChatRuntime } from './plan.js';

/**
 * The Redis component: optional (the chat works without it) and degradable (graceful mode keeps
 * trying in the background). Its handle is the cross-instance fan-out.
 */
export function cacheComponent(
  config: ChatConfig,
  runtime: ChatRuntime,
  remote: Emitter<Message>,
  logger: Logger,
): ComponentSpec<MessageCache> {
  const redis = redisComponent({ name: 'redis', url: config.redisUrl!, critical: false, degradable: true });
  const handles = new WeakMap<MessageCache, Redis>();
  return {
    ...redis,
    start: async (ctx) => {
      const client = await redis.start(ctx);
      try {
        runtime.cache = await startFanout(client, { instance: config.instance, remote, logger });
      } catch (error) {
        await redis.stop?.(client, ctx);
        throw error;
      }
      handles.set(runtime.cache, client);
      return runtime.cache;
    },
    check: (cache, ctx) => redis.check?.(handles.get(cache)!, ctx),
    stop: async (cache, ctx) => {
      if (runtime.cache === cache) runtime.cache = undefined;
      await cache.close();
      await redis.stop?.(handles.get(cache)!, ctx);
    },
  };
}
