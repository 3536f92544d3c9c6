import { describe, expect, it } from 'vitest';
import { classify } from '../errors/classify.js';
import { exitCodeFor } from '../errors/exit-codes.js';
import { deniedSocketError } from '../errors/test-fixtures.js';
import {
  DependencyError,
  classifyDriverError,
  driverCodeOf,
  isDependencyError,
  toDependencyError,
} from './dependency-error.js';
import { HttpStatusError, classifyHttpStatus, parseRetryAfter } from './http.js';

const pgError = (code: string, message: string) =>
  Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('toDependencyError', () => {
  it.each([
    ['28P01', 'password authentication failed for user "app"', 'permanent', 78],
    ['28000', 'no pg_hba.conf entry for host', 'permanent', 78],
    ['3D000', 'database "nope" does not exist', 'permanent', 78],
    ['42501', 'permission denied for database "app"', 'permanent', 78],
    ['53300', 'sorry, too many clients already', 'capacity', 3],
    ['57P03', 'the database system is starting up', 'capacity', 3],
    ['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432', 'transient', 3],
    ['ESERVFAIL', 'querySrv ESERVFAIL _postgresql._tcp.db.internal', 'transient', 3],
    ['ETIMEOUT', 'queryA ETIMEOUT db.internal', 'transient', 3],
    ['EAI_FAIL', 'getaddrinfo EAI_FAIL db.internal', 'transient', 3],
    ['EREFUSED', 'querySrv EREFUSED _postgresql._tcp.db.internal', 'transient', 3],
    ['ENODATA', 'queryA ENODATA db.internal', 'transient', 3],
  ])('classifies %s (%s) as %s, exit %i, and keeps the driver code', (code, message, errorClass, exit) => {
    // dns.resolve* errors name the host they looked up (ENODATA counts as DNS only then).
    const cause = Object.assign(pgError(code, message), { hostname: 'db.internal' });
    const error = toDependencyError('postgres', 'app@db:5432/app', cause);
    expect(error).toBeInstanceOf(DependencyError);
    expect(error).toMatchObject({ code: 'PG_ERR_DEPENDENCY', driverCode: code, classification: errorClass });
    expect(classify(error)).toBe(errorClass);
    expect(exitCodeFor(error)).toBe(exit);
    expect(error.message).toContain('postgres app@db:5432/app: ');
    expect(error.hint).toBeTruthy();
  });

  it('gives the DNS hint to a DNS ENODATA only, not to the errno "No data available"', () => {
    const dns = Object.assign(new Error('queryA ENODATA db.internal'), {
      code: 'ENODATA',
      syscall: 'queryA',
      hostname: 'db.internal',
    });
    expect(toDependencyError('postgres', 'db:5432', dns).hint).toMatch(/DNS record/);
    // The errno, as fs and other syscalls give it (a missing extended attribute, say): no hostname.
    const errno = Object.assign(new Error('ENODATA: no data available, getxattr'), {
      code: 'ENODATA',
      errno: -61,
      syscall: 'getxattr',
      path: '/etc/ssl/client.key',
    });
    const error = toDependencyError('postgres', 'db:5432', new Error('connect failed', { cause: errno }));
    expect(error).toMatchObject({ driverCode: 'ENODATA', classification: 'internal' });
    expect(error.hint).toBeUndefined();
  });

  it('a connect a local firewall refuses (EPERM): permanent, with the firewall hint; a file EPERM gets none', () => {
    const refused = Object.assign(new Error('connect EPERM 10.0.0.5:5432 - Local (0.0.0.0:0)'), {
      code: 'EPERM',
      syscall: 'connect',
      address: '10.0.0.5',
      port: 5432,
    });
    const fromConnect = toDependencyError('postgres', 'app@10.0.0.5:5432/app', refused);
    expect(fromConnect).toMatchObject({ driverCode: 'EPERM', classification: 'permanent' });
    expect(fromConnect.hint).toMatch(/firewall/);
    const file = Object.assign(new Error("EPERM: operation not permitted, open '/certs/key.pem'"), {
      code: 'EPERM',
      syscall: 'open',
      path: '/certs/key.pem',
    });
    const fromFile = toDependencyError('postgres', 'app@db/app', file);
    expect(fromFile).toMatchObject({ driverCode: 'EPERM', classification: 'config' });
    expect(fromFile.hint).toBeUndefined();
  });

  it('a database dropped while connected (57P04): permanent, with the hint to create it again', () => {
    const dropped = Object.assign(new Error('terminating connection due to dropped database'), {
      code: '57P04',
    });
    const error = toDependencyError('postgres', 'app@db/app', dropped);
    expect(error).toMatchObject({ driverCode: '57P04', classification: 'permanent' });
    expect(error.hint).toMatch(/create it again/);
  });

  it('gives the Unix socket hint to a connect ENOENT only, not to a missing file', () => {
    const socket = Object.assign(new Error('connect ENOENT /cloudsql/p:r:db/.s.PGSQL.5432'), {
      code: 'ENOENT',
      syscall: 'connect',
      address: '/cloudsql/p:r:db/.s.PGSQL.5432',
    });
    const fromSocket = toDependencyError('postgres', 'app@/cloudsql/p:r:db/app', socket);
    expect(fromSocket).toMatchObject({ driverCode: 'ENOENT', classification: 'transient' });
    expect(fromSocket.hint).toMatch(/Unix socket/);
    const file = Object.assign(new Error("ENOENT: no such file or directory, open '/certs/ca.pem'"), {
      code: 'ENOENT',
      syscall: 'open',
      path: '/certs/ca.pem',
    });
    const fromFile = toDependencyError('postgres', 'app@db/app', file);
    expect(fromFile).toMatchObject({ driverCode: 'ENOENT', classification: 'config' });
    expect(fromFile.hint).toBeUndefined();
  });

  it('a Unix socket this process may not open: permanent, with the hint to fix its permissions or the user', async () => {
    const error = toDependencyError('postgres', 'app@/run/postgresql/app', await deniedSocketError());
    expect(error).toMatchObject({ driverCode: 'EACCES', classification: 'permanent' });
    expect(error.message).toMatch(/connect EACCES .*s\.sock/);
    expect(error.hint).toMatch(/permissions of the socket and of its directory/);
    expect(exitCodeFor(error)).toBe(78);
    // A TCP connect's EACCES (a security policy, a broadcast address) is not about a socket's mode.
    const tcp = Object.assign(new Error('connect EACCES 10.0.0.255:5432'), {
      code: 'EACCES',
      syscall: 'connect',
      address: '10.0.0.255',
      port: 5432,
    });
    expect(toDependencyError('postgres', 'app@10.0.0.255/app', tcp)).toMatchObject({
      classification: 'permanent',
      hint: undefined,
    });
  });

  it('looks through the cause chain of fetch errors', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:80'), { code: 'ECONNREFUSED' });
    const error = new TypeError('fetch failed', { cause });
    expect(classify(error)).toBe('internal');
    expect(classifyDriverError(error)).toBe('transient');
    expect(driverCodeOf(error)).toBe('ECONNREFUSED');
    expect(toDependencyError('http', 'http://x/', error).message).toContain(
      'fetch failed: connect ECONNREFUSED',
    );
  });

  it('reads Redis reply words as driver codes', () => {
    const error = toDependencyError(
      'redis',
      'cache:6379/0',
      new Error('WRONGPASS invalid username-password pair'),
    );
    expect(error).toMatchObject({ driverCode: 'WRONGPASS', classification: 'permanent' });
    const noauth = toDependencyError('redis', 'cache:6379/0', new Error('NOAUTH Authentication required.'));
    expect(noauth).toMatchObject({ driverCode: 'NOAUTH', classification: 'permanent' });
    const loading = toDependencyError(
      'redis',
      'cache:6379/0',
      new Error('LOADING Redis is loading the dataset'),
    );
    expect(loading).toMatchObject({ driverCode: 'LOADING', classification: 'capacity' });
  });

  it('redacts secrets from the message and leaves an existing DependencyError as it is', () => {
    const error = toDependencyError('postgres', 'db', new Error('bad url postgres://app:hunter2@db/app'));
    expect(error.message).not.toContain('hunter2');
    expect(toDependencyError('redis', 'other', error)).toBe(error);
    expect(isDependencyError(error)).toBe(true);
    expect(isDependencyError(new Error('x'))).toBe(false);
  });
});

describe('HTTP statuses', () => {
  it.each([
    [429, 'capacity'],
    [503, 'capacity'],
    [408, 'transient'],
    [500, 'transient'],
    [504, 'transient'],
    [400, 'permanent'],
    [404, 'permanent'],
    [302, 'permanent'],
  ])('%i is %s', (status, errorClass) => {
    expect(classifyHttpStatus(status)).toBe(errorClass);
    const error = new HttpStatusError('http://svc/health', status, [200]);
    expect(classify(error)).toBe(errorClass);
    expect(error).toMatchObject({ status, driverCode: `HTTP ${status}`, dependency: 'http' });
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['7', 7_000],
    [' 0 ', 0],
    ['120', 120_000],
    ['Wed, 21 Oct 2015 07:28:00 GMT', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    ['', undefined],
    [null, undefined],
  ])('%j is %j ms', (value, ms) => {
    expect(parseRetryAfter(value)).toBe(ms);
    expect(new HttpStatusError('http://svc/', 503, [200], value).retryAfterMs).toBe(ms);
  });
});
