import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from './classify.js';

/**
 * A DNS server on 127.0.0.1 that answers every query with an empty answer and the response code
 * `rcode` (5: REFUSED, 0: NOERROR, which for a name with no record of the type is NODATA), so the
 * errors below are the ones Node's resolver really makes, not shapes written by hand.
 */
let rcode = 0;
const server = dgram.createSocket('udp4');
server.on('message', (query, from) => {
  const reply = Buffer.from(query);
  reply[2] = 0x81; // a response, recursion desired
  reply[3] = 0x80 | rcode; // recursion available, the response code
  reply.writeUInt16BE(0, 6); // no answer, authority or additional records
  reply.writeUInt16BE(0, 8);
  reply.writeUInt16BE(0, 10);
  server.send(reply, from.port, from.address);
});
const resolver = new Resolver({ timeout: 2_000, tries: 1 });

beforeAll(async () => {
  await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
  resolver.setServers([`127.0.0.1:${server.address().port}`]);
});
afterAll(() => server.close());

async function resolveError(code: number): Promise<unknown> {
  rcode = code;
  return resolver.resolveSrv('_postgresql._tcp.db.internal').then(
    () => expect.fail('resolved'),
    (error: unknown) => error,
  );
}

describe('classify: DNS errors from dns.resolve*', () => {
  it('EREFUSED (the server refused the query) is transient', async () => {
    const error = await resolveError(5);
    expect(error).toMatchObject({ code: 'EREFUSED' });
    expect(classify(error)).toBe('transient');
  });

  it('ENODATA (no record of the type asked) is transient', async () => {
    const error = await resolveError(0);
    expect(error).toMatchObject({ code: 'ENODATA', hostname: '_postgresql._tcp.db.internal' });
    expect(classify(error)).toBe('transient');
  });
});
