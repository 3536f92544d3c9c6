/** The chat backend's self-check: `GET /livez` on its own server, as a client would reach it. */

import { get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Where the self-check reaches `server`: the address it is bound to (HOST), or the loopback when it
 * is bound to every interface. A server bound to one address (HOST=10.0.0.5, or ::1) does not answer
 * on 127.0.0.1.
 */
function selfCheckHost({ address }: AddressInfo): string {
  return address === '::' || address === '0.0.0.0' ? '127.0.0.1' : address;
}

/** `GET /livez` on `server`; resolves on 200, rejects otherwise (or with the abort reason). */
export function selfCheckHttp(server: Server, signal: AbortSignal): Promise<void> {
  const bound = server.address() as AddressInfo;
  const { port } = bound;
  return new Promise<void>((resolve, reject) => {
    const request = get({ host: selfCheckHost(bound), port, path: '/livez', signal, agent: false }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`self-check: GET /livez answered ${res.statusCode ?? '?'}`));
    });
    request.on('error', (error) => reject(signal.aborted ? (signal.reason as unknown) : error));
  });
}
