/**
 * A warning that can repeat at a high rate (one per message posted while Redis is down) logged at
 * most once per interval, with the count of the occurrences it stands for.
 */

import { systemClock, type Clock, type Logger } from '../../src/index.js';

/** Options of {@link repeatedWarning}. */
export interface RepeatedWarningOptions {
  /** The log line's `event` field. */
  readonly event: string;
  /** The log line's message. */
  readonly message: string;
  /** Least time between two lines, in ms. @default 10000 */
  readonly intervalMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/**
 * A function to call on each occurrence with its error. The first occurrence is logged at once; later
 * ones are counted, and the first one after `intervalMs` is logged with `occurrences` (how many
 * this line stands for, itself included, since the previous line). No timer: occurrences after the
 * last line are only counted until the next one.
 *
 * @example
 * ```ts
 * const warnPublishFailed = repeatedWarning(logger, {
 *   event: 'chat.fanout-publish-failed',
 *   message: 'could not publish a message to Redis',
 * });
 * client.publish(channel, payload).catch(warnPublishFailed);
 * ```
 */
export function repeatedWarning(logger: Logger, options: RepeatedWarningOptions): (error: unknown) => void {
  const { event, message, intervalMs = 10_000, clock = systemClock } = options;
  let lastLineAt = -Infinity;
  let occurrences = 0;
  return (error) => {
    occurrences++;
    const now = clock.now();
    if (now - lastLineAt < intervalMs) return;
    logger.warn({ event, err: error, occurrences }, message);
    lastLineAt = now;
    occurrences = 0;
  };
}
