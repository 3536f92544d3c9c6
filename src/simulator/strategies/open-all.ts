/**
 * Warming a whole pool at once, as the incident's service did: open every connection in parallel,
 * and fail the attempt on the first error.
 */

import { setMaxListeners } from 'node:events';
import { abortReason } from '../../index.js';
import type { SimConnectionFactory } from '../infra.js';
import type { SimConnection } from '../sim-connection.js';

/**
 * Open `count` connections in parallel. On the first failure the others are aborted, whatever did
 * open is closed, and the first error is thrown, so a failed attempt holds nothing.
 *
 * @example
 * ```ts
 * const connections = await openAll(instance.connect, 50, context.signal);
 * ```
 */
export async function openAll(
  connect: SimConnectionFactory,
  count: number,
  signal: AbortSignal,
): Promise<SimConnection[]> {
  if (signal.aborted) throw abortReason(signal);
  const controller = new AbortController();
  // Every connection attempt listens on this one signal.
  setMaxListeners(0, controller.signal);
  const onAbort = (): void => controller.abort(abortReason(signal));
  signal.addEventListener('abort', onAbort, { once: true });
  const opened: SimConnection[] = [];
  let failure: { error: unknown } | undefined;
  // Two handlers for all the attempts (not two per attempt): a storm has hundreds of thousands.
  const onOpened = (connection: SimConnection): void => {
    if (failure) void connection.end();
    else opened.push(connection);
  };
  const onFailed = (error: unknown): void => {
    if (failure) return;
    failure = { error };
    controller.abort(error);
  };
  const attempts: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) attempts.push(connect(controller.signal).then(onOpened, onFailed));
  await Promise.all(attempts);
  signal.removeEventListener('abort', onAbort);
  if (failure) {
    for (const connection of opened) void connection.end();
    throw failure.error;
  }
  return opened;
}
