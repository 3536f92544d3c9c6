import net from 'node:net';
import type { Clock } from '../common/clock.js';
import { settlesWithin } from '../common/settles-within.js';

/**
 * How long {@link redisRefusal} waits for the server's first bytes. A server that refuses a client
 * writes its refusal as it accepts the connection; one that accepts writes nothing, and is waited
 * for this long.
 */
export const REFUSAL_WAIT_MS = 500;

/**
 * The error reply in a server's first bytes, if they are one (`-DENIED ...\r\n`), as an `Error` whose
 * message is the reply's first sentence, without the leading `-`. The rest of a DENIED reply lists
 * the fixes, which the hint gives in short.
 */
function refusalIn(firstBytes: string): Error | undefined {
  if (!firstBytes.startsWith('-')) return undefined;
  const line = firstBytes.slice(1).split(/\r?\n/, 1)[0]!;
  const end = line.indexOf('. ');
  return new Error(end === -1 ? line : line.slice(0, end + 1));
}

/**
 * What a Redis server says, unasked, to a new connection before closing it, read on a connection
 * of our own that writes nothing: the reply with which it refuses clients as it accepts them, or
 * `undefined` when it says nothing within {@link REFUSAL_WAIT_MS} (or `signal` aborts, or the
 * connection fails).
 *
 * A server in protected mode (`protected-mode yes`, no password for the default user) answers a
 * client that is not on its loopback interface with `-DENIED Redis is running in protected mode
 * ...` and closes, as one at `maxclients` does with `-ERR max number of clients reached`. ioredis
 * cannot report either: it writes `CLIENT SETINFO` as soon as it connects, whose error it drops,
 * and on a fast link that write, or the next, draws the closed socket's reset, which ends the
 * connection before the reply is read. The start attempt then saw only "Connection is closed" or
 * `EPIPE` (transient, retried until the deadline). This connection writes nothing, so it reads
 * the reply.
 *
 * Plain TCP only: the caller does not ask over TLS (this connection would need the client's TLS
 * settings) nor on a Unix socket (protected mode accepts those).
 */
export async function redisRefusal(
  host: string,
  port: number,
  clock: Clock,
  signal: AbortSignal,
): Promise<Error | undefined> {
  const socket = net.connect({ host, port });
  let refusal: Error | undefined;
  const said = new Promise<void>((resolve) => {
    socket.once('data', (chunk: Buffer) => {
      refusal = refusalIn(chunk.toString());
      resolve();
    });
    socket.once('close', () => resolve());
  });
  socket.on('error', () => undefined);
  const onAbort = (): void => void socket.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await settlesWithin(clock, REFUSAL_WAIT_MS, said);
    return refusal;
  } finally {
    signal.removeEventListener('abort', onAbort);
    socket.destroy();
  }
}
