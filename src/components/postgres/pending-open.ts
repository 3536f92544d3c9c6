import { abortReason } from '../../common/abort-reason.js';
import type { CancelTimer, Clock } from '../../common/clock.js';
import { AttemptTimeoutError } from '../../errors/attempt-timeout-error.js';
import { endQuietly, type ConnectionFactory, type PgConnection } from './connection.js';

/** Close a connection nobody will use, ignoring how that goes (a throwing `end()` included). */
export function closeQuietly(connection: PgConnection): void {
  void endQuietly(connection);
}

const noop = (): void => undefined;

/** The pool's side of its opens (internal). */
export interface OpenHost {
  /** Take a verified connection. Throws (the pool was stopped) when it cannot; the open then fails. */
  adopt(connection: PgConnection): void;
  /** The open settled, whichever way; called before its promise settles. */
  settled(open: PendingOpen): void;
}

/**
 * One connection a pool is opening (internal): the factory's call and the `SELECT 1` that verifies
 * the connection, bounded by a timeout, the caller's signal, and the pool, which calls
 * {@link PendingOpen.abort} when it closes.
 *
 * It owns the one `AbortController` the factory sees. Rather than linking signals and racing
 * promises against them, it listens on the caller's signal itself (as an `EventListenerObject`, no
 * closure), hands the connection to its {@link OpenHost}, and settles its promise directly: an open
 * costs one controller, one listener and one promise. Cut short, it aborts the factory's signal
 * with the reason and rejects with it at once. A connection that arrives after that, or whose
 * `SELECT 1` fails, is closed: a failed open leaves nothing open.
 */
export class PendingOpen {
  /** Resolves once the host has the verified connection; rejects with the error or abort reason. */
  readonly promise: Promise<void>;
  private readonly controller = new AbortController();
  private resolve!: () => void;
  private reject!: (error: unknown) => void;
  private cancelTimer: CancelTimer = noop;
  private connection: PgConnection | undefined;
  private settled = false;

  constructor(
    private readonly host: OpenHost,
    private readonly outer: AbortSignal | undefined,
  ) {
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Start the timeout and call `factory`. `outer` must not be aborted yet. */
  start(factory: ConnectionFactory, clock: Clock, timeoutMs: number): void {
    this.cancelTimer = clock.timer(timeoutMs, () => this.abort(new AttemptTimeoutError(timeoutMs)));
    this.outer?.addEventListener('abort', this);
    let connecting: Promise<PgConnection>;
    try {
      connecting = factory(this.controller.signal);
    } catch (error) {
      connecting = Promise.reject(error);
    }
    connecting.then(
      (connection) => this.connected(connection),
      (error: unknown) => this.fail(error),
    );
  }

  /** The caller's signal aborted (`EventListenerObject`). @internal */
  handleEvent(): void {
    this.abort(abortReason(this.outer!));
  }

  /** Cut the open short: abort the factory's signal with `reason` and reject with it. */
  abort(reason: unknown): void {
    if (this.settled) return;
    this.finish();
    this.controller.abort(reason);
    this.reject(reason);
  }

  private connected(connection: PgConnection): void {
    if (this.settled) {
      closeQuietly(connection);
      return;
    }
    this.connection = connection;
    let verifying: Promise<unknown>;
    try {
      verifying = connection.query('SELECT 1');
    } catch (error) {
      verifying = Promise.reject(error);
    }
    verifying.then(
      () => this.verified(connection),
      (error: unknown) => this.fail(error),
    );
  }

  private verified(connection: PgConnection): void {
    if (this.settled) return;
    try {
      this.host.adopt(connection);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.finish(true);
    this.resolve();
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.finish();
    this.reject(error);
  }

  /** Settled: no timer, no listener, a connection not handed over closed, and the host told. */
  private finish(handedOver = false): void {
    this.settled = true;
    this.cancelTimer();
    this.outer?.removeEventListener('abort', this);
    if (!handedOver && this.connection) closeQuietly(this.connection);
    this.host.settled(this);
  }
}
