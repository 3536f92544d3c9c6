import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { REFUSAL_WAIT_MS, redisRefusal } from './redis-refusal.js';

const servers: net.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** A server that greets each connection with `greeting` (and closes), or says nothing. */
async function serverSaying(greeting: string | undefined): Promise<number> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    if (greeting !== undefined) socket.end(greeting);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('redisRefusal', () => {
  it("reads the refusal a server writes as it accepts, up to the first sentence's end", async () => {
    const port = await serverSaying(
      '-DENIED Redis is running in protected mode because protected mode is enabled. In this mode ...\r\n',
    );
    const refusal = await redisRefusal('127.0.0.1', port, new FakeClock(), new AbortController().signal);
    expect(refusal?.message).toBe(
      'DENIED Redis is running in protected mode because protected mode is enabled.',
    );
  });

  it('keeps a one-sentence reply whole (maxclients)', async () => {
    const port = await serverSaying('-ERR max number of clients reached\r\n');
    const refusal = await redisRefusal('127.0.0.1', port, new FakeClock(), new AbortController().signal);
    expect(refusal?.message).toBe('ERR max number of clients reached');
  });

  it('is undefined for a server that closes without a word', async () => {
    const port = await serverSaying('');
    expect(
      await redisRefusal('127.0.0.1', port, new FakeClock(), new AbortController().signal),
    ).toBeUndefined();
  });

  it('waits at most REFUSAL_WAIT_MS on its clock for a server that says nothing, then gives up', async () => {
    const port = await serverSaying(undefined);
    const clock = new FakeClock();
    let settled = false;
    const asking = redisRefusal('127.0.0.1', port, clock, new AbortController().signal).finally(() => {
      settled = true;
    });
    await clock.advance(REFUSAL_WAIT_MS - 1);
    expect(settled).toBe(false);
    await clock.advance(1);
    expect(await asking).toBeUndefined();
  });

  it('gives up at once when its signal aborts', async () => {
    const port = await serverSaying(undefined);
    const attempt = new AbortController();
    const asking = redisRefusal('127.0.0.1', port, new FakeClock(), attempt.signal);
    attempt.abort(new Error('attempt timed out'));
    expect(await asking).toBeUndefined();
  });
});
