import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { FakeClock } from '../testing/fake-clock.js';
import { AdmissionLostError } from './admission-lost-error.js';
import { RedisAdmission, type RedisLike } from './redis-admission.js';
import { REFRESH_SCRIPT, RELEASE_SCRIPT } from './redis-lease-scripts.js';

/** Everything an error carries that a logger might print: message, own fields, cause. */
function printed(error: unknown): string {
  const e = error as Error & { cause?: unknown };
  return [
    e.message,
    JSON.stringify({ ...e }),
    String(e.cause),
    JSON.stringify({ ...(e.cause as object) }),
  ].join('\n');
}

describe('RedisAdmission url', () => {
  it.each([
    ['unparseable, with a password', 'redis://app:hunter2@[bad'],
    ['another scheme, with a password', 'http://app:hunter2@127.0.0.1:6379'],
    ['empty', ''],
    ['blank', '  '],
  ])('refuses a url that is %s with a ConfigError at admission.url that hides the password', (_, url) => {
    let error: unknown;
    try {
      // An invalid URL must fail here, before any client exists (nothing half-started).
      new RedisAdmission({ width: 1, url });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PG_ERR_CONFIG', path: 'admission.url', classification: 'config' });
    expect((error as Error).message).toMatch(/redis:\/\//);
    expect(printed(error)).not.toContain('hunter2');
  });

  it('accepts redis:// and rediss:// urls without connecting', async () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://user:pw@cache.internal:6380/2']) {
      let admission: RedisAdmission | undefined;
      expect(() => (admission = new RedisAdmission({ width: 1, url }))).not.toThrow();
      // The client connects lazily, on the first acquire: close() only stops it.
      await expect(admission!.close()).resolves.toBeUndefined();
    }
  });
});

describe('RedisAdmission lease signal', () => {
  /** A Redis that grants every lease and answers refreshes with `alive` (or fails while `down`). */
  function fakeRedis() {
    const state = { alive: true, down: false };
    const redis: RedisLike = {
      eval: (async (script: string) => {
        if (state.down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        if (script === REFRESH_SCRIPT) return state.alive ? 1 : 0;
        return 1;
      }) as unknown as RedisLike['eval'],
      quit: (async () => 'OK') as unknown as RedisLike['quit'],
    };
    return { redis, state };
  }
  const request = { signal: new AbortController().signal, deadline: Infinity, firstConnection: undefined };

  it('aborts with AdmissionLostError when a refresh finds the lease gone, and never on release', async () => {
    const clock = new FakeClock();
    const { redis, state } = fakeRedis();
    const admission = new RedisAdmission({ width: 1, redis, clock, leaseMs: 300 });
    const kept = await admission.acquire(request);
    await kept.release();
    expect(kept.signal.aborted).toBe(false);

    const lease = await admission.acquire(request);
    state.alive = false;
    await clock.advance(100);
    expect(lease.lost).toBe(true);
    expect(lease.signal.aborted).toBe(true);
    expect(lease.signal.reason).toBeInstanceOf(AdmissionLostError);
    expect(lease.signal.reason).toMatchObject({
      code: 'PG_ERR_ADMISSION_LOST',
      backend: 'redis',
      classification: 'transient',
    });
    expect(clock.pending).toBe(0);
    await lease.release();
  });

  it('aborts once no refresh confirmed the lease for leaseMs (Redis unreachable)', async () => {
    const clock = new FakeClock();
    const { redis, state } = fakeRedis();
    const admission = new RedisAdmission({ width: 1, redis, clock, leaseMs: 300 });
    const lease = await admission.acquire(request);
    state.down = true;
    await clock.advance(200);
    expect(lease.signal.aborted).toBe(false);
    await clock.advance(100);
    expect(lease.signal.aborted).toBe(true);
    expect((lease.signal.reason as Error).message).toContain('did not confirm the lease for 300 ms');
    expect(clock.pending).toBe(0);
  });
});

/** A Redis that grants every lease and never answers a release (its path went dark). */
function releaseNeverAnswered(): RedisLike {
  return {
    eval: ((script: string) =>
      script === RELEASE_SCRIPT
        ? new Promise(() => undefined)
        : Promise.resolve(1)) as unknown as RedisLike['eval'],
    quit: (() => Promise.resolve('OK')) as unknown as RedisLike['quit'],
  };
}

const anyRequest = () => ({
  signal: new AbortController().signal,
  deadline: Infinity,
  firstConnection: undefined,
});

describe('RedisAdmission lease release', () => {
  it('waits at most leaseMs for a release that Redis never answers, and then the lease is released', async () => {
    const clock = new FakeClock();
    const redis = releaseNeverAnswered();
    const admission = new RedisAdmission({ width: 1, redis, clock, leaseMs: 600 });
    const request = anyRequest();
    const lease = await admission.acquire(request);
    let settled = false;
    void lease.release().then(() => (settled = true));
    expect(lease.released).toBe(true);
    await clock.advance(599);
    expect(settled).toBe(false);
    await clock.advance(1);
    // Past leaseMs the lease has expired in Redis anyway: a caller awaiting release() goes on.
    expect(settled).toBe(true);
    expect(clock.pending).toBe(0);
  });
});

describe('RedisAdmission close', () => {
  it('waits at most leaseMs for releases that Redis never answers (a path gone dark)', async () => {
    const clock = new FakeClock();
    const redis = releaseNeverAnswered();
    const admission = new RedisAdmission({ width: 2, redis, clock, leaseMs: 600 });
    const request = anyRequest();
    await admission.acquire(request);
    await admission.acquire(request);
    let closed = false;
    void admission.close().then(() => (closed = true));
    await clock.advance(599);
    expect(closed).toBe(false);
    await clock.advance(1);
    expect(closed).toBe(true);
    expect(clock.pending).toBe(0);
  });
});
