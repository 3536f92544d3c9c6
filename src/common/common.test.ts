import { describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock.js';
import { Emitter } from './events.js';
import { seededRandom } from './random.js';
import { redactText, redactUrl, safeMessage } from './redact.js';
import { parseUrlOption } from './url-option.js';

describe('redact', () => {
  it.each([
    ['postgres://app:hunter2@db:5432/app', 'postgres://app:***@db:5432/app'],
    ['redis://:s3cr3t@cache:6379', 'redis://:***@cache:6379'],
    ['host=db password=hunter2 user=app', 'host=db password=*** user=app'],
    ['?sslmode=require&password=hunter2&x=1', '?sslmode=require&password=***&x=1'],
    ['Authorization: Bearer abc.def-ghi', 'Authorization: Bearer ***'],
    ['token: "abc"', 'token: ***'],
    ['nothing secret here', 'nothing secret here'],
    ['sorry, too many clients already', 'sorry, too many clients already'],
    ['sent BEARER abc.def without a colon', 'sent BEARER *** without a colon'],
    ['pwd = hunter2', 'pwd = ***'],
    // Unencoded `/`, `:` and `@` in a password: hidden up to the last `@`.
    ['postgres://app:a/b@db:5432/app', 'postgres://app:***@db:5432/app'],
    ['postgres://app:123/x@db/app failed', 'postgres://app:***@db/app failed'],
    ['postgres://app:p@ss:w0rd@db/app', 'postgres://app:***@db/app'],
    ['id=1postgres://app:hunter2@db/app', 'id=1postgres://app:***@db/app'],
    // An Authorization header keeps its scheme; the credentials go, Basic ones too (base64 of user:password).
    ['Authorization: Basic dXNlcjpodW50ZXIy', 'Authorization: Basic ***'],
    ['proxy-authorization=Basic dXNlcjpodW50ZXIy, next', 'proxy-authorization=Basic ***, next'],
    ['{"authorization":"Basic dXNlcjpodW50ZXIy"}', '{"authorization":***}'],
    // A secret's name inside a longer one: prefixed (`DB_`, `PG`, `client_`, `access_`) or dotted.
    ['GET https://svc/health?access_token=abc123 failed', 'GET https://svc/health?access_token=*** failed'],
    ['DB_PASSWORD=hunter2', 'DB_PASSWORD=***'],
    ['PGPASSWORD=hunter2 psql', 'PGPASSWORD=*** psql'],
    ['client_secret=s3cr3t&grant_type=code', 'client_secret=***&grant_type=code'],
    ['spring.datasource.password: hunter2', 'spring.datasource.password: ***'],
    // Names that only contain or start with one are left alone.
    ['author: Tom, tokens: 5, token_type=bearer', 'author: Tom, tokens: 5, token_type=bearer'],
    // A web URL's user without a password is a token used as the user name (`https://TOKEN@host`,
    // as fetch reports a URL it refuses): hidden. A database URL's lone user is a role: kept.
    [
      'Request cannot be constructed from a URL that includes credentials: https://ghp_abc123@example.com/x',
      'Request cannot be constructed from a URL that includes credentials: https://***@example.com/x',
    ],
    ['GET http://tok@svc:8080/health failed', 'GET http://***@svc:8080/health failed'],
    ['wss://tok@svc/ws', 'wss://***@svc/ws'],
    ['git+https://ghp_abc123@github.com/o/r.git', 'git+https://***@github.com/o/r.git'],
    ['postgres://app@db:5432/app', 'postgres://app@db:5432/app'],
    ['see https://example.com/a@b', 'see https://example.com/a@b'],
    // A ConfigError's path that ends in a secret's name is followed by the problem, not a value:
    // the problem's first word stays. A value written after such a name anywhere else still goes.
    [
      'Invalid configuration at HEALTH_TOKEN: must be at least 16 characters (fix: unset it)',
      'Invalid configuration at HEALTH_TOKEN: must be at least 16 characters (fix: unset it)',
    ],
    [
      'Invalid configuration at phases[0].components[1].options.password: expected a string',
      'Invalid configuration at phases[0].components[1].options.password: expected a string',
    ],
    [
      'Invalid configuration at phasegateHealthPlugin options.token: the token must be non-empty',
      'Invalid configuration at phasegateHealthPlugin options.token: the token must be non-empty',
    ],
    ['TOKEN: abc123', 'TOKEN: ***'],
    ['HEALTH_TOKEN: abc123 was sent', 'HEALTH_TOKEN: *** was sent'],
    [
      'Invalid configuration at dsn: bad value, password: hunter2 token=abc',
      'Invalid configuration at dsn: bad value, password: *** token=***',
    ],
    ['Invalid configuration at HEALTH_TOKEN=abc123', 'Invalid configuration at HEALTH_TOKEN=***'],
  ])('redactText(%s)', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it('redactUrl hides the password and secret query parameters', () => {
    expect(redactUrl('postgres://app:hunter2@db/app?password=x&sslmode=require')).toBe(
      'postgres://app:***@db/app?password=***&sslmode=require',
    );
    expect(redactUrl('not a url password=x')).toBe('not a url password=***');
    // A secret parameter whose name only contains the word (no match for redactText's `\bpassword`).
    expect(redactUrl('postgres://db/app?sslpassword=x&sslmode=require')).toBe(
      'postgres://db/app?sslpassword=***&sslmode=require',
    );
    // Parsed as host `app`, port 123 and a path: the password must not survive that reading.
    expect(redactUrl('postgres://app:123/x@db:5432/app')).toBe('postgres://app:***@db:5432/app');
    expect(redactUrl('postgres://app:a/b@db:5432/app')).toBe('postgres://app:***@db:5432/app');
    // Input that does not parse: everything between the user and the last `@` is the password.
    expect(redactUrl('postgres://app:pw x@db:99999/app')).toBe('postgres://app:***@db:99999/app');
    expect(redactUrl('postgres//app:pw x@db/app')).toBe('***@db/app');
  });

  it('redactUrl hides a web URL user given without a password (a token), and keeps a database role', () => {
    expect(redactUrl('https://ghp_abc123@example.com/')).toBe('https://***@example.com/');
    expect(redactUrl('http://tok%40en@svc:8080/health?x=1')).toBe('http://***@svc:8080/health?x=1');
    expect(redactUrl('https://user:pass@example.com/')).toBe('https://user:***@example.com/');
    expect(redactUrl('https://example.com/')).toBe('https://example.com/');
    expect(redactUrl('postgres://app@db:5432/app')).toBe('postgres://app@db:5432/app');
    expect(redactUrl('redis://default@cache:6379')).toBe('redis://default@cache:6379');
  });

  it('redactText scans a long run of name characters once, not once per character', () => {
    // 100 kB of hex (a dumped buffer) after a colon. A pattern that may start anywhere in the run
    // rescans the rest of it from each character: about 14 s of blocked event loop (no /livez
    // answered), and this test fails on its timeout instead of on an assertion. No durations are
    // asserted here; linear scanning just finishes.
    const text = `unexpected reply: ${'0123456789abcdef'.repeat(6_250)} ${'a-'.repeat(50_000)}=x`;
    expect(redactText(text)).toBe(text);
  });

  it('safeMessage handles any thrown value', () => {
    expect(safeMessage(new Error('postgres://a:b@h/d'))).toBe('postgres://a:***@h/d');
    expect(safeMessage('password=x')).toBe('password=***');
    expect(safeMessage({ password: 'x' })).toBe('{"password":***}');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(safeMessage(circular)).toBe('[object Object]');
  });
});

describe('parseUrlOption', () => {
  const parse = (value: unknown): URL =>
    parseUrlOption('db.url', value, ['postgres:', 'postgresql:'], 'give postgres://host/db');
  const problemOf = (value: unknown): unknown => {
    try {
      parse(value);
    } catch (error) {
      expect(error).toMatchObject({ code: 'PG_ERR_CONFIG', path: 'db.url', hint: 'give postgres://host/db' });
      return (error as { problem: unknown }).problem;
    }
    throw new Error('expected a ConfigError');
  };

  it('returns the parsed URL of an allowed scheme', () => {
    expect(parse('postgresql://app:pw@db:5432/app').hostname).toBe('db');
  });

  it('refuses a non-string, an empty value, a malformed URL and another scheme, never showing the password', () => {
    expect(problemOf(42)).toBe('must be a URL, got number');
    expect(problemOf('  ')).toBe('is empty');
    expect(problemOf('postgres://app:hun/ter2@db:5432/app')).toBe(
      'is not a valid URL: postgres://app:***@db:5432/app',
    );
    expect(problemOf('mysql://app:pw@db/app')).toBe(
      'must be a postgres:// or postgresql:// URL, not mysql://',
    );
  });
});

describe('seededRandom', () => {
  it('is deterministic per seed and uniform-ish in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(seededRandom(1)()).not.toBe(seededRandom(2)());
  });

  it('folds a seed that is not a 32-bit whole number onto one, as documented', () => {
    const first = (seed: number): number => seededRandom(seed)();
    expect(first(1.5)).toBe(first(1));
    expect(first(2 ** 32 + 1)).toBe(first(1));
    expect(first(-1)).toBe(first(2 ** 32 - 1));
    expect(first(NaN)).toBe(first(0));
  });
});

describe('Emitter', () => {
  it('delivers to listeners until disposed', () => {
    const emitter = new Emitter<number>();
    const seen: number[] = [];
    expect(emitter.hasListeners).toBe(false);
    const sub = emitter.event((n) => seen.push(n));
    expect(emitter.hasListeners).toBe(true);
    emitter.emit(1);
    sub.dispose();
    emitter.emit(2);
    expect(seen).toEqual([1]);
    emitter.event((n) => seen.push(n));
    emitter.clear();
    emitter.emit(3);
    expect(seen).toEqual([1]);
  });

  it('a throwing listener does not stop the others', async () => {
    const emitter = new Emitter<string>();
    const seen: string[] = [];
    const thrown = new Promise<unknown>((resolve) => {
      const original = globalThis.queueMicrotask;
      vi.spyOn(globalThis, 'queueMicrotask').mockImplementationOnce((cb) =>
        original(() => {
          try {
            cb();
          } catch (e) {
            resolve(e);
          }
        }),
      );
    });
    emitter.event(() => {
      throw new Error('listener bug');
    });
    emitter.event((s) => seen.push(s));
    emitter.emit('x');
    expect(seen).toEqual(['x']);
    expect(await thrown).toEqual(new Error('listener bug'));
    vi.restoreAllMocks();
  });
});

describe('systemClock', () => {
  it('sleep honours an abort, and a timer can be cancelled', async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(sleeping).rejects.toThrow('cancelled');
    await expect(systemClock.sleep(1, controller.signal)).rejects.toThrow('cancelled');
    const fired = vi.fn();
    const cancel = systemClock.timer(60_000, fired);
    cancel();
    expect(fired).not.toHaveBeenCalled();
    const before = systemClock.now();
    await systemClock.sleep(0);
    expect(systemClock.now()).toBeGreaterThanOrEqual(before);
  });
});

describe('systemClock long delays', () => {
  it('does not fire a delay beyond the 2^31 ms timer limit early', async () => {
    const fired = vi.fn();
    const cancel = systemClock.timer(2 ** 31 + 10, fired);
    const controller = new AbortController();
    const sleeping = systemClock.sleep(2 ** 31 + 10, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fired).not.toHaveBeenCalled();
    cancel();
    controller.abort(new Error('done'));
    await expect(sleeping).rejects.toThrow('done');
  });
});
