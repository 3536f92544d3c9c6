import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { StartupError } from '../errors/startup-error.js';
import { ErrorCodes } from '../errors/codes.js';
import { redactText } from '../common/redact.js';
import { createLogger } from './logger.js';

/** A stream that keeps every line pino writes. */
function capture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

const SECRET = 'hunter2-Sup3rS3cret';
const URL_WITH_SECRET = `postgres://app:${SECRET}@db.internal:5432/app`;

describe('createLogger redacts at the logger', () => {
  it('removes secrets from messages, format arguments, fields, errors, causes and bindings', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ stream, level: 'debug' });
    const inner = new Error(`connect failed for ${URL_WITH_SECRET}`);
    const outer = new StartupError(ErrorCodes.COMPONENT_FAILED, `database failed: ${URL_WITH_SECRET}`, {
      classification: 'transient',
      component: 'postgres',
      cause: inner,
    });

    logger.info(`connecting to ${URL_WITH_SECRET}`);
    logger.info('connecting to %s', URL_WITH_SECRET);
    logger.info({ url: URL_WITH_SECRET, nested: { deeper: { list: [URL_WITH_SECRET] } } }, 'nested');
    logger.info({ password: SECRET, config: { token: SECRET, apiKey: SECRET } }, 'keys');
    logger.info({ headers: { authorization: `Bearer ${SECRET}` } }, 'header');
    logger.warn({ dsn: `host=db password=${SECRET} user=app` }, 'libpq string');
    logger.error(inner);
    logger.error({ err: outer }, 'startup failed');
    logger.child({ databaseUrl: URL_WITH_SECRET }).info('from a child');
    logger.debug({ deep: { a: { b: { c: { d: { password: SECRET } } } } } }, 'deep key');

    const out = lines();
    expect(out).toHaveLength(10);
    for (const line of out) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toContain(SECRET);
    }
    const parsed = out.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed[0]!.msg).toBe('connecting to postgres://app:***@db.internal:5432/app');
    expect(parsed[1]!.msg).toBe('connecting to postgres://app:***@db.internal:5432/app');
    expect((parsed[3]!.config as Record<string, unknown>).token).toBe('***');
    const err = parsed[7]!.err as Record<string, unknown>;
    expect(err.message).toContain('postgres://app:***@db.internal');
    expect(String(err.stack)).toContain('***');
    expect(err.code).toBe(ErrorCodes.COMPONENT_FAILED);
    expect((err.cause as Record<string, unknown>).message).toContain('app:***@');
    // Each error of the chain keeps its own message and stack; the cause's are not appended to it.
    expect(err.message).toBe(redactText(outer.message));
    expect(String(err.stack)).not.toContain('caused by');
  });

  it("keeps a ConfigError's message whole when its path names a secret, and still hides a secret in free text", () => {
    const { stream, lines } = capture();
    const logger = createLogger({ stream });
    const error = new ConfigError(
      'HEALTH_TOKEN',
      'must be at least 16 characters without spaces',
      'generate one with `openssl rand -hex 32`, or unset it',
    );
    logger.fatal({ err: error }, 'invalid configuration');
    logger.info(`sent TOKEN: ${SECRET} and password=${SECRET}`);
    const [config, free] = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    const err = config!.err as Record<string, unknown>;
    expect(err.message).toBe(
      'Invalid configuration at HEALTH_TOKEN: must be at least 16 characters without spaces (fix: generate one with `openssl rand -hex 32`, or unset it)',
    );
    expect(String(err.stack)).toContain('HEALTH_TOKEN: must be at least 16 characters');
    expect(err.problem).toBe('must be at least 16 characters without spaces');
    expect(free!.msg).toBe('sent TOKEN: *** and password=***');
  });

  it('keeps the bindings of every ancestor in a grandchild, redacted', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ stream });
    logger.child({ service: 'chat' }).child({ url: URL_WITH_SECRET }).info('grandchild');
    const [line] = lines();
    expect(line).not.toContain(SECRET);
    expect(JSON.parse(line!)).toMatchObject({
      service: 'chat',
      url: 'postgres://app:***@db.internal:5432/app',
    });
  });

  it('writes one JSON event per line with level label, time and pid', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ stream, name: 'svc' });
    logger.info({ event: 'phase.start', phase: 'database' }, 'phase started');
    logger.debug('not written at info');
    const [line, ...rest] = lines();
    expect(rest).toEqual([]);
    const event = JSON.parse(line!) as Record<string, unknown>;
    expect(event).toMatchObject({ level: 'info', name: 'svc', event: 'phase.start', pid: process.pid });
    expect(typeof event.time).toBe('string');
  });

  it('adds base fields next to pid, as its TSDoc says (a base pid replaces it)', () => {
    const { stream, lines } = capture();
    createLogger({ stream, base: { service: 'chat' } }).info('with base');
    createLogger({ stream, base: { pid: 'worker-1' } }).info('own pid');
    const [withBase, ownPid] = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(withBase).toMatchObject({ service: 'chat', pid: process.pid });
    expect(ownPid).toMatchObject({ pid: 'worker-1' });
  });

  it('censors values under secret-looking keys that carry a prefix (accessToken, DB_PASSWORD, proxy-authorization)', () => {
    const { stream, lines } = capture();
    const logger = createLogger({ stream });
    logger.info(
      {
        accessToken: SECRET,
        config: { DB_PASSWORD: SECRET, clientSecret: SECRET },
        request: { headers: { 'proxy-authorization': `Basic ${SECRET}`, 'set-cookie': SECRET } },
        tokens: 5,
      },
      'request failed',
    );
    const [line] = lines();
    expect(line).not.toContain(SECRET);
    expect(JSON.parse(line!)).toMatchObject({ accessToken: '***', tokens: 5 });
  });

  it('censors auth, credentials, passphrases and private keys, but not oauth or bypass settings', () => {
    const { stream, lines } = capture();
    createLogger({ stream }).info(
      {
        redis: { auth: SECRET },
        aws: { credentials: { accessKeyId: 'AKIA', secretAccessKey: SECRET } },
        tls: { passphrase: SECRET, privateKey: SECRET, private_key: SECRET },
        gcpCredential: SECRET,
        oauth: { issuer: 'https://id.example' },
        bypass: true,
      },
      'settings',
    );
    const [line] = lines();
    expect(line).not.toContain(SECRET);
    expect(JSON.parse(line!)).toMatchObject({
      redis: { auth: '***' },
      aws: { credentials: '***' },
      tls: { passphrase: '***', privateKey: '***', private_key: '***' },
      gcpCredential: '***',
      oauth: { issuer: 'https://id.example' },
      bypass: true,
    });
  });

  it("keeps an AggregateError's errors (a refused dual-stack connect has an empty message), redacted", () => {
    const { stream, lines } = capture();
    const logger = createLogger({ stream });
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED', address });
    const error = new AggregateError(
      [refused('::1'), refused('127.0.0.1'), new Error(`via postgres://app:${SECRET}@db/app`)],
      '',
    );
    logger.error({ err: error }, 'startup failed');
    const [line] = lines();
    expect(line).not.toContain(SECRET);
    const err = (JSON.parse(line!) as { err: { errors: Array<{ message: string }> } }).err;
    expect(err.errors.map((e) => e.message)).toEqual([
      'connect ECONNREFUSED ::1',
      'connect ECONNREFUSED 127.0.0.1',
      'via postgres://app:***@db/app',
    ]);
  });

  it('rejects an unknown level with a ConfigError naming `level` and the levels to use', () => {
    const { stream } = capture();
    expect(() => createLogger({ stream, level: 'verbose' as never })).toThrow(
      expect.objectContaining({
        code: ErrorCodes.CONFIG,
        path: 'level',
        message: expect.stringContaining('trace, debug, info, warn, error, fatal or silent') as unknown,
      }),
    );
  });

  it('never writes a URL password, whatever the password (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{6,24}$/), (raw) => {
        const secret = `Zq${raw}`;
        const { stream, lines } = capture();
        const logger = createLogger({ stream });
        const url = `redis://default:${secret}@cache:6379/0`;
        logger.info({ url, err: new Error(`refused ${url}`) }, `using ${url}`);
        return lines().every((line) => !line.includes(secret));
      }),
      { numRuns: 100 },
    );
  });
});
