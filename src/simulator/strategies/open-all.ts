/**
 * Warming a whole pool at once, as the incident's service did: open every connection in parallel,
 * and fail the attempt on the first error.
 */

import { abortReason } from '../../index.js';
import type { OpenClient, OpenTicket, SimConnectionOpener } from '../infra.js';
import type { SimConnection } from '../sim-connection.js';

/**
 * Open `count` connections in parallel. On the first failure the others are cancelled, whatever did
 * open is closed, and the first error is thrown, so a failed attempt holds nothing. An abort of
 * `signal` cancels them all and rejects with its reason.
 *
 * The attempts go through the endpoint's callback opener ({@link SimConnectionOpener}): one object
 * for the whole batch instead of a promise, a handler pair and an abort listener per connection
 * (a storm makes about a million of them).
 *
 * @example
 * ```ts
 * const connections = await openAll(instance.open, 50, context.signal);
 * ```
 */
export function openAll(
  open: SimConnectionOpener,
  count: number,
  signal: AbortSignal,
): Promise<SimConnection[]> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => new OpenBatch(count, signal, resolve, reject).start(open));
}

/** The attempts of one {@link openAll}, and how they ended so far. */
class OpenBatch implements OpenClient {
  private readonly tickets: OpenTicket[] = [];
  private readonly connections: SimConnection[] = [];
  private pending: number;
  private failure: { readonly error: unknown } | undefined = undefined;
  private done = false;
  private readonly onAbort = (): void => this.fail(abortReason(this.signal));

  constructor(
    count: number,
    private readonly signal: AbortSignal,
    private readonly resolve: (connections: SimConnection[]) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.pending = count;
  }

  start(open: SimConnectionOpener): void {
    this.signal.addEventListener('abort', this.onAbort, { once: true });
    const count = this.pending;
    let started = 0;
    for (; started < count && this.failure === undefined; started++) this.tickets.push(open(this));
    // Attempts never started (an earlier one failed at once, which cancelled the rest) will not report.
    this.pending -= count - started;
    if (this.pending === 0) this.finish();
  }

  opened(connection: SimConnection): void {
    if (this.failure) void connection.end();
    else this.connections.push(connection);
    this.settled();
  }

  failed(error: unknown): void {
    this.fail(error);
    this.settled();
  }

  private fail(error: unknown): void {
    if (this.failure) return;
    this.failure = { error };
    this.cancelAll(error);
  }

  private cancelAll(error: unknown): void {
    // Each cancel calls `failed` at once (which only counts it, the failure being set).
    for (const ticket of this.tickets) ticket.cancel(error);
  }

  private settled(): void {
    if (--this.pending === 0) this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.signal.removeEventListener('abort', this.onAbort);
    if (this.failure === undefined) {
      this.resolve(this.connections);
      return;
    }
    for (const connection of this.connections) void connection.end();
    this.reject(this.failure.error);
  }
}
