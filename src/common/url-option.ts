import { ConfigError } from '../errors/config-error.js';
import { REDACTED, redactText } from './redact.js';

/**
 * `value`, a URL setting, parsed: it must be a non-empty string that parses as a URL with one of
 * `schemes` (`['redis:', 'rediss:']`), else a {@link ConfigError} at `path` with `hint`. The URL is
 * shown redacted, and the URL parser's own error is never passed on (its `input` field holds the
 * whole URL, password included).
 *
 * @example
 * ```ts
 * const url = parseUrlOption('http.url', input.url, ['http:', 'https:'], 'e.g. http://host/health');
 * ```
 */
export function parseUrlOption(path: string, value: unknown, schemes: readonly string[], hint: string): URL {
  if (typeof value !== 'string') throw new ConfigError(path, `must be a URL, got ${typeof value}`, hint);
  if (value.trim() === '') throw new ConfigError(path, 'is empty', hint);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(path, `is not a valid URL: ${redactUnparsedUrl(value)}`, hint);
  }
  if (!schemes.includes(parsed.protocol)) {
    const allowed = schemes.map((scheme) => `${scheme}//`).join(' or ');
    throw new ConfigError(path, `must be a ${allowed} URL, not ${parsed.protocol}//`, hint);
  }
  return parsed;
}

/** `scheme://user` and the rest of a URL's userinfo, up to its last `@`. */
const USERINFO = /^(\s*[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*)(:.*)?$/is;

/**
 * A URL that does not parse, as an error message may show it. Its password is whatever lies
 * between the user and the last `@`, even where the URL-shaped pattern of `redactText` does not see
 * one (a space in the password, or a mistyped `postgres//`): everything before the last `@` goes,
 * except a well-formed `scheme://user`.
 */
function redactUnparsedUrl(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 0) return redactText(value);
  const userinfo = USERINFO.exec(value.slice(0, at));
  const shown = userinfo ? `${userinfo[1]}${userinfo[2] === undefined ? '' : `:${REDACTED}`}` : REDACTED;
  return `${shown}@${redactText(value.slice(at + 1))}`;
}
