import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { FakeClock } from '../testing/fake-clock.js';
import { AdmissionClosedError } from './admission-closed-error.js';
import { AdmissionTimeoutError } from './admission-timeout-error.js';
import { PostgresAdmission } from './postgres-admission.js';

function constructionError(connection: unknown): unknown {
  try {
    new PostgresAdmission({ width: 1, connection: connection as string });
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('PostgresAdmission connection', () => {
  it.each<[string, unknown, string]>([
    // Empty or blank, pg would fall back to PGHOST/PGUSER and take its locks on another server.
    ['empty', '', 'admission.connection'],
    ['blank', '  ', 'admission.connection'],
    ['not a URL, with a password', 'host=db password=hunter2', 'admission.connection'],
    ['another scheme, with a password', 'mysql://app:hunter2@db/app', 'admission.connection'],
    ['unparseable, with a password', 'postgres://app:hunter2@[bad', 'admission.connection'],
    ['a number', 42, 'admission.connection'],
    ['null', null, 'admission.connection'],
    ['an array', ['postgres://db/app'], 'admission.connection'],
    [
      'a config with an empty connectionString',
      { connectionString: '' },
      'admission.connection.connectionString',
    ],
    [
      'a config with a non-URL connectionString',
      { connectionString: 'mysql://app:hunter2@db/app' },
      'admission.connection.connectionString',
    ],
  ])('refuses a connection that is %s up front, with a ConfigError naming it', (_, connection, path) => {
    const error = constructionError(connection);
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PG_ERR_CONFIG', path });
    expect((error as Error).message).toContain('postgres://');
    expect(JSON.stringify({ ...(error as object) }) + (error as Error).message).not.toContain('hunter2');
  });

  it('accepts a postgres URL or a pg client config without connecting', () => {
    for (const connection of [
      'postgres://app:pw@db.internal:5432/app',
      'postgresql://db.internal/app?sslmode=require',
      { host: 'db.internal', database: 'app' },
      { connectionString: 'postgres://db.internal/app', application_name: 'x' },
    ]) {
      expect(constructionError(connection)).toBeUndefined();
    }
  });
});

describe('PostgresAdmission dedicated connection on a path gone dark', () => {
  /** pg.Client's methods as the admission calls them (their promise forms, not the callback ones). */
  const promised = pg.Client.prototype as unknown as {
    connect(): Promise<void>;
    query(text: string): Promise<unknown>;
    end(): Promise<void>;
  };
  /**
   * pg clients that connect at once and grant every lock; `unlock` decides how an unlock is answered
   * (a promise that never settles: a dark path). Returns the clients made.
   */
  function fakePg(unlock: () => Promise<unknown>, locked = true): pg.Client[] {
    const made: pg.Client[] = [];
    vi.spyOn(promised, 'connect').mockImplementation(function (this: pg.Client) {
      made.push(this);
      return Promise.resolve();
    });
    vi.spyOn(promised, 'query').mockImplementation((text) =>
      text.includes('pg_advisory_unlock') ? unlock() : Promise.resolve({ rows: [{ locked }] }),
    );
    return made;
  }
  const request = { signal: new AbortController().signal, deadline: Infinity, firstConnection: undefined };
  const streamOf = (client: pg.Client) =>
    (client as unknown as { connection: { stream: { destroyed: boolean } } }).connection.stream;

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('release() ends after releaseTimeoutMs when the unlock never answers, and destroys the connection', async () => {
    const clock = new FakeClock();
    const made = fakePg(() => new Promise(() => undefined));
    const connection = 'postgres://app:pw@db.internal/app';
    const admission = new PostgresAdmission({ width: 1, clock, connection, releaseTimeoutMs: 2_000 });
    const lease = await admission.acquire(request);
    expect(made).toHaveLength(1);
    let settled = false;
    void lease.release().then(() => (settled = true));
    await clock.advance(1_999);
    expect(settled).toBe(false);
    expect(streamOf(made[0]!).destroyed).toBe(false);
    await clock.advance(1);
    expect(settled).toBe(true);
    expect(streamOf(made[0]!).destroyed).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('release() that is answered in time leaves no timer and does not destroy the connection', async () => {
    const clock = new FakeClock();
    const made = fakePg(() => Promise.resolve({ rows: [{ unlocked: true }] }));
    const admission = new PostgresAdmission({ width: 1, clock, connection: 'postgres://db/app' });
    const lease = await admission.acquire(request);
    await lease.release();
    expect(streamOf(made[0]!).destroyed).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it('a timed-out acquire whose goodbye is never answered rejects after releaseTimeoutMs more', async () => {
    const clock = new FakeClock();
    const made = fakePg(() => Promise.resolve({ rows: [] }), false);
    // pg's end() waits for the server to close the socket, which a dark path never does.
    vi.spyOn(promised, 'end').mockImplementation(() => new Promise(() => undefined));
    const connection = 'postgres://db/app';
    const admission = new PostgresAdmission({ width: 1, clock, connection, releaseTimeoutMs: 500 });
    let outcome: unknown;
    void admission.acquire({ ...request, deadline: 1_000 }).catch((error: unknown) => (outcome = error));
    await clock.advance(1_000);
    expect(outcome).toBeUndefined();
    await clock.advance(500);
    expect(outcome).toBeInstanceOf(AdmissionTimeoutError);
    expect(streamOf(made[0]!).destroyed).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('a dedicated connection that never answers a try ends the wait with a DependencyError, not a busy fleet', async () => {
    const clock = new FakeClock();
    fakePg(() => Promise.resolve({ rows: [] }));
    vi.spyOn(promised, 'query').mockImplementation(() => new Promise(() => undefined));
    const connection = 'postgres://app:hunter2@db.internal/app';
    const admission = new PostgresAdmission({ width: 1, clock, connection, releaseTimeoutMs: 500 });
    let outcome: unknown;
    void admission.acquire({ ...request, deadline: 1_000 }).catch((error: unknown) => (outcome = error));
    await clock.advance(1_500);
    expect(outcome).not.toBeInstanceOf(AdmissionTimeoutError);
    expect(outcome).toMatchObject({
      code: 'PG_ERR_DEPENDENCY',
      dependency: 'postgres',
      target: 'app@db.internal:5432/app',
      classification: 'transient',
      driverCode: 'ETIMEDOUT',
    });
    expect((outcome as Error).message).not.toContain('hunter2');
    expect(clock.pending).toBe(0);
  });

  it.each<[string, unknown]>([
    ['zero', 0],
    ['negative', -1],
    ['NaN', Number.NaN],
    ['Infinity', Infinity],
    ['a string', '5000'],
  ])('refuses a releaseTimeoutMs that is %s, naming it', (_, releaseTimeoutMs) => {
    expect(
      () =>
        new PostgresAdmission({
          width: 1,
          connection: 'postgres://db/app',
          releaseTimeoutMs: releaseTimeoutMs as number,
        }),
    ).toThrow(expect.objectContaining({ code: 'PG_ERR_CONFIG', path: 'admission.releaseTimeoutMs' }));
  });

  it('refuses releaseTimeoutMs without a dedicated connection (it would do nothing)', () => {
    expect(() => new PostgresAdmission({ width: 1, releaseTimeoutMs: 5_000 })).toThrow(
      expect.objectContaining({ code: 'PG_ERR_CONFIG', path: 'admission.releaseTimeoutMs' }),
    );
  });
});

describe('PostgresAdmission close() racing an acquire', () => {
  const promised = pg.Client.prototype as unknown as {
    connect(): Promise<void>;
    query(text: string): Promise<unknown>;
    end(): Promise<void>;
  };
  const request = { signal: new AbortController().signal, deadline: Infinity, firstConnection: undefined };

  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** pg clients whose connect or first try answer when the test says; records which were ended. */
  function deferredPg(hold: 'connect' | 'try') {
    const answer: Array<() => void> = [];
    const ended: pg.Client[] = [];
    vi.spyOn(promised, 'connect').mockImplementation(() =>
      hold === 'connect' ? new Promise<void>((resolve) => answer.push(resolve)) : Promise.resolve(),
    );
    vi.spyOn(promised, 'query').mockImplementation((text) =>
      hold === 'try' && text.includes('pg_try_advisory_lock')
        ? new Promise((resolve) => answer.push(() => resolve({ rows: [{ locked: true }] })))
        : Promise.resolve({ rows: [{ locked: true, unlocked: true }] }),
    );
    vi.spyOn(promised, 'end').mockImplementation(function (this: pg.Client) {
      ended.push(this);
      return Promise.resolve();
    });
    return { answer, ended };
  }

  it.each<['connect' | 'try']>([['connect'], ['try']])(
    'an acquire whose %s is in flight rejects with AdmissionClosedError and close() ends its connection',
    async (hold) => {
      const clock = new FakeClock();
      const { answer, ended } = deferredPg(hold);
      const admission = new PostgresAdmission({ width: 1, clock, connection: 'postgres://db/app' });
      const outcome = admission.acquire(request).then(
        () => 'granted',
        (error: unknown) => error,
      );
      await clock.advance(0);
      expect(answer).toHaveLength(1);
      await admission.close();
      answer[0]!(); // the server answers only now: the lock (or the connection) comes too late
      const error = await outcome;
      expect(error).toBeInstanceOf(AdmissionClosedError);
      expect(error).toMatchObject({ code: 'PG_ERR_ABORTED', backend: 'postgres' });
      // The dedicated connection is ended (and so its lock): nothing keeps the process alive.
      expect(ended).toHaveLength(1);
      expect(clock.pending).toBe(0);
    },
  );

  it('refuses an acquire after close()', async () => {
    const clock = new FakeClock();
    const { answer } = deferredPg('try');
    const admission = new PostgresAdmission({ width: 1, clock, connection: 'postgres://db/app' });
    await admission.close();
    await expect(admission.acquire(request)).rejects.toBeInstanceOf(AdmissionClosedError);
    expect(answer).toHaveLength(0);
  });
});
