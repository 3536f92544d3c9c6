import type { PgConnection } from './connection.js';
import type { PoolLease } from './pool-types.js';

/** One connection of a pool (internal). */
export interface Entry {
  readonly connection: PgConnection;
  /** It died, or a query on it failed at the connection level: close it when it comes back. */
  broken: boolean;
  /** Lent out. */
  busy: boolean;
}

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** A statement error keeps the connection; anything else (socket, 08xxx, admin shutdown) drops it. */
export function breaksConnection(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return !(typeof code === 'string' && SQLSTATE.test(code) && !/^(08|57P0)/.test(code));
}

/**
 * Lend `entry` out. A query that fails at the connection level marks it broken; the first
 * `release` (with `destroy`, it is marked broken too) calls `onRelease` once.
 */
export function leaseOf(entry: Entry, onRelease: () => void): PoolLease {
  let released = false;
  return {
    connection: entry.connection,
    query: async (text, values) => {
      try {
        return await entry.connection.query(text, values);
      } catch (error) {
        if (breaksConnection(error)) entry.broken = true;
        throw error;
      }
    },
    release: (destroy = false) => {
      if (released) return;
      released = true;
      entry.busy = false;
      if (destroy) entry.broken = true;
      onRelease();
    },
  };
}
