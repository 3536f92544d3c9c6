import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { toDependencyError } from '../components/dependency-error.js';
import { classify } from './classify.js';
import { exitCodeFor } from './exit-codes.js';

/**
 * TLS handshakes that fail because of how the two sides are set up, made for real against a local
 * `node:tls` server with a throwaway self-signed certificate (made with the `openssl` command), so
 * the errors are the ones Node gives, not shapes written by hand.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'phasegate-tls-'));
let cert: Buffer | undefined;
let key: Buffer | undefined;
/** Another key than the certificate's. */
let otherKey: Buffer | undefined;
/** The certificate's key, encrypted with the passphrase `secret`. */
let encryptedKey: Buffer | undefined;
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
  execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-out', path.join(dir, 'other.pem')], {
    stdio: 'ignore',
  });
  execFileSync(
    'openssl',
    [
      ...['pkey', '-in', path.join(dir, 'key.pem'), '-aes256', '-passout', 'pass:secret'],
      ...['-out', path.join(dir, 'encrypted.pem')],
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(path.join(dir, 'cert.pem'));
  key = readFileSync(path.join(dir, 'key.pem'));
  otherKey = readFileSync(path.join(dir, 'other.pem'));
  encryptedKey = readFileSync(path.join(dir, 'encrypted.pem'));
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

describe.skipIf(cert === undefined)(
  'classify: TLS set up so that it cannot work is config, with a hint',
  () => {
    it.each<[string, tls.TlsOptions, tls.ConnectionOptions, string, RegExp]>([
      [
        'the server needs a client certificate (TLS 1.3)',
        { requestCert: true, rejectUnauthorized: true },
        {},
        'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
        /client certificate/,
      ],
      [
        'the server needs a client certificate (TLS 1.2: handshake failure)',
        { requestCert: true, rejectUnauthorized: true, maxVersion: 'TLSv1.2' },
        {},
        'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
        /client certificate/,
      ],
      [
        'no TLS version both sides accept',
        { minVersion: 'TLSv1.3' },
        { maxVersion: 'TLSv1.2' },
        'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
        /TLS version/,
      ],
      [
        'a certificate this process does not trust (self-signed)',
        {},
        { ca: undefined },
        'DEPTH_ZERO_SELF_SIGNED_CERT',
        /does not trust/,
      ],
      [
        'a certificate for another host name',
        {},
        { servername: 'db.example.com' },
        'ERR_TLS_CERT_ALTNAME_INVALID',
        /another host/,
      ],
    ])('%s', async (_name, server, client, code, hint) => {
      const error = await handshakeError(server, client);
      expect(error).toMatchObject({ code });
      expect(classify(error)).toBe('config');
      expect(toDependencyError('postgres', 'db:5432', error).hint).toMatch(hint);
    });

    // A client certificate or key that cannot be used fails before any handshake: `tls.connect`
    // throws (pg emits that error, ioredis rejects with it). Before, exit 1 as a bug.
    it.each<[string, () => tls.ConnectionOptions, string, RegExp]>([
      [
        'a key that is not the certificate’s',
        () => ({ cert, key: otherKey }),
        'ERR_OSSL_X509_KEY_VALUES_MISMATCH',
        /not the one of the client certificate/,
      ],
      [
        'an encrypted key without its passphrase',
        () => ({ cert, key: encryptedKey }),
        'ERR_OSSL_BAD_DECRYPT',
        /passphrase/,
      ],
      [
        'an encrypted key with a wrong passphrase',
        () => ({ cert, key: encryptedKey, passphrase: 'wrong' }),
        'ERR_OSSL_BAD_DECRYPT',
        /passphrase/,
      ],
      [
        'a certificate file that is not PEM',
        () => ({ cert: Buffer.from('not a certificate'), key }),
        'ERR_OSSL_PEM_NO_START_LINE',
        /not PEM/,
      ],
      [
        'a certificate file cut short',
        () => ({ cert: cert!.subarray(0, 300), key }),
        'ERR_OSSL_PEM_BAD_END_LINE',
        /cut short/,
      ],
    ])('the client certificate or key of the settings: %s', (_name, options, code, hint) => {
      let error: unknown;
      try {
        tls.connect({ host: '127.0.0.1', port: 9, ...options() }).destroy();
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toMatchObject({ code });
      expect(classify(error)).toBe('config');
      expect(exitCodeFor(error)).toBe(78);
      expect(toDependencyError('postgres', 'db:5432', error).hint).toMatch(hint);
    });

    it('TLS to a port that does not speak it', async () => {
      const sockets = new Set<net.Socket>();
      const plain = net.createServer((socket) => {
        sockets.add(socket);
        socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      });
      await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = plain.address() as AddressInfo;
        const error = await new Promise((resolve) => {
          tls.connect({ host: '127.0.0.1', port, ca: cert }).on('error', resolve);
        });
        expect(error).toMatchObject({ code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
        expect(classify(error)).toBe('config');
        expect(toDependencyError('http', 'https://127.0.0.1/', error).hint).toMatch(/does not speak TLS/);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => plain.close(resolve));
      }
    });
  },
);
