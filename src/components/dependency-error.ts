import { safeMessage } from '../common/redact.js';
import type { ErrorClass } from '../errors/classification.js';
import { classify as defaultClassify, type Classifier } from '../errors/classify.js';
import { ErrorCodes } from '../errors/codes.js';
import { PhasegateError, isPhasegateError } from '../errors/phasegate-error.js';

/** What a {@link DependencyError} is built from. */
export interface DependencyErrorInit {
  /** Kind of dependency: `postgres`, `redis`, `tcp`, `http`. */
  readonly dependency: string;
  /** Where it is, redacted (`user@host:5432/db`, `https://host/health`). Never contains a secret. */
  readonly target: string;
  /** How the failure is classified; decides whether the policy retries. */
  readonly classification: ErrorClass;
  /** What went wrong, already free of secrets. */
  readonly problem: string;
  /** The driver's own code: a SQLSTATE (`28P01`), an errno (`ECONNREFUSED`), `HTTP 503`. */
  readonly driverCode?: string | undefined;
  /** What a person can do about it. @default a hint chosen from `driverCode` */
  readonly hint?: string | undefined;
  /** The original error, kept intact. */
  readonly cause?: unknown;
}

/**
 * A dependency refused or failed a connection, a round trip or a check. Its `classification` is
 * decided once, from the driver's error, so every policy sees the same answer: a bad password is
 * `permanent` (never retried, exit 78), a full server is `capacity`, a refused socket `transient`.
 * The message names the dependency and its redacted target, and never contains a password.
 *
 * @example
 * ```ts
 * try { await pool.query('SELECT 1'); }
 * catch (e) { if (e instanceof DependencyError) console.log(e.driverCode, e.classification); }
 * ```
 */
export class DependencyError extends PhasegateError {
  /** Kind of dependency: `postgres`, `redis`, `tcp`, `http`. */
  readonly dependency: string;
  /** Redacted location of the dependency. */
  readonly target: string;
  /** The driver's own code, when it had one. */
  readonly driverCode: string | undefined;

  /**
   * The message is `<dependency> <target>: <problem>`, followed by ` [<driverCode>]` when `problem`
   * does not already contain that code.
   */
  constructor(init: DependencyErrorInit) {
    const code = init.driverCode && !init.problem.includes(init.driverCode) ? ` [${init.driverCode}]` : '';
    super(ErrorCodes.DEPENDENCY, `${init.dependency} ${init.target}: ${init.problem}${code}`, {
      classification: init.classification,
      cause: init.cause,
      hint: init.hint ?? hintFor(init.driverCode, init.classification, init.cause),
    });
    this.dependency = init.dependency;
    this.target = init.target;
    this.driverCode = init.driverCode;
  }
}

/** True for a {@link DependencyError} from any copy of phasegate (no `instanceof`). */
export function isDependencyError(value: unknown): value is DependencyError {
  return (
    isPhasegateError(value) &&
    value.code === ErrorCodes.DEPENDENCY &&
    typeof (value as { dependency?: unknown }).dependency === 'string'
  );
}

/** The hint of a server certificate that no CA this process trusts vouches for. */
const UNTRUSTED_CERT =
  "this process does not trust the server's TLS certificate: give its CA (sslrootcert=, the TLS ca option, or NODE_EXTRA_CA_CERTS)";

/** The hint of a TLS certificate or key in the settings that is not (whole) PEM. */
const NOT_PEM =
  'a TLS certificate or key in the settings is not PEM (-----BEGIN ... -----END ...) or is cut short: check the files (sslcert=, sslkey=, or the TLS cert and key options)';

/** The hint of an answer that is not HTTP (see the `HPE_` codes in `classify`). */
const NOT_HTTP = "the address does not answer HTTP: check the URL's host, port and scheme";

const HINTS: Readonly<Record<string, string>> = {
  '28P01': 'check the user name and password',
  '28000': 'check the user name, password and the server access rules (pg_hba.conf)',
  '3D000': 'create the database, or correct its name in the connection settings',
  '42501':
    'grant the role the privilege the message names, e.g. GRANT CONNECT ON DATABASE <db> TO <role>, or connect as a role that has it',
  '53300': 'the server has no free connection slot: lower the pool size or raise the limit',
  '57P03': 'the server is starting up; waiting helps',
  '57P04': 'the database was dropped: create it again, or correct its name in the connection settings',
  WRONGPASS: 'check the Redis user name and password',
  NOAUTH: 'the Redis server needs a password: add it to the connection settings',
  NOPERM:
    "the Redis user's ACL does not allow the command named in the message: grant it (ACL SETUSER <user> +<command>) or use another user",
  DENIED:
    'the Redis server is in protected mode (its default user has no password), so it accepts only clients on its own host: give it a password (requirepass or an ACL user) and put it in the URL, or set protected-mode no on a server only trusted networks reach',
  WRONGTYPE:
    'the Redis key holds a value of another type (another program uses it): give the fleet admission another key or namespace',
  OOM: 'the Redis server reached its maxmemory and refuses writes: free memory or raise maxmemory (or set an eviction policy)',
  ECONNREFUSED: 'is the server running and listening on that address?',
  ENOENT:
    'the Unix socket is not there: is the server (or its proxy) running, and is the socket directory right?',
  EACCES:
    'this process may not open the Unix socket: let the user this service runs as in (the permissions of the socket and of its directory, e.g. its group), or run the service as a user they allow',
  EPERM:
    'a local firewall or security policy refuses this connection (a netfilter/iptables OUTPUT rule, seccomp, a cgroup policy): allow the host and port',
  DEPTH_ZERO_SELF_SIGNED_CERT: UNTRUSTED_CERT,
  SELF_SIGNED_CERT_IN_CHAIN: UNTRUSTED_CERT,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: UNTRUSTED_CERT,
  UNABLE_TO_GET_ISSUER_CERT: UNTRUSTED_CERT,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: UNTRUSTED_CERT,
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired (or this machine's clock is wrong): renew it",
  CERT_NOT_YET_VALID:
    "the server's TLS certificate is not valid yet: check this machine's clock, or the certificate's dates",
  ERR_TLS_CERT_ALTNAME_INVALID:
    "the server's TLS certificate names another host: connect by a name it lists, or reissue it for this one",
  ERR_SSL_WRONG_VERSION_NUMBER:
    'the server does not speak TLS on that port: use a plain connection (sslmode=disable, http:, redis:) or its TLS port',
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED:
    'the server requires a TLS client certificate: add one and its key to the TLS settings',
  ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE:
    'the server refused the TLS handshake: it may require a client certificate, or share no cipher; check both TLS settings',
  ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION:
    'no TLS version suits both sides: check the minimum and maximum TLS versions of the settings and the server',
  ERR_OSSL_X509_KEY_VALUES_MISMATCH:
    'the TLS client key is not the one of the client certificate: give the key the certificate was issued for (sslkey= and sslcert=, or the TLS key and cert options)',
  ERR_OSSL_BAD_DECRYPT:
    'the TLS client key is encrypted and its passphrase is missing or wrong: give the passphrase (the TLS passphrase option) or an unencrypted key',
  ERR_OSSL_PEM_NO_START_LINE: NOT_PEM,
  ERR_OSSL_PEM_BAD_END_LINE: NOT_PEM,
  HPE_INVALID_CONSTANT: NOT_HTTP,
  HPE_INVALID_VERSION: NOT_HTTP,
  HPE_INVALID_STATUS: NOT_HTTP,
  ENOTFOUND: 'check the host name',
  EAI_AGAIN: 'the host name could not be resolved right now (DNS)',
  ESERVFAIL: 'the DNS server failed to resolve the host name; check the resolver if it lasts',
  ETIMEOUT: 'the DNS server did not answer in time; check the resolver if it lasts',
  EAI_FAIL: 'name resolution failed (DNS); check the resolver settings (/etc/resolv.conf) if it lasts',
  EREFUSED: 'the DNS server refused the query; check the resolver settings (/etc/resolv.conf) if it lasts',
  ENODATA:
    'the host name has no DNS record of the type looked up (an address or SRV record); check the name and its records if it lasts',
};

/** Hints for driver errors that carry no code, by their message. */
const MESSAGE_HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /^The server does not support SSL connections/,
    'the server does not offer TLS: connect without it (sslmode=disable or prefer), or enable TLS on the server',
  ],
  [
    /^Protocol error, got .* as reply type byte/,
    "the address does not answer as Redis: check the URL's host and port",
  ],
  [
    /^SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a (non-empty )?string/,
    'the server asks for a password and none was given: add it to the connection settings (or PGPASSWORD)',
  ],
];

function hintFor(
  driverCode: string | undefined,
  classification: ErrorClass,
  cause: unknown,
): string | undefined {
  if (driverCode && HINTS[driverCode] && hintApplies(driverCode, cause)) return HINTS[driverCode];
  for (const candidate of causeChain(cause)) {
    const message = (candidate as { message?: unknown }).message;
    if (typeof message !== 'string') continue;
    for (const [pattern, hint] of MESSAGE_HINTS) if (pattern.test(message)) return hint;
  }
  if (classification === 'capacity') return 'the far side is full or starting; it is retried with backoff';
  return undefined;
}

/**
 * Codes whose hint fits only one of their meanings, told apart by the error carrying the code:
 * ENODATA is a DNS answer (`dns.resolve*`, the error names its `hostname`) and also the errno "No
 * data available" (a missing extended attribute); ENOENT and EACCES are a Unix socket not there
 * or not open to us (`connect`; a TCP connect's EACCES, which names a `port`, is a security policy
 * the socket hint does not fit) and also a missing or unreadable file (a setting's path), whose
 * message says enough; EPERM's firewall hint fits only a `connect`.
 */
const HINT_ONLY_FOR: Readonly<Record<string, (carrier: object) => boolean>> = {
  ENODATA: (carrier) => typeof (carrier as { hostname?: unknown }).hostname === 'string',
  ENOENT: (carrier) => (carrier as { syscall?: unknown }).syscall === 'connect',
  EACCES: (carrier) => (carrier as { syscall?: unknown }).syscall === 'connect' && !('port' in carrier),
  EPERM: (carrier) => (carrier as { syscall?: unknown }).syscall === 'connect',
};

/**
 * Whether the hint of `driverCode` fits the error in `cause` carrying it. Without a `cause` (a
 * `DependencyError` built by hand) the code alone decides.
 */
function hintApplies(driverCode: string, cause: unknown): boolean {
  const fits = HINT_ONLY_FOR[driverCode];
  if (fits === undefined) return true;
  const carrier = causeChain(cause).find((e) => (e as { code?: unknown }).code === driverCode);
  return carrier === undefined || (typeof carrier === 'object' && carrier !== null && fits(carrier));
}

/** The causes of an error, outermost first (`fetch` wraps the socket error in `cause`). */
function causeChain(error: unknown, limit = 5): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < limit) {
    chain.push(current);
    current = typeof current === 'object' ? (current as { cause?: unknown }).cause : undefined;
  }
  return chain;
}

/**
 * Classify a driver error, looking through its `cause` chain when the outer error says nothing
 * (`TypeError: fetch failed` whose cause is an `ECONNREFUSED`).
 */
export function classifyDriverError(error: unknown, classify: Classifier = defaultClassify): ErrorClass {
  for (const candidate of causeChain(error)) {
    const errorClass = classify(candidate);
    if (errorClass !== 'internal') return errorClass;
  }
  return 'internal';
}

/** The first string `code` in the error's `cause` chain (`28P01`, `ECONNREFUSED`), or a Redis reply word. */
export function driverCodeOf(error: unknown): string | undefined {
  for (const candidate of causeChain(error)) {
    if (isPhasegateError(candidate)) continue;
    const code = (candidate as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const message = (candidate as { message?: unknown }).message;
    const reply =
      typeof message === 'string'
        ? /^(NOAUTH|WRONGPASS|NOPERM|DENIED|LOADING|BUSY|WRONGTYPE|OOM)\b/.exec(message)
        : null;
    if (reply) return reply[1];
  }
  return undefined;
}

/**
 * Wrap any error a driver threw into a {@link DependencyError}, classified with `classify`. An
 * error that already is one is returned as it is. The message is redacted.
 *
 * @example
 * ```ts
 * throw toDependencyError('redis', 'cache:6379/0', error); // NOAUTH -> permanent
 * ```
 */
export function toDependencyError(
  dependency: string,
  target: string,
  error: unknown,
  classify: Classifier = defaultClassify,
): DependencyError {
  if (isDependencyError(error)) return error;
  return new DependencyError({
    dependency,
    target,
    classification: classifyDriverError(error, classify),
    problem: problemOf(error),
    driverCode: driverCodeOf(error),
    cause: error,
  });
}

/** A redacted one-line description, including the cause when the outer message says little. */
function problemOf(error: unknown): string {
  const [outer, inner] = causeChain(error, 2);
  const message = safeMessage(outer) || (outer instanceof Error ? outer.name : 'unknown error');
  if (inner !== undefined && /^(fetch failed|connect failed)$/i.test(message)) {
    return `${message}: ${safeMessage(inner)}`;
  }
  return message;
}
