import { abortReason } from '../common/abort-reason.js';
import { redactUrl } from '../common/redact.js';
import { parseUrlOption } from '../common/url-option.js';
import type { ErrorClass } from '../errors/classification.js';
import { ConfigError } from '../errors/config-error.js';
import type { Availability } from '../orchestrator/availability.js';
import type { ComponentSpec } from '../orchestrator/component.js';
import type { Policy } from '../policies/policy.js';
import { DependencyError, toDependencyError } from './dependency-error.js';

/**
 * The class of an unexpected HTTP status: 429 and 503 say "full or starting" (`capacity`); 408 and
 * other 5xx are `transient`; any other status (401, 404, a redirect to a login page) will not change
 * by waiting (`permanent`).
 */
export function classifyHttpStatus(status: number): ErrorClass {
  if (status === 429 || status === 503) return 'capacity';
  if (status === 408 || (status >= 500 && status <= 599)) return 'transient';
  return 'permanent';
}

/**
 * The wait a `Retry-After` header asks for, in ms: its delta-seconds form (`Retry-After: 7`). The
 * HTTP-date form, and anything else, gives `undefined` (the policy's own back-off applies).
 *
 * @example
 * ```ts
 * parseRetryAfter('7'); // 7000
 * parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT'); // undefined
 * ```
 */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value) * 1_000;
}

/**
 * An endpoint answered with a status it was not expected to. Classified by
 * {@link classifyHttpStatus}; `driverCode` is `HTTP <status>`. A `Retry-After` (seconds) on the
 * answer becomes `retryAfterMs`, which the retry policy waits at least (and gives up at once when
 * that wait does not fit in the budget).
 */
export class HttpStatusError extends DependencyError {
  /** The wait the server asked for with `Retry-After`, in ms; `undefined` without one. */
  readonly retryAfterMs: number | undefined;

  /** @param url The redacted URL; it becomes `target`. */
  constructor(
    /** The redacted URL. */
    url: string,
    /** The status received. */
    readonly status: number,
    /** The statuses that were expected. */
    readonly expected: readonly number[],
    /** The answer's `Retry-After` header, when it had one. */
    retryAfter?: string | null,
  ) {
    super({
      dependency: 'http',
      target: url,
      classification: classifyHttpStatus(status),
      driverCode: `HTTP ${status}`,
      problem: `GET answered ${status}, expected ${expected.join(' or ')}`,
    });
    this.retryAfterMs = parseRetryAfter(retryAfter);
  }
}

/**
 * fetch's refusal of a port on the Fetch standard's list of blocked ports ("bad port": SMTP, IRC,
 * X11, 10080...), which it gives without connecting, as `TypeError: fetch failed` whose cause says
 * only that. No waiting changes it.
 */
function isBlockedPort(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof Error && cause.message === 'bad port';
}

/**
 * `headers` as fetch sends them, checked one by one: a header fetch cannot send (a name with a
 * space, a value with a line break, as a token read from a file may have) is a {@link ConfigError}
 * naming the header, never showing the value (it is often a credential, which fetch's own
 * `TypeError` would print whole).
 */
function requestHeaders(input: Readonly<Record<string, string>> | undefined): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(input ?? {})) {
    try {
      headers.append(name, value);
    } catch {
      throw new ConfigError(
        `http.headers[${JSON.stringify(name)}]`,
        'is not a header fetch can send (its value is not shown here)',
        'use a token-like name, and a value without line breaks, control characters or characters beyond Latin-1',
      );
    }
  }
  return headers;
}

/** Options of {@link httpComponent}. */
export interface HttpComponentOptionsInput {
  /** Component name. @default `http:<host>` */
  readonly name?: string;
  /**
   * The URL to GET. A password or token in it never appears in a message. `user:password@` in it is
   * sent as `Authorization: Basic` (fetch refuses URLs with credentials), unless `headers` has an
   * `authorization` of its own.
   */
  readonly url: string;
  /** Status (or statuses) that count as up. @default 200 */
  readonly expectStatus?: number | readonly number[];
  /** Request headers (e.g. an authorization header; never shown). @default none */
  readonly headers?: Readonly<Record<string, string>>;
  /** See {@link ComponentSpec.critical}. @default true */
  readonly critical?: boolean;
  /** See {@link ComponentSpec.degradable}. @default false */
  readonly degradable?: boolean;
  /** See {@link ComponentSpec.degradesTo}. @default 'DEGRADED' */
  readonly degradesTo?: Availability;
  /** See {@link ComponentSpec.dependsOn}. @default [] */
  readonly dependsOn?: readonly string[];
  /** See {@link ComponentSpec.policy}. @default the orchestrator's `defaultPolicy` */
  readonly policy?: Policy;
}

/** The handle of a started {@link httpComponent}. */
export interface HttpEndpoint {
  /** The redacted URL. */
  readonly url: string;
  /** Status of the last answer. */
  lastStatus: number;
}

/**
 * An HTTP endpoint as a startup component: `start` and `check` send `GET url` (with the attempt's
 * signal) and expect `expectStatus`. The body is discarded. Redirects are not followed: a 3xx is the
 * answer (so a redirect to a login page is not taken for "up"; list it in `expectStatus` to accept
 * it). A refused socket is `transient`; 429 and 503 are `capacity` (their `Retry-After` is
 * honoured); other 5xx `transient`; other unexpected statuses `permanent`. An address that answers
 * something other than HTTP, and a port fetch refuses (the Fetch standard's blocked ports, such as
 * 10080), are `config`.
 *
 * @example
 * ```ts
 * const auth = httpComponent({ url: 'http://auth.internal/healthz', expectStatus: [200, 204] });
 * ```
 * @throws ConfigError when `url` or `expectStatus` is invalid.
 */
export function httpComponent(input: HttpComponentOptionsInput): ComponentSpec<HttpEndpoint> {
  const parsed = parseUrlOption('http.url', input.url, ['http:', 'https:'], 'e.g. http://host/health');
  const expected = [input.expectStatus ?? 200].flat();
  if (expected.length === 0 || !expected.every((s) => Number.isInteger(s) && s >= 100 && s <= 599)) {
    throw new ConfigError('http.expectStatus', 'must be HTTP statuses (100-599)', 'e.g. 200 or [200, 204]');
  }
  const url = redactUrl(input.url);
  const headers = requestHeaders(input.headers);
  if (parsed.username || parsed.password) {
    if (!headers.has('authorization')) {
      const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
      headers.set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`);
    }
    parsed.username = '';
    parsed.password = '';
  }
  const requestUrl = parsed.toString();

  const probe = async (signal: AbortSignal): Promise<number> => {
    let response: Response;
    try {
      response = await fetch(requestUrl, { method: 'GET', headers, redirect: 'manual', signal });
    } catch (error) {
      if (signal.aborted) throw abortReason(signal);
      if (isBlockedPort(error)) {
        throw new DependencyError({
          dependency: 'http',
          target: url,
          classification: 'config',
          problem: `fetch refuses port ${parsed.port}, one the Fetch standard blocks`,
          hint: 'serve the endpoint on another port (blocked ports include 6000, 6665-6669 and 10080), or check it with tcpComponent',
          cause: error,
        });
      }
      throw toDependencyError('http', url, error);
    }
    await response.body?.cancel().catch(() => undefined);
    if (!expected.includes(response.status)) {
      throw new HttpStatusError(url, response.status, expected, response.headers.get('retry-after'));
    }
    return response.status;
  };

  return {
    name: input.name ?? `http:${parsed.host}`,
    ...(input.critical !== undefined ? { critical: input.critical } : {}),
    ...(input.degradable !== undefined ? { degradable: input.degradable } : {}),
    ...(input.degradesTo !== undefined ? { degradesTo: input.degradesTo } : {}),
    ...(input.dependsOn !== undefined ? { dependsOn: input.dependsOn } : {}),
    ...(input.policy !== undefined ? { policy: input.policy } : {}),
    async start(ctx) {
      return { url, lastStatus: await probe(ctx.signal) };
    },
    async check(endpoint, { signal }) {
      endpoint.lastStatus = await probe(signal);
    },
  };
}
