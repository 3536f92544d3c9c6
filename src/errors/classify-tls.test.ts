import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { toDependencyError } from '../components/dependency-error.js';
import { classify } from './classify.js';

/**
 * TLS handshakes that fail because of how the two sides are set up, made for real against a local
 * `node:tls` server with a throwaway self-signed certificate (made with the `openssl` command), so
 * the errors are the ones Node gives, not shapes written by hand.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'phasegate-tls-'));
let cert: Buffer | undefined;
let key: Buffer | undefined;
try {
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'],
      ...['-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
      ...['-addext', 'subjectAltName=IP:127.0.0.1'],
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(path.join(dir, 'cert.pem'));
  key = readFileSync(path.join(dir, 'key.pem'));
} catch {
  // No openssl on this machine: the tests below are skipped.
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The error of a client handshake (trusting the server's certificate) with a server set up so. */
async function handshakeError(server: tls.TlsOptions, client: tls.ConnectionOptions): Promise<unknown> {
  const tlsServer = tls.createServer({ key, cert, ...server }, (socket) => socket.end('hello'));
  tlsServer.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = tlsServer.address() as AddressInfo;
    return await new Promise((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca: cert, ...client });
      socket.on('error', resolve);
      socket.on('data', () => undefined);
      socket.on('end', () => resolve(undefined));
    });
  } finally {
    await new Promise((resolve) => tlsServer.close(resolve));
  }
}

describe.skipIf(cert === undefined)('classify: TLS set up so that it cannot work is config', () => {
  it.each<[string, tls.TlsOptions, tls.ConnectionOptions, string]>([
    [
      'the server needs a client certificate (TLS 1.3)',
      { requestCert: true, rejectUnauthorized: true },
      {},
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    ],
    [
      'the server needs a client certificate (TLS 1.2: handshake failure)',
      { requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' },
      {},
      'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
    ],
    [
      'no TLS version both sides accept',
      { minVersion: 'TLSv1.3' },
      { maxVersion: 'TLSv1.2' },
      'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
    ],
  ])('%s', async (_name, server, client, code) => {
    const error = await handshakeError(server, client);
    expect(error).toMatchObject({ code });
    expect(classify(error)).toBe('config');
    expect(toDependencyError('postgres', 'db:5432', error).hint).toMatch(/TLS/);
  });
});
