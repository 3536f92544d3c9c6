/**
 * The target of an HTTP request as a URL, for the routes and the WebSocket upgrade alike.
 */

import type { IncomingMessage } from 'node:http';

/**
 * The request target as a URL, or undefined when it is none. An origin-form target
 * (`/messages?after=1`) is a path even when it starts with `//` (resolved against a base, `//messages`
 * would be the host "messages"); an absolute-form target (`http://host/messages`, RFC 9112 3.2.2,
 * which a server must accept) names its own path.
 */
export function requestUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '/';
  try {
    return new URL(target.startsWith('/') ? `http://localhost${target}` : target);
  } catch {
    return undefined;
  }
}
