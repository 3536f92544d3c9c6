/**
 * What the WebSocket broadcast sends: every stored message once and in id order, whatever order (and
 * however often) this instance hears of them.
 *
 * An instance hears of its own messages as soon as they are stored, of other instances' ones later
 * through Redis, and of those Redis lost (an outage) never. Sent as they came, id 12 (posted here)
 * could go out before 11 (posted elsewhere, stored first), and a client cut off in between would
 * catch up with `GET /messages?after=12` past 11 for good. Messages commit in id order
 * (`MESSAGE_ORDER_LOCK`, see `ChatService.post`): once message N is stored, every smaller id is
 * stored or never will be, so one read of the ids between the last one sent and N finds every
 * message in between. No waiting for a gap to fill (a gap may be an id that never commits), and no
 * second sequence: the lock already makes the id the commit order. A message heard of again is not
 * sent again.
 */

import { systemClock, type CancelTimer, type Clock } from '../../src/index.js';
import type { ChatService, Message } from './chat-service.js';

/** A read of the feed did not answer within {@link MessageFeedOptions.readTimeoutMs}. */
export class FeedReadTimeoutError extends Error {
  readonly code = 'CHAT_FEED_READ_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`the database did not answer within ${timeoutMs} ms`);
  }
}

/** A running {@link startMessageFeed}. */
export interface MessageFeed {
  /** Resolves once the feed knows where it starts (or that it cannot know yet). */
  readonly started: Promise<void>;
  /** `message` is stored (here or elsewhere): send it, after any smaller id not sent yet. */
  heard(message: Message): void;
  /** Resolves when everything heard so far is sent (or could not be read). */
  settled(): Promise<void>;
  /** Send nothing more. */
  close(): void;
}

/** How {@link startMessageFeed} reads what it missed. */
export interface MessageFeedOptions {
  /**
   * Called when the messages before one heard of could not be read (the database is down), on each
   * try. They and that message are read again after {@link MessageFeedOptions.retryDelayMs}, or with
   * the next message heard of if that comes first.
   */
  readonly onReadError?: (error: unknown) => void;
  /**
   * How long after a failed catch-up it is tried again, on the clock, without waiting for another
   * message (a quiet chat may not get one). Doubles with each failure in a row, up to
   * {@link MessageFeedOptions.maxRetryDelayMs}; one timer at most, cancelled by `close()`.
   *
   * @default 1_000
   */
  readonly retryDelayMs?: number;
  /** The longest wait between two tries of a failed catch-up. @default 30_000 */
  readonly maxRetryDelayMs?: number;
  /** Messages read at a time when catching up. @default 500 */
  readonly pageSize?: number;
  /**
   * How long a read may take before the feed goes on without it (a read that fails), so that a
   * database that stopped answering does not hold up every message after it, nor the clients
   * waiting to connect until the feed has started.
   *
   * @default 5_000
   */
  readonly readTimeoutMs?: number;
  /** Clock of the read timeout and the retry delay. @default systemClock */
  readonly clock?: Clock;
}

/**
 * Send, through `send`, every message stored after the feed starts, in id order and once, given
 * each one `heard` at least once (a later one heard stands for those before it).
 *
 * The feed starts at the last id stored. When the database cannot say (graceful mode, started
 * without it, or it does not answer in time), it starts before the first message heard of: one with
 * a smaller id heard of later is not sent (it was stored before anything this instance sent).
 */
export function startMessageFeed(
  chat: Pick<ChatService, 'lastId' | 'list'>,
  send: (message: Message) => void,
  options: MessageFeedOptions = {},
): MessageFeed {
  const {
    onReadError,
    pageSize = 500,
    readTimeoutMs = 5_000,
    retryDelayMs = 1_000,
    maxRetryDelayMs = 30_000,
    clock = systemClock,
  } = options;
  /** `read`, or a {@link FeedReadTimeoutError} after `readTimeoutMs` (its answer is then dropped). */
  const bounded = <T>(read: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const cancel = clock.timer(readTimeoutMs, () => reject(new FeedReadTimeoutError(readTimeoutMs)));
      read.then(resolve, reject).finally(cancel);
    });
  /** The last id sent, or up to which no client is owed anything. */
  let position: number | undefined;
  let closed = false;
  const started = bounded(chat.lastId()).then(
    (id) => {
      position = id;
    },
    () => undefined,
  );
  // One catch-up at a time: each starts where the one before left off.
  let queue = started;
  /** The highest message whose catch-up failed and is not sent yet: the retry stands for it. */
  let owed: Message | undefined;
  let retryDelay = retryDelayMs;
  let cancelRetry: CancelTimer | undefined;

  const deliver = (message: Message): void => {
    position = message.id;
    send(message);
  };
  const catchUp = async (message: Message): Promise<void> => {
    position ??= message.id - 1;
    if (closed || message.id <= position) return;
    if (message.id === position + 1) return deliver(message);
    // Read rather than trust the announcement: ids are read from `position` on, stored ones only.
    for (;;) {
      const page = await bounded(chat.list(position, pageSize));
      if (closed) return;
      for (const stored of page) deliver(stored);
      if (page.length < pageSize || position >= message.id) return;
    }
  };

  /** After a failed catch-up: try `message` again later, unless a retry is already waiting. */
  const retryLater = (message: Message): void => {
    if (owed === undefined || message.id > owed.id) owed = message;
    if (cancelRetry !== undefined) return;
    const delay = retryDelay;
    retryDelay = Math.min(retryDelay * 2, maxRetryDelayMs);
    cancelRetry = clock.timer(delay, () => {
      cancelRetry = undefined;
      const again = owed;
      owed = undefined;
      if (again !== undefined && !closed) hear(again);
    });
  };
  /** After a catch-up that succeeded: what was owed and is sent now needs no retry. */
  const caughtUp = (): void => {
    retryDelay = retryDelayMs;
    if (owed !== undefined && position !== undefined && owed.id > position) return;
    owed = undefined;
    cancelRetry?.();
    cancelRetry = undefined;
  };
  const hear = (message: Message): void => {
    queue = queue
      .then(() => catchUp(message))
      .then(caughtUp, (error: unknown) => {
        // After close a failed read is the pool closing at shutdown, not something to report.
        if (closed) return;
        retryLater(message);
        onReadError?.(error);
      })
      .catch(() => undefined); // a throwing onReadError must not stop every catch-up after it
  };

  return {
    started,
    heard: hear,
    settled: () => queue,
    close() {
      closed = true;
      cancelRetry?.();
      cancelRetry = undefined;
    },
  };
}
