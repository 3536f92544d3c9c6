import type { ErrorClass } from './classification.js';
import { isPhasegateError } from './phasegate-error.js';

/**
 * A classification rule: returns the class of errors it recognises, `undefined` for the rest.
 *
 * @example
 * ```ts
 * const rateLimited: ClassificationRule = (e) =>
 *   (e as { status?: number }).status === 429 ? 'capacity' : undefined;
 * ```
 */
export type ClassificationRule = (error: unknown) => ErrorClass | undefined;

/** Classifies any thrown value. */
export type Classifier = (error: unknown) => ErrorClass;

const NETWORK_TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  // A name that does not resolve, or not yet: during a cold start it often is one that will. A
  // Kubernetes headless service has no record for a pod until it is ready, a Compose service none
  // until its container runs, so NXDOMAIN is retried within the budget like a refused connection;
  // a mistyped host ends at the deadline with the driver's ENOTFOUND and the hint "check the host
  // name". EAI_AGAIN: the resolver did not answer.
  'ENOTFOUND',
  'EAI_AGAIN',
  // Resolver trouble, not a wrong name: the DNS server failed (ESERVFAIL) or did not answer in time
  // (ETIMEOUT), both from `dns.resolve*`; getaddrinfo's "non-recoverable" EAI_FAIL too, which at a
  // cold start is as often a resolver not up yet (a node's DNS cache, CoreDNS restarting) as one
  // misconfigured. None is a bug (exit 1) or a setting a person can fix by the next attempt, so each
  // is retried within the budget; one that lasts ends at the deadline with the code and its hint.
  'ESERVFAIL',
  'ETIMEOUT',
  'EAI_FAIL',
  // The DNS server refused the query (`dns.resolve*`): a resolver that does not serve this client or
  // zone, or one still starting (CoreDNS before its forwarders are up). Outside our settings, as
  // above: retried, and one that lasts ends at the deadline with the hint to check the resolver.
  'EREFUSED',
  'EPIPE',
  'ESOCKETTIMEDOUT',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_SOCKET_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  // fetch (undici): connected, but no response headers, or no more of the body, within its own
  // timeouts (300 s each by default): a slow or stalled server, like a connect timeout.
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/**
 * `dns.resolve*`'s ENODATA: the name exists but has no record of the type asked (no SRV record yet
 * for a service whose pods are not ready, an A record asked of a host with only AAAA). Transient
 * like ENOTFOUND, for the same cold-start reason. The same code is also an errno ("No data
 * available"), which is not a DNS answer: only an error naming the host it looked up counts.
 */
function isDnsNoData(error: object, code: string): boolean {
  return code === 'ENODATA' && typeof (error as { hostname?: unknown }).hostname === 'string';
}

/**
 * A Unix socket that is not there (`connect ENOENT /run/postgresql/.s.PGSQL.5432`): the server, or
 * a proxy in front of it (the Cloud SQL Auth Proxy's `/cloudsql/...` sockets), has not created it
 * yet, as a TCP server not yet listening refuses. Transient like ECONNREFUSED; a wrong socket
 * directory ends at the deadline with the hint to check it. Told from a missing file the settings
 * name by its `connect` syscall (such an error has an `address`, not a `path`).
 */
function isMissingSocket(error: object, code: string): boolean {
  return code === 'ENOENT' && (error as { syscall?: unknown }).syscall === 'connect';
}

/**
 * A connection this process is not allowed to make (`connect EACCES /run/postgresql/.s.PGSQL.5432`):
 * a Unix socket, or its directory, whose permissions do not let the user this service runs as in;
 * less often a TCP connect a security policy (SELinux, AppArmor) or a broadcast address refuses. Not
 * a bug, and waiting does not change a file mode or a user: `permanent`, like a role without a
 * privilege (42501), with the hint to fix the permissions or the user. Told from an unreadable file
 * the settings name (`config`, below) by its `connect` syscall. A TCP `connect EPERM` is the same
 * refusal from a local firewall (a netfilter OUTPUT rule that drops, a seccomp or cgroup policy).
 */
function isDeniedConnect(error: object, code: string): boolean {
  return (code === 'EACCES' || code === 'EPERM') && (error as { syscall?: unknown }).syscall === 'connect';
}

const NETWORK_CAPACITY = new Set(['EMFILE', 'ENFILE', 'EADDRNOTAVAIL', 'ENOBUFS']);

/**
 * Settings a person must change: a bad URL, and TLS that cannot work as configured (a certificate
 * this process does not trust, names another host, or is out of date; `https:` to a plain port).
 */
const NETWORK_CONFIG = new Set([
  'ERR_INVALID_URL',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  // The server ended the handshake: it requires a client certificate we did not send (TLS 1.3 says
  // so; TLS 1.2 says "handshake failure", as for no cipher in common), or no TLS version suits both.
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  // The client certificate or key the settings give cannot be used, found before any handshake
  // (`tls.connect` throws; pg and ioredis pass the error on): a key that is not the certificate's,
  // an encrypted key without its passphrase (or with a wrong one), a file that is not PEM.
  'ERR_OSSL_X509_KEY_VALUES_MISMATCH',
  'ERR_OSSL_BAD_DECRYPT',
  'ERR_OSSL_PEM_NO_START_LINE',
  'ERR_OSSL_PEM_BAD_END_LINE',
  // fetch (undici) read an answer whose first line is not an HTTP status line: the address is
  // something else (a Redis or Postgres port, TLS where `http:` was given). Other parser errors,
  // of an HTTP server that broke off or garbled its headers, stay unrecognised.
  'HPE_INVALID_CONSTANT',
  'HPE_INVALID_VERSION',
  'HPE_INVALID_STATUS',
]);

/**
 * A file that cannot be read: missing, not readable, a directory, a broken path. Counted as `config`
 * only when the error names the file (`path`, as `fs` and `spawn` errors do: `sslrootcert=` in a
 * connection string, a key file, a command): a person fixes the path or the file. A Unix socket that
 * is not there (the server is not running) carries an `address` instead, and is not one of these.
 */
const FILE_CONFIG = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG']);

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Postgres SQLSTATE codes, by exact code first and then by two-character class. */
function classifySqlState(state: string): ErrorClass | undefined {
  switch (state) {
    case '53300': // too_many_connections
    case '57P03': // cannot_connect_now (starting up / recovering)
      return 'capacity';
    case '28P01': // invalid_password
    case '28000': // invalid_authorization_specification
    case '3D000': // invalid_catalog_name (unknown database)
    case '42501': // insufficient_privilege
    case '3F000': // invalid_schema_name
    case '42P01': // undefined_table
    case '57P04': // database_dropped (while connected): a person recreates it, as for 3D000
      return 'permanent';
    case '57P01': // admin_shutdown
    case '57P02': // crash_shutdown
    case '57P05': // idle_session_timeout: the server closed an idle session; a new one works
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
    case '55P03': // lock_not_available
    case '57014': // query_canceled (statement_timeout)
      return 'transient';
    default:
      break;
  }
  switch (state.slice(0, 2)) {
    case '08': // connection exception
      return 'transient';
    case '53': // insufficient resources
      return 'capacity';
    case '28': // invalid authorization
      return 'permanent';
    case '42': // syntax error or access rule violation: our bug
      return 'internal';
    default:
      return undefined;
  }
}

/** Messages from `pg` and `ioredis` that carry no code. */
const MESSAGE_RULES: ReadonlyArray<readonly [RegExp, ErrorClass]> = [
  [/too many clients|remaining connection slots are reserved/i, 'capacity'],
  [/the database system is (starting up|shutting down|in recovery)/i, 'capacity'],
  [/^(ERR )?max number of clients reached/i, 'capacity'],
  [/^LOADING\b/, 'capacity'],
  [/^BUSY\b/, 'capacity'],
  // NOPERM: the Redis user's ACL does not allow a command it was sent (a person grants it).
  [/^(NOAUTH|WRONGPASS|NOPERM)\b/, 'permanent'],
  // DENIED: a Redis in protected mode (no password for the default user) refuses a client that is
  // not on its loopback interface. A person sets a password or changes the server's settings.
  [/^DENIED\b/, 'permanent'],
  // Redis before 6 answers a wrong AUTH password with a plain ERR reply.
  [/invalid username-password pair|password authentication failed|^ERR invalid password/i, 'permanent'],
  // pg: the server asks for a SCRAM password and the settings give none (a URL without one, no
  // PGPASSWORD): our settings are incomplete.
  [/^SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a (non-empty )?string/, 'config'],
  // Our TLS settings (sslmode=require) do not match the server's: a person must change one of them.
  [/^The server does not support SSL connections/, 'config'],
  // ioredis reading a reply from something that is not Redis (an HTTP port): the address is wrong.
  [/^Protocol error, got .* as reply type byte/, 'config'],
  // WRONGTYPE: the key the fleet admission was given holds another type of value (another program
  // uses it): the key (or namespace) setting must change. Only the admission sends commands on keys.
  [/^WRONGTYPE\b/, 'config'],
  // OOM: the server reached `maxmemory` (noeviction) and refuses writes: it is full, which may pass.
  [/^OOM\b/, 'capacity'],
  [/^(READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/, 'transient'],
  [
    /Connection is closed|Connection terminated|connection timeout|timeout expired|socket hang up/i,
    'transient',
  ],
  [/Stream isn't writeable|Reached the max retries per request limit/i, 'transient'],
  // pg: `query_timeout` passed without a reply; a query on a connection that already failed.
  [/^Query read timeout$|^Client has encountered a connection error and is not queryable$/, 'transient'],
  // ioredis's `commandTimeout` passed without a reply (a slow server, or a path gone dark).
  [/^Command timed out$/, 'transient'],
];

/**
 * The built-in rules: our own errors, Node network errors, files the settings name, Postgres
 * SQLSTATEs, Redis replies.
 */
export const builtinRule: ClassificationRule = (error) => {
  if (isPhasegateError(error)) return error.classification;
  if (typeof error !== 'object' || error === null) return undefined;
  if (error instanceof AggregateError && error.errors.length > 0) {
    return builtinRule(error.errors[0]);
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_TRANSIENT.has(code) || isDnsNoData(error, code) || isMissingSocket(error, code)) {
      return 'transient';
    }
    if (isDeniedConnect(error, code)) return 'permanent';
    if (NETWORK_CAPACITY.has(code)) return 'capacity';
    if (NETWORK_CONFIG.has(code)) return 'config';
    if (FILE_CONFIG.has(code) && typeof (error as { path?: unknown }).path === 'string') return 'config';
    if (SQLSTATE.test(code)) {
      const byState = classifySqlState(code);
      if (byState) return byState;
    }
  }
  const name = (error as { name?: unknown }).name;
  if (name === 'TimeoutError') return 'transient';
  if (name === 'MaxRetriesPerRequestError') return 'transient';
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') {
    for (const [pattern, errorClass] of MESSAGE_RULES) if (pattern.test(message)) return errorClass;
  }
  return undefined;
};

/**
 * Build a classifier that tries `rules` in order before the built-in ones. An error no rule
 * recognises is `internal`.
 *
 * @example
 * ```ts
 * const classifyHttp = createClassifier([(e) => ((e as any).status === 503 ? 'capacity' : undefined)]);
 * classifyHttp(Object.assign(new Error('busy'), { status: 503 })); // 'capacity'
 * ```
 */
export function createClassifier(rules: readonly ClassificationRule[] = []): Classifier {
  const all = [...rules, builtinRule];
  return (error) => {
    for (const rule of all) {
      const result = rule(error);
      if (result !== undefined) return result;
    }
    return 'internal';
  };
}

/**
 * Classify an error with the built-in rules.
 *
 * @example
 * ```ts
 * classify({ code: '53300' });        // 'capacity'
 * classify({ code: '28P01' });        // 'permanent'
 * classify({ code: 'ECONNREFUSED' }); // 'transient'
 * ```
 */
export const classify: Classifier = createClassifier();
