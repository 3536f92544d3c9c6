/**
 * mountServer's listen errors over real sockets: each names the setting to fix.
 */
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/errors/config-error.js';
import { exitCodeFor } from '../../src/errors/exit-codes.js';
import { createHealthHandler } from '../../src/health/handler.js';
import { mountServer } from '../../src/lifecycle/http-mount.js';
import { FakeSource } from './health-fixtures.js';

async function listenError(port: number, host: string): Promise<unknown> {
  const health = createHealthHandler(new FakeSource(), { metrics: false });
  return mountServer(health, { port, host }).then(
    () => new Error('expected mountServer to fail'),
    (error: unknown) => error,
  );
}

describe('mountServer listen errors', () => {
  it('a port in use is a ConfigError naming port', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const error = await listenError((taken.address() as AddressInfo).port, '127.0.0.1');
      expect(isConfigError(error)).toBe(true);
      expect(error).toMatchObject({ path: 'port' });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('a host that is not an address of this machine, or does not resolve, is a ConfigError naming host', async () => {
    // Before, an address of another machine (EADDRNOTAVAIL) was blamed on the port.
    for (const host of ['192.0.2.1', 'no-such-host.invalid']) {
      const error = await listenError(0, host);
      expect(isConfigError(error), host).toBe(true);
      expect(error, host).toMatchObject({ path: 'host' });
      expect(exitCodeFor(error)).toBe(78);
    }
  });
});
