import { endQuietly, type PgConnection } from './connection.js';
import type { PoolLease, PoolSession } from './pool-types.js';

/** One connection of a pool (internal). */
export interface Entry {
  readonly connection: PgConnection;
  /** It died, or a query on it failed at the connection level: close it when it comes back. */
  broken: boolean;
  /** Lent out. */
  busy: boolean;
  /**
   * Statements of the pool's own session ({@link sessionOf}) that wait for the borrower to give the
   * connection back, so that they never run inside a borrower's transaction.
   */
  afterRelease?: Array<{ readonly run: () => void; readonly fail: (error: unknown) => void }>;
  /** Aborted once the connection is broken or closed; made by the first {@link sessionOf}. */
  closed?: AbortController;
  /** Statements of the pool's own session sent on the connection and not answered yet. */
  sessionInFlight?: number;
}

/** How a borrower's round trip on a connection went: told to the pool for its health check. */
export type RoundTripOutcome = (ok: boolean) => void;

/** Mark `entry` broken: it is closed when it comes back, and its session is over now. */
export function markEntryBroken(entry: Entry, error?: unknown): void {
  entry.broken = true;
  entry.closed?.abort(error ?? sessionClosed()); // a no-op once aborted: the first reason stays
}

/**
 * Close `entry`'s connection (never throws or rejects, even when a user's connection's `end()`
 * does), telling its session's `closed` signal first.
 */
export function closeEntry(entry: Entry): Promise<void> {
  entry.closed?.abort(sessionClosed());
  return endQuietly(entry.connection);
}

function sessionClosed(): Error {
  return Object.assign(new Error('the connection was closed'), { code: 'ECONNRESET' });
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** A statement error keeps the connection; anything else (socket, 08xxx, admin shutdown) drops it. */
export function breaksConnection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return !(typeof code === 'string' && SQLSTATE.test(code) && !/^(08|57P0)/.test(code));
}

/**
 * Lend `entry` out. A query that fails at the connection level marks it broken; the first
 * `release` (with `destroy`, it is marked broken too) calls `onRelease` once. `onRoundTrip` hears
 * `true` for each query answered (a statement error is an answer too) and `false` for each
 * connection-level failure or destroying release.
 */
export function leaseOf(entry: Entry, onRelease: () => void, onRoundTrip: RoundTripOutcome): PoolLease {
  let released = false;
  return {
    connection: entry.connection,
    query: async (text, values) => {
      let result;
      try {
        result = await entry.connection.query(text, values);
      } catch (error) {
        const broken = breaksConnection(error);
        if (broken) markEntryBroken(entry, error);
        onRoundTrip(!broken);
        throw error;
      }
      onRoundTrip(true);
      return result;
    },
    release: (destroy = false) => {
      if (released) return;
      released = true;
      entry.busy = false;
      if (destroy) {
        markEntryBroken(entry);
        onRoundTrip(false);
      }
      onRelease();
    },
  };
}

/**
 * `entry`'s connection as a session for the pool's own statements (admission's advisory locks): a
 * statement is sent at once while nobody has the connection borrowed, else when the borrower gives it
 * back ({@link settleAfterRelease}), before anyone else can borrow it. The connection serialises
 * statements, so none lands inside a borrower's transaction (where a failed one would refuse it
 * with 25P02). `end()` does nothing: the pool owns the connection. `closed` aborts once the
 * connection is broken or closed (a session lock on it is then gone).
 */
export function sessionOf(entry: Entry, close: () => void): PoolSession {
  const send = (text: string, values?: readonly unknown[]): ReturnType<PgConnection['query']> => {
    entry.sessionInFlight = (entry.sessionInFlight ?? 0) + 1;
    const answered = (): void => {
      entry.sessionInFlight = (entry.sessionInFlight ?? 1) - 1;
    };
    let sent: ReturnType<PgConnection['query']>;
    try {
      sent = entry.connection.query(text, values);
    } catch (error) {
      sent = Promise.reject(error);
    }
    void sent.then(answered, answered); // on the side: the caller's promise is the connection's own
    return sent;
  };
  return {
    closed: (entry.closed ??= new AbortController()).signal,
    query: (text, values) => {
      if (!entry.busy) return send(text, values);
      return new Promise((resolve, reject) => {
        (entry.afterRelease ??= []).push({
          run: () => void send(text, values).then(resolve, reject),
          fail: reject,
        });
      });
    },
    end: () => Promise.resolve(),
    closeIfUnanswered: () => {
      if ((entry.sessionInFlight ?? 0) === 0 || entry.closed?.signal.aborted === true) return false;
      markEntryBroken(entry, sessionUnanswered());
      close();
      return true;
    },
  };
}

function sessionUnanswered(): Error {
  return Object.assign(new Error('a statement of the pool session went unanswered'), { code: 'ETIMEDOUT' });
}

/** Send the statements that waited for `entry` to come back, or fail them with `error`. */
export function settleAfterRelease(entry: Entry, error?: unknown): void {
  const waiting = entry.afterRelease;
  if (waiting === undefined || waiting.length === 0) return;
  entry.afterRelease = undefined;
  for (const statement of waiting) {
    if (error === undefined) statement.run();
    else statement.fail(error);
  }
}
