/**
 * Removes secrets from text that may reach a log line, an error message, `/health` or the timeline:
 * passwords in URLs (`postgres://user:secret@host`), tokens given as a web URL's user
 * (`https://token@host`), `password=...` / `token=...` pairs in connection strings and query strings
 * (`DB_PASSWORD=...`, `access_token=...` too), `Authorization` header values, and bearer tokens.
 */

/**
 * `scheme://user:password@`. The password runs to the token's last `@`: a password with an unencoded
 * `/`, `:` or `@` (which URL parsers read as a path or a port) is still hidden whole. A scheme
 * starts where no scheme character precedes it, and runs to `://` (`1postgres://` is kept whole as
 * the scheme, its password hidden as before): starting inside a long run of scheme characters (100 kB
 * of hex) would rescan the rest of the run from every character, seconds of blocked event loop.
 */
const URL_USERINFO = /(?<![a-z0-9+.-])([a-z0-9+.-]+:\/\/)([^\s:/@]*):(\S+)@/gi;
/**
 * `scheme://user@` with no password: a user alone. In a web URL (`https://TOKEN@host`, `wss:`,
 * `git+https:`) that user is a credential (a token given as the user name, Basic auth with an empty
 * password), so it is hidden; in a database URL (`postgres://app@db`) it names a role and is kept.
 * The user stops at `/`, `?` and `#` (`https://host/a@b` has none). Starts like {@link URL_USERINFO}.
 */
const URL_USER_ONLY = /(?<![a-z0-9+.-])([a-z0-9+.-]+:\/\/)([^\s:/@?#]+)@/gi;
/** A scheme (with its `://`) whose lone user is a credential. */
const WEB_SCHEME = /(?:https?|wss?):\/\/$/i;
/**
 * `name=value`, `name: value`, `"name":"value"`, where the name is or ends with a secret's name:
 * `password`, and also `DB_PASSWORD`, `PGPASSWORD`, `access_token`, `client_secret`,
 * `spring.datasource.password`. A name starts where no name character precedes it, so the scan
 * starts once per name, not at every character of it.
 */
const KEY_VALUE =
  /(?<![a-z0-9_.-])([a-z0-9_.-]*?(?:password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|auth))(["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,'"]+)/gi;
/**
 * An `Authorization` (or `Proxy-Authorization`) header's value. A well-known scheme is kept
 * (`Basic ***`: its credentials are only base64 of `user:password`); any other value goes whole.
 */
const AUTHORIZATION =
  /(?<![a-z0-9_.-])((?:proxy-)?authorization["']?\s*[=:]\s*)(?:"[^"]*"|'[^']*'|((?:basic|bearer|digest|negotiate|ntlm|token|dpop)[ \t]+)?[^\s&;,'"]+)/gi;
const BEARER = /\b(bearer\s+)[a-z0-9._~+/=-]+/gi;

/** How a {@link ConfigError}'s message starts: `Invalid configuration at <path>: <problem>`. */
const CONFIG_PATH_LEAD = 'Invalid configuration at ';
/** How far before a `name: ` {@link namesConfigPath} looks for {@link CONFIG_PATH_LEAD}. */
const MAX_CONFIG_PATH_LOOKBACK = 512;

/**
 * True when the `name: ` at `at` in `text` is the path of a ConfigError's message
 * (`Invalid configuration at HEALTH_TOKEN: must be at least 16 characters`): a setting's name
 * followed by what is wrong with it, never its value, so the first word of the problem stays.
 * A secret written as `TOKEN: abc123` anywhere else, the problem text included, is still hidden.
 */
function namesConfigPath(text: string, at: number): boolean {
  // A bounded look back (a path is short): text with many `name: value` pairs costs no more per pair.
  const before = text.slice(Math.max(0, at - MAX_CONFIG_PATH_LOOKBACK), at);
  const lead = before.lastIndexOf(CONFIG_PATH_LEAD);
  // Between the lead and the name, only the start of the path: no `:` (the path has ended) and no
  // line break.
  return lead >= 0 && !/[:\n]/.test(before.slice(lead + CONFIG_PATH_LEAD.length));
}

/**
 * Every pattern above needs a `:` (a URL's scheme, `key: value`), a `=` (`key=value`) or the word
 * `bearer`: text with none of them holds nothing to redact (most error messages, e.g. `sorry, too
 * many clients already`), and one cheap scan spares the three replacements.
 */
const MAY_HOLD_SECRET = /[:=]|bearer/i;

/** A literal {@link AUTHORIZATION} cannot match without. */
const MAY_HOLD_AUTHORIZATION = /authorization/i;
/** The secret's names {@link KEY_VALUE} cannot match without. */
const MAY_HOLD_SECRET_NAME = /password|passwd|pwd|token|secret|api[_-]?key|access[_-]?key|auth/i;
/** A literal {@link BEARER} cannot match without. */
const MAY_HOLD_BEARER = /bearer/i;

/** The placeholder that replaces a secret. */
export const REDACTED = '***';

/**
 * Redact every secret we recognise in `text`.
 *
 * @example
 * ```ts
 * redactText('connect to postgres://app:hunter2@db:5432/app failed');
 * // 'connect to postgres://app:***@db:5432/app failed'
 * ```
 */
export function redactText(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text;
  let out = text;
  // Each pattern runs only where the literal it cannot match without is present (checked on the
  // text as the previous patterns left it): most messages with a `:` hold no URL, no secret's name
  // and no header, and these scans cost far less than the patterns' own (lookbehind at every
  // character).
  if (out.includes('://')) {
    out = out
      .replace(URL_USERINFO, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`)
      .replace(URL_USER_ONLY, (match, scheme: string) =>
        WEB_SCHEME.test(scheme) ? `${scheme}${REDACTED}@` : match,
      );
  }
  if (MAY_HOLD_AUTHORIZATION.test(out)) {
    out = out.replace(
      AUTHORIZATION,
      (_m, key: string, scheme: string | undefined) => `${key}${scheme ?? ''}${REDACTED}`,
    );
  }
  if (MAY_HOLD_SECRET_NAME.test(out)) {
    out = out.replace(
      KEY_VALUE,
      (match: string, key: string, sep: string, _value: string, at: number, whole: string) =>
        sep === ': ' && namesConfigPath(whole, at) ? match : `${key}${sep}${REDACTED}`,
    );
  }
  if (MAY_HOLD_BEARER.test(out)) out = out.replace(BEARER, (_m, prefix: string) => `${prefix}${REDACTED}`);
  return out;
}

/**
 * A URL safe to show: the password (and any secret query parameter) replaced by `***`, and in a
 * web URL (`http:`, `https:`, `ws:`, `wss:`) a user given without a password too, since that is a
 * token (`https://***@host/`); a database URL's lone user is a role name and stays.
 * Input that does not parse is redacted as text, and its password is whatever lies between the
 * user and the last `@`, even where the URL pattern of {@link redactText} does not see one (a space
 * in the password, a mistyped `postgres//`): everything before the last `@` goes, except a
 * well-formed `scheme://user`.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = REDACTED;
    else if (parsed.username && WEB_SCHEME.test(`${parsed.protocol}//`)) parsed.username = REDACTED;
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|token|secret|key/i.test(key)) parsed.searchParams.set(key, REDACTED);
    }
    // A password with an unencoded `/` parses as a port and a path, not as a password: redact the
    // text as well.
    return redactText(parsed.toString().replace(/%2A%2A%2A/g, REDACTED));
  } catch {
    return redactUnparsedUrl(url);
  }
}

/** `scheme://user` and the rest of a URL's userinfo, up to its last `@`. */
const UNPARSED_USERINFO = /^(\s*[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*)(:.*)?$/is;

/** A URL that does not parse, as {@link redactUrl} shows it. */
function redactUnparsedUrl(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 0) return redactText(value);
  const userinfo = UNPARSED_USERINFO.exec(value.slice(0, at));
  const shown = userinfo ? `${userinfo[1]}${userinfo[2] === undefined ? '' : `:${REDACTED}`}` : REDACTED;
  return `${shown}@${redactText(value.slice(at + 1))}`;
}

/** A one-line, redacted message for any thrown value. */
export function safeMessage(error: unknown): string {
  if (error instanceof Error) return redactText(error.message);
  if (typeof error === 'string') return redactText(error);
  try {
    return redactText(JSON.stringify(error) ?? String(error));
  } catch {
    return redactText(String(error));
  }
}
