import { ConfigError } from '../errors/config-error.js';
import { redactUrl } from './redact.js';

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
    throw new ConfigError(path, `is not a valid URL: ${redactUrl(value)}`, hint);
  }
  if (!schemes.includes(parsed.protocol)) {
    const allowed = schemes.map((scheme) => `${scheme}//`).join(' or ');
    throw new ConfigError(path, `must be a ${allowed} URL, not ${parsed.protocol}//`, hint);
  }
  return parsed;
}
