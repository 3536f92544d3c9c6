/**
 * Noticing that the session an advisory lock lives on has ended (internal to the Postgres backend):
 * the lock ended with it, so the lease holding it is lost.
 */

/** The part of an EventEmitter (a `pg.Client`) the watch uses. */
interface Emitting {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

function isEmitting(value: unknown): value is Emitting {
  const candidate = value as Partial<Emitting> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.on === 'function' &&
    typeof candidate.removeListener === 'function'
  );
}

function closedOf(session: unknown): AbortSignal | undefined {
  const closed = (session as { closed?: unknown } | null)?.closed;
  return closed instanceof AbortSignal ? closed : undefined;
}

const sessionEnded = (): Error => Object.assign(new Error('the connection ended'), { code: 'ECONNRESET' });

/**
 * Call `onEnded` once when the session ends: when `closedSignal` aborts (the pool's own signal for its
 * first connection; without it, the session's own `closed` signal, as a `PoolSession` has), or
 * else, for a session that emits events (a `pg.Client`), on its `end` or `error` event. A session
 * with none of these is not watched. Calls `onEnded` at once when the signal has already aborted.
 * @returns A function that stops watching (removes every listener); safe to call more than once.
 */
export function watchSession(
  session: unknown,
  closedSignal: AbortSignal | undefined,
  onEnded: (cause: unknown) => void,
): () => void {
  const closed = closedSignal ?? closedOf(session);
  let watching = true;
  const fire = (cause: unknown): void => {
    if (!watching) return;
    stop();
    onEnded(cause);
  };
  let stop = (): void => {
    watching = false;
  };
  if (closed) {
    if (closed.aborted) {
      fire(closed.reason);
      return stop;
    }
    const onAbort = (): void => fire(closed.reason);
    closed.addEventListener('abort', onAbort, { once: true });
    stop = () => {
      watching = false;
      closed.removeEventListener('abort', onAbort);
    };
  } else if (isEmitting(session)) {
    const onEnd = (): void => fire(sessionEnded());
    const onError = (error: unknown): void => fire(error);
    session.on('end', onEnd);
    session.on('error', onError);
    stop = () => {
      watching = false;
      session.removeListener('end', onEnd);
      session.removeListener('error', onError);
    };
  }
  return () => stop();
}
