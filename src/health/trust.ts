/**
 * Who may see the full `/health` detail: loopback callers, and callers that present the configured
 * bearer token. Everyone else gets `{ "status": ... }` only.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The parts of a request the trust decision reads (an `IncomingMessage` is one). */
export interface TrustRequest {
  /** The connection; `remoteAddress` is the peer address, checked for loopback. */
  readonly socket: { readonly remoteAddress?: string | undefined };
  /**
   * Request headers: `Authorization` for the bearer token, `X-Forwarded-For`, `Forwarded`,
   * `X-Real-IP`, `X-Forwarded-Host`, `X-Forwarded-Proto` or `Via` to spot a local proxy.
   */
  readonly headers: IncomingHttpHeaders;
}

/** Decides whether a request may see the full `/health` detail. */
export type TrustPredicate = (request: TrustRequest) => boolean;

/**
 * True for a loopback peer address: `127.0.0.0/8`, `::1`, and IPv4-mapped loopback
 * (`::ffff:127.0.0.1`).
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  if (address === '::1' || address === '127.0.0.1' || address === '::ffff:127.0.0.1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** SHA-256 of a token, so that comparisons take the same time whatever the lengths. */
function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/**
 * A predicate that is true when the `Authorization: Bearer <token>` header carries `token`. The
 * comparison is timing-safe: both sides are hashed to equal-length digests and compared with
 * `crypto.timingSafeEqual`.
 */
export function bearerTokenPredicate(token: string): TrustPredicate {
  const expected = digest(token);
  return (request) => {
    const header = request.headers.authorization;
    if (typeof header !== 'string') return false;
    const match = BEARER.exec(header);
    if (match === null) return false;
    return timingSafeEqual(digest(match[1]!), expected);
  };
}

/**
 * Headers that a reverse proxy adds to what it forwards. Not only `X-Forwarded-For` and `Forwarded`:
 * a common nginx setup sets `X-Real-IP` alone, and `Via` is the HTTP standard's own.
 */
const PROXY_HEADERS = [
  'x-forwarded-for',
  'forwarded',
  'x-real-ip',
  'x-forwarded-host',
  'x-forwarded-proto',
  'via',
] as const;

/** True when the request was forwarded by a proxy (so the loopback peer is not the real caller). */
function isProxied(headers: IncomingHttpHeaders): boolean {
  return PROXY_HEADERS.some((name) => headers[name] !== undefined);
}

/** Options of {@link createTrustPredicate}. */
export interface TrustOptions {
  /** Bearer token that grants full detail; undefined means no token is accepted. */
  readonly token: string | undefined;
  /**
   * Whether loopback peers are trusted. A loopback request that carries a proxy's header
   * (`X-Forwarded-For`, `Forwarded`, `X-Real-IP`, `X-Forwarded-Host`, `X-Forwarded-Proto`, `Via`)
   * came through a local proxy and is not trusted on its address alone.
   */
  readonly trustLoopback: boolean;
}

/**
 * The default trust rule: a loopback peer (when `trustLoopback`), or the bearer token (when set).
 *
 * @example
 * ```ts
 * const trusted = createTrustPredicate({ token: process.env.HEALTH_TOKEN, trustLoopback: true });
 * trusted(req); // true for curl on the same host, or with `-H "Authorization: Bearer $HEALTH_TOKEN"`
 * ```
 */
export function createTrustPredicate(options: TrustOptions): TrustPredicate {
  const tokenMatches = options.token === undefined ? undefined : bearerTokenPredicate(options.token);
  const trustLoopback = options.trustLoopback;
  return (request) => {
    if (trustLoopback && isLoopbackAddress(request.socket.remoteAddress) && !isProxied(request.headers)) {
      return true;
    }
    return tokenMatches !== undefined && tokenMatches(request);
  };
}
