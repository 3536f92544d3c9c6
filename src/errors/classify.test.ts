import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classify, createClassifier } from './classify.js';
import { AttemptTimeoutError } from './attempt-timeout-error.js';
import { BreakerOpenError } from './breaker-open-error.js';
import { ConfigError } from './config-error.js';
import { DeadlineExceededError } from './deadline-exceeded-error.js';
import { exitCodeFor } from './exit-codes.js';
import type { ErrorClass } from './classification.js';
import { isRetryableClass } from './classification.js';
import { deniedSocketError } from './test-fixtures.js';

const withCode = (code: string, message = 'boom'): Error => Object.assign(new Error(message), { code });
/** An error shaped as `dns.resolve*` gives it. */
const dnsError = (code: string, syscall: string, hostname: string): Error =>
  Object.assign(new Error(`${syscall} ${code} ${hostname}`), { code, syscall, hostname });

describe('classify', () => {
  const table: Array<[string, unknown, ErrorClass]> = [
    ['ECONNREFUSED', withCode('ECONNREFUSED'), 'transient'],
    ['ECONNRESET', withCode('ECONNRESET'), 'transient'],
    ['ETIMEDOUT', withCode('ETIMEDOUT'), 'transient'],
    ['EHOSTUNREACH', withCode('EHOSTUNREACH'), 'transient'],
    // NXDOMAIN at a cold start is often a name not there yet (a pod not ready behind a headless
    // service, a Compose container not started): retried within the budget. EAI_AGAIN: no answer.
    ['ENOTFOUND', withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND db.internal'), 'transient'],
    ['EAI_AGAIN', withCode('EAI_AGAIN', 'getaddrinfo EAI_AGAIN db.internal'), 'transient'],
    // Resolver trouble (dns.resolve*: ESERVFAIL, ETIMEOUT; getaddrinfo: EAI_FAIL), not a bug.
    ['ESERVFAIL', withCode('ESERVFAIL', 'querySrv ESERVFAIL _pg._tcp.db.internal'), 'transient'],
    ['ETIMEOUT (DNS)', withCode('ETIMEOUT', 'queryA ETIMEOUT db.internal'), 'transient'],
    ['EAI_FAIL', withCode('EAI_FAIL', 'getaddrinfo EAI_FAIL db.internal'), 'transient'],
    // dns.resolve*: the DNS server refused the query (EREFUSED), or the name has no record of the
    // type asked (ENODATA: no SRV record yet for a service whose pods are not ready). ENODATA is
    // also an errno ("No data available"): only a DNS query's (it names the host) is transient.
    ['EREFUSED', dnsError('EREFUSED', 'querySrv', '_pg._tcp.db.internal'), 'transient'],
    ['ENODATA (DNS)', dnsError('ENODATA', 'queryA', 'db.internal'), 'transient'],
    ['ENODATA (not DNS)', withCode('ENODATA', 'ENODATA: no data available'), 'internal'],
    // undici (fetch): the connect, the response headers or the body took longer than its timeouts.
    ['UND_ERR_CONNECT_TIMEOUT', withCode('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'), 'transient'],
    ['UND_ERR_HEADERS_TIMEOUT', withCode('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'), 'transient'],
    ['UND_ERR_BODY_TIMEOUT', withCode('UND_ERR_BODY_TIMEOUT', 'Body Timeout Error'), 'transient'],
    ['EMFILE', withCode('EMFILE'), 'capacity'],
    ['ERR_INVALID_URL', withCode('ERR_INVALID_URL'), 'config'],
    ['53300 too_many_connections', withCode('53300'), 'capacity'],
    ['57P03 cannot_connect_now', withCode('57P03'), 'capacity'],
    ['53200 out_of_memory (class 53)', withCode('53200'), 'capacity'],
    ['08006 connection_failure (class 08)', withCode('08006'), 'transient'],
    ['57P01 admin_shutdown', withCode('57P01'), 'transient'],
    ['40001 serialization_failure', withCode('40001'), 'transient'],
    ['28P01 invalid_password', withCode('28P01'), 'permanent'],
    ['28000 invalid_authorization', withCode('28000'), 'permanent'],
    ['3D000 unknown database', withCode('3D000'), 'permanent'],
    ['42601 syntax error is our bug', withCode('42601'), 'internal'],
    // Exact codes that override their class: 42 is our bug, but these a person must fix.
    ['42501 insufficient_privilege', withCode('42501'), 'permanent'],
    ['42P01 undefined_table', withCode('42P01'), 'permanent'],
    ['3F000 invalid_schema_name', withCode('3F000'), 'permanent'],
    ['57P02 crash_shutdown', withCode('57P02'), 'transient'],
    ['57P05 idle_session_timeout', withCode('57P05'), 'transient'],
    ['57P04 database_dropped', withCode('57P04'), 'permanent'],
    // A TCP connect a local firewall refuses (netfilter OUTPUT DROP): a person changes the rule.
    [
      'connect EPERM (firewall)',
      Object.assign(withCode('EPERM', 'connect EPERM 10.0.0.5:5432'), {
        syscall: 'connect',
        address: '10.0.0.5',
        port: 5432,
      }),
      'permanent',
    ],
    [
      'EPERM of a file the settings name',
      Object.assign(withCode('EPERM'), { syscall: 'open', path: '/k' }),
      'config',
    ],
    ['40P01 deadlock_detected', withCode('40P01'), 'transient'],
    ['55P03 lock_not_available', withCode('55P03'), 'transient'],
    ['57014 query_canceled', withCode('57014'), 'transient'],
    ['EADDRNOTAVAIL', withCode('EADDRNOTAVAIL'), 'capacity'],
    ['CERT_HAS_EXPIRED', withCode('CERT_HAS_EXPIRED'), 'config'],
    // A private CA this process does not trust, and https: to a plain port: a person fixes these.
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', withCode('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), 'config'],
    ['CERT_NOT_YET_VALID', withCode('CERT_NOT_YET_VALID'), 'config'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', withCode('ERR_SSL_WRONG_VERSION_NUMBER'), 'config'],
    // A file the settings name (sslrootcert=/nonexistent, a key file) that cannot be read: a person
    // fixes the path or the file's permissions; waiting does not help.
    [
      'missing file (sslrootcert)',
      Object.assign(withCode('ENOENT', "ENOENT: no such file or directory, open '/nonexistent'"), {
        syscall: 'open',
        path: '/nonexistent',
      }),
      'config',
    ],
    [
      'unreadable file',
      Object.assign(withCode('EACCES'), { syscall: 'open', path: '/etc/ssl/private/key.pem' }),
      'config',
    ],
    ['file is a directory', Object.assign(withCode('EISDIR'), { syscall: 'read', path: '/etc' }), 'config'],
    ['pg message without code', new Error('sorry, too many clients already'), 'capacity'],
    ['pg starting up message', new Error('the database system is starting up'), 'capacity'],
    ['pg terminated', new Error('Connection terminated unexpectedly'), 'transient'],
    ['pg query_timeout', new Error('Query read timeout'), 'transient'],
    [
      'pg query on a connection that failed',
      new Error('Client has encountered a connection error and is not queryable'),
      'transient',
    ],
    [
      'pg reserved slots',
      new Error('remaining connection slots are reserved for non-replication superuser connections'),
      'capacity',
    ],
    ['pg bad password message', new Error('password authentication failed for user "app"'), 'permanent'],
    [
      'pg: the server asks for a password the settings do not give',
      new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'),
      'config',
    ],
    [
      'pg sslmode=require, server without TLS',
      new Error('The server does not support SSL connections'),
      'config',
    ],
    [
      'redis url pointing at a server that is not Redis',
      new Error('Protocol error, got "H" as reply type byte. Please report this.'),
      'config',
    ],
    ['redis NOAUTH', new Error('NOAUTH Authentication required.'), 'permanent'],
    ['redis WRONGPASS', new Error('WRONGPASS invalid username-password pair'), 'permanent'],
    ['redis < 6, wrong password', new Error('ERR invalid password'), 'permanent'],
    [
      'redis NOPERM (the ACL does not allow the command)',
      new Error("NOPERM this user has no permissions to run the 'ping' command"),
      'permanent',
    ],
    [
      'redis DENIED (protected mode refuses a client not on the loopback interface)',
      new Error(
        'DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user.',
      ),
      'permanent',
    ],
    ['redis LOADING', new Error('LOADING Redis is loading the dataset in memory'), 'capacity'],
    ['redis max clients', new Error('ERR max number of clients reached'), 'capacity'],
    ['redis BUSY', new Error('BUSY Redis is busy running a script'), 'capacity'],
    ['redis READONLY', new Error("READONLY You can't write against a read only replica."), 'transient'],
    [
      'redis WRONGTYPE (the admission key holds a value of another type: our key setting)',
      new Error(
        'WRONGTYPE Operation against a key holding the wrong kind of value script: 7ee8, on @user_script:11.',
      ),
      'config',
    ],
    [
      'redis OOM (maxmemory reached: the server is full)',
      new Error("OOM command not allowed when used memory > 'maxmemory'."),
      'capacity',
    ],
    ['redis closed', new Error('Connection is closed.'), 'transient'],
    ['ioredis commandTimeout', new Error('Command timed out'), 'transient'],
    [
      'ioredis MaxRetriesPerRequestError',
      Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' }),
      'transient',
    ],
    ['DOM TimeoutError', Object.assign(new Error('x'), { name: 'TimeoutError' }), 'transient'],
    ['AggregateError uses its first error', new AggregateError([withCode('ECONNREFUSED')]), 'transient'],
    ['our attempt timeout', new AttemptTimeoutError(100), 'transient'],
    ['our deadline', new DeadlineExceededError('startup', 100), 'transient'],
    ['our breaker open', new BreakerOpenError(1000), 'capacity'],
    ['our config error', new ConfigError('port', 'must be a number'), 'config'],
    ['unknown error', new Error('something else'), 'internal'],
    ['a string', 'nope', 'internal'],
    ['null', null, 'internal'],
  ];

  it.each(table)('%s', (_name, error, expected) => {
    expect(classify(error)).toBe(expected);
  });

  it('a Unix socket that is not there (the server or its proxy not up yet) is transient, not config', async () => {
    // A Postgres, or a Cloud SQL Auth Proxy sidecar, that has not created its socket yet: the
    // error carries the socket as its address, not a path the settings name.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'phasegate-socket-'));
    try {
      const error = await new Promise((resolve) => {
        net.connect({ path: path.join(dir, '.s.PGSQL.5432') }).on('error', resolve);
      });
      expect(error).toMatchObject({ code: 'ENOENT', syscall: 'connect' });
      expect(classify(error)).toBe('transient');
      expect(exitCodeFor(error)).toBe(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a Unix socket this process may not open (mode 000) is permanent: exit 78, not a bug, not retried', async () => {
    // A Postgres or Redis socket, or its directory, that the user this service runs as may not
    // open: waiting does not change a file mode. The error is a real one (see deniedSocketError).
    const error = await deniedSocketError();
    expect(error).toMatchObject({ code: 'EACCES', syscall: 'connect' });
    expect(classify(error)).toBe('permanent');
    expect(exitCodeFor(error)).toBe(78);
  });

  it('user rules run before the built-in ones', () => {
    const custom = createClassifier([
      (e) => ((e as { status?: number }).status === 429 ? 'capacity' : undefined),
      (e) => ((e as { code?: string }).code === 'ECONNREFUSED' ? 'permanent' : undefined),
    ]);
    expect(custom(Object.assign(new Error('slow down'), { status: 429 }))).toBe('capacity');
    expect(custom(withCode('ECONNREFUSED'))).toBe('permanent');
    expect(custom(withCode('53300'))).toBe('capacity');
  });

  it('only transient and capacity are retryable', () => {
    expect(
      ['transient', 'capacity', 'permanent', 'config', 'internal'].filter((c) =>
        isRetryableClass(c as ErrorClass),
      ),
    ).toEqual(['transient', 'capacity']);
  });
});
