import { inject } from 'vitest';
import './context.js';
import { redisHelp } from './redis-probe.js';

export { probeRedis, redisHelp } from './redis-probe.js';

/**
 * The run's Redis URL. Throws with instructions when global-setup found no Redis answering, so
 * each Redis test fails with a message saying how to start one.
 */
export function requireRedis(): string {
  const url = inject('redisUrl');
  const problem = inject('redisProblem');
  if (problem !== null) throw new Error(redisHelp(url, problem));
  return url;
}
