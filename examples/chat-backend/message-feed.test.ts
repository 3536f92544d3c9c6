import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/testing/index.js';
import type { Message } from './chat-service.js';
import { startMessageFeed } from './message-feed.js';

const message = (id: number): Message => ({ id, text: `m${id}`, createdAt: new Date(0).toISOString() });

/** A chat service over `stored` (ids in order); `down` makes every read fail. */
function fakeChat(stored: number[], options: { lastId?: number | Error } = {}) {
  const state = { down: false, reads: 0 };
  return {
    state,
    chat: {
      lastId: async () => {
        if (options.lastId instanceof Error) throw options.lastId;
        return options.lastId ?? 0;
      },
      list: async (after: number, limit: number) => {
        state.reads++;
        if (state.down) throw new Error('database down');
        return stored
          .filter((id) => id > after)
          .slice(0, limit)
          .map(message);
      },
    },
  };
}

describe('startMessageFeed', () => {
  it('sends the next id as heard, without a read; ids heard twice or below the start once or never', async () => {
    const { chat, state } = fakeChat([1, 2, 3], { lastId: 1 });
    const sent: number[] = [];
    const feed = startMessageFeed(chat, (m) => sent.push(m.id));
    for (const id of [1, 2, 2, 3, 1]) feed.heard(message(id));
    await feed.settled();
    expect(sent).toEqual([2, 3]);
    expect(state.reads).toBe(0);
  });

  it('reads the ids it missed, page by page, before the one heard of', async () => {
    const { chat } = fakeChat([1, 2, 3, 4, 5, 6, 7]);
    const sent: number[] = [];
    const feed = startMessageFeed(chat, (m) => sent.push(m.id), { pageSize: 2 });
    feed.heard(message(7));
    feed.heard(message(3)); // its announcement came late
    await feed.settled();
    expect(sent).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('sends nothing for an announced id that is not stored (a bogus payload) and stays in place', async () => {
    const { chat } = fakeChat([1, 2]);
    const sent: number[] = [];
    const feed = startMessageFeed(chat, (m) => sent.push(m.id));
    feed.heard(message(1_000));
    feed.heard(message(2));
    await feed.settled();
    expect(sent).toEqual([1, 2]);
  });

  it('when a read fails, sends what it missed with the next message heard of', async () => {
    const { chat, state } = fakeChat([1, 2, 3]);
    const sent: number[] = [];
    const errors: unknown[] = [];
    const feed = startMessageFeed(chat, (m) => sent.push(m.id), { onReadError: (e) => errors.push(e) });
    state.down = true;
    feed.heard(message(2));
    await feed.settled();
    expect(sent).toEqual([]);
    expect(errors).toHaveLength(1);
    state.down = false;
    feed.heard(message(3));
    await feed.settled();
    expect(sent).toEqual([1, 2, 3]);
  });

  it('without the database at its start, starts before the first message heard of', async () => {
    const { chat } = fakeChat([1, 2, 3, 4], { lastId: new Error('database down') });
    const sent: number[] = [];
    const feed = startMessageFeed(chat, (m) => sent.push(m.id));
    await feed.started;
    feed.heard(message(3));
    feed.heard(message(2));
    feed.heard(message(4));
    await feed.settled();
    expect(sent).toEqual([3, 4]);
  });

  it('sends nothing after close', async () => {
    const { chat } = fakeChat([1, 2]);
    const sent: number[] = [];
    const feed = startMessageFeed(chat, (m) => sent.push(m.id));
    feed.heard(message(2));
    feed.close();
    await feed.settled();
    expect(sent).toEqual([]);
  });

  it('does not report a read that fails after close (the pool closing at shutdown)', async () => {
    let fail: (error: Error) => void = () => undefined;
    const chat = {
      lastId: async () => 0,
      list: () => new Promise<Message[]>((_resolve, reject) => (fail = reject)),
    };
    const errors: unknown[] = [];
    const feed = startMessageFeed(chat, () => undefined, { onReadError: (e) => errors.push(e) });
    feed.heard(message(2));
    await feed.started;
    await new Promise((resolve) => setImmediate(resolve)); // the read is in flight
    feed.close();
    fail(new Error('pool closed'));
    await feed.settled();
    expect(errors).toEqual([]);
  });

  it('gives up on a read that does not answer in time (a blackholed database) and goes on without it', async () => {
    const clock = new FakeClock();
    const hang = () => new Promise<never>(() => undefined);
    const stored = [1, 2, 3, 4];
    let answering = false;
    const chat = {
      lastId: hang,
      list: async (after: number) => (answering ? stored.filter((id) => id > after).map(message) : hang()),
    };
    const sent: number[] = [];
    const errors: unknown[] = [];
    const feed = startMessageFeed(chat, (m) => sent.push(m.id), {
      clock,
      readTimeoutMs: 5_000,
      onReadError: (e) => errors.push(e),
    });
    feed.heard(message(2)); // the start position is never read: the feed starts before 2
    await clock.advance(5_000);
    await feed.settled();
    expect(sent).toEqual([2]);

    feed.heard(message(4)); // 3 is missed, and its read hangs
    await clock.advance(5_000);
    await feed.settled();
    expect(errors).toEqual([expect.objectContaining({ code: 'CHAT_FEED_READ_TIMEOUT' })]);
    answering = true;
    feed.heard(message(4));
    await feed.settled();
    expect(sent).toEqual([2, 3, 4]);
  });
});

describe('startMessageFeed retry', () => {
  it('sends what a failed catch-up missed once the database answers, without another message', async () => {
    const clock = new FakeClock();
    const { chat, state } = fakeChat([1, 2, 3]);
    const sent: number[] = [];
    const errors: unknown[] = [];
    const feed = startMessageFeed(chat, (m) => sent.push(m.id), {
      clock,
      retryDelayMs: 1_000,
      maxRetryDelayMs: 4_000,
      onReadError: (e) => errors.push(e),
    });
    await feed.started;
    state.down = true;
    feed.heard(message(3));
    await feed.settled();
    expect(errors).toHaveLength(1);
    // Down still: tried again after 1 s, then 2 s, then 4 s (the cap), 4 s...
    for (const [delay, failures] of [
      [1_000, 2],
      [2_000, 3],
      [4_000, 4],
      [4_000, 5],
    ] as const) {
      await clock.advance(delay - 1);
      await feed.settled();
      expect(errors).toHaveLength(failures - 1);
      await clock.advance(1);
      await feed.settled();
      expect(errors).toHaveLength(failures);
    }
    expect(sent).toEqual([]);
    state.down = false; // a quiet chat: nothing more is heard of
    await clock.advance(4_000);
    await feed.settled();
    expect(sent).toEqual([1, 2, 3]);
    expect(clock.pending).toBe(0);
  });

  it('a message heard of before the retry sends everything and cancels it; close cancels it too', async () => {
    const clock = new FakeClock();
    const { chat, state } = fakeChat([1, 2, 3]);
    const sent: number[] = [];
    const feed = startMessageFeed(chat, (m) => sent.push(m.id), { clock, retryDelayMs: 1_000 });
    await feed.started;
    state.down = true;
    feed.heard(message(2));
    await feed.settled();
    expect(clock.pending).toBe(1);
    state.down = false;
    feed.heard(message(3));
    await feed.settled();
    expect(sent).toEqual([1, 2, 3]);
    expect(clock.pending).toBe(0);

    state.down = true;
    feed.heard(message(5)); // 4 missed, and the read fails
    await feed.settled();
    expect(clock.pending).toBe(1);
    feed.close();
    expect(clock.pending).toBe(0);
    const reads = state.reads;
    await clock.advance(60_000);
    expect(state.reads).toBe(reads);
  });
});
