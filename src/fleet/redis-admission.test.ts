import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { FakeClock } from '../testing/fake-clock.js';
import { AdmissionClosedError } from './admission-closed-error.js';
import { AdmissionLostError } from './admission-lost-error.js';
import { RedisAdmission, type RedisLike } from './redis-admission.js';
import { ACQUIRE_SCRIPT, REFRESH_SCRIPT, RELEASE_SCRIPT } from './redis-lease-scripts.js';

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

describe('RedisAdmission leaseMs and refreshMs', () => {
  const redis: RedisLike = {
    eval: (() => Promise.resolve(1)) as unknown as RedisLike['eval'],
    quit: (() => Promise.resolve('OK')) as unknown as RedisLike['quit'],
  };
  it.each<[string, Record<string, unknown>, string]>([
    ['leaseMs NaN', { leaseMs: NaN }, 'admission.leaseMs'],
    ['leaseMs negative', { leaseMs: -1000 }, 'admission.leaseMs'],
    ['leaseMs Infinity', { leaseMs: Infinity }, 'admission.leaseMs'],
    ['leaseMs below 100', { leaseMs: 99 }, 'admission.leaseMs'],
    ['leaseMs a string', { leaseMs: '10000' }, 'admission.leaseMs'],
    ['refreshMs NaN', { refreshMs: NaN }, 'admission.refreshMs'],
    ['refreshMs 0', { refreshMs: 0 }, 'admission.refreshMs'],
    ['refreshMs negative', { refreshMs: -5 }, 'admission.refreshMs'],
    ['refreshMs Infinity', { refreshMs: Infinity }, 'admission.refreshMs'],
    ['refreshMs equal to leaseMs', { leaseMs: 1000, refreshMs: 1000 }, 'admission.refreshMs'],
    ['refreshMs above half of leaseMs', { leaseMs: 1000, refreshMs: 501 }, 'admission.refreshMs'],
    // Compared with `>`, a string such as '100' passed as a number and reached the timers.
    ['refreshMs a string', { refreshMs: '100' }, 'admission.refreshMs'],
    ['refreshMs true', { refreshMs: true }, 'admission.refreshMs'],
  ])('refuses %s with a ConfigError naming the option', (_, options, path) => {
    let error: unknown;
    try {
      new RedisAdmission({ width: 1, redis, ...options });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'PG_ERR_CONFIG', path });
  });

  it('accepts refreshMs of exactly half of leaseMs', () => {
    expect(() => new RedisAdmission({ width: 1, redis, leaseMs: 1000, refreshMs: 500 })).not.toThrow();
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

describe('RedisAdmission close() racing an acquire', () => {
  /** A Redis whose acquire answers wait for `grant()`; counts the leases it holds. */
  function slowGrantRedis() {
    const held = new Set<string>();
    const grants: Array<() => void> = [];
    let quit = false;
    const redis: RedisLike = {
      eval: ((script: string, _keys: number, _key: string, ...args: unknown[]) => {
        if (quit) return Promise.reject(new Error('Connection is closed.'));
        if (script === RELEASE_SCRIPT) {
          held.delete(String(args[0]));
          return Promise.resolve(1);
        }
        if (script === REFRESH_SCRIPT) return Promise.resolve(held.has(String(args[0])) ? 1 : 0);
        const id = String(args[1]);
        return new Promise((resolve) =>
          grants.push(() => {
            held.add(id);
            resolve(1);
          }),
        );
      }) as unknown as RedisLike['eval'],
      quit: (() => {
        quit = true;
        return Promise.resolve('OK');
      }) as unknown as RedisLike['quit'],
    };
    return { redis, held, grants, wasQuit: () => quit };
  }

  it('gives back a slot granted after close() began and rejects the acquire with AdmissionClosedError', async () => {
    const clock = new FakeClock();
    const { redis, held, grants } = slowGrantRedis();
    const admission = new RedisAdmission({ width: 1, redis, clock, leaseMs: 600 });
    const acquiring = admission.acquire(anyRequest());
    const outcome = acquiring.then(
      () => 'granted',
      (error: unknown) => error,
    );
    await clock.advance(0);
    expect(grants).toHaveLength(1);
    let closed = false;
    const closing = admission.close().then(() => (closed = true));
    await clock.advance(0);
    // close() waits for the try in flight: its slot must be given back before the client goes.
    expect(closed).toBe(false);
    grants[0]!();
    await closing;
    expect(held.size).toBe(0);
    const error = await outcome;
    expect(error).toBeInstanceOf(AdmissionClosedError);
    expect(error).toMatchObject({ code: 'PG_ERR_ABORTED', backend: 'redis' });
    expect((error as Error).message).toContain('closed');
    // No refresh timer of a lease nobody holds.
    expect(clock.pending).toBe(0);
  });

  it('ends a wait polling for a busy slot at once, leaving no timer', async () => {
    const clock = new FakeClock();
    const busy: RedisLike = {
      eval: (() => Promise.resolve(0)) as unknown as RedisLike['eval'],
      quit: (() => Promise.resolve('OK')) as unknown as RedisLike['quit'],
    };
    const admission = new RedisAdmission({ width: 1, redis: busy, clock });
    const outcome = admission.acquire(anyRequest()).catch((error: unknown) => error);
    await clock.advance(0);
    await admission.close();
    expect(await outcome).toBeInstanceOf(AdmissionClosedError);
    expect(clock.pending).toBe(0);
  });

  it('refuses an acquire after close()', async () => {
    const clock = new FakeClock();
    const { redis } = slowGrantRedis();
    const admission = new RedisAdmission({ width: 1, redis, clock });
    await admission.close();
    await expect(admission.acquire(anyRequest())).rejects.toBeInstanceOf(AdmissionClosedError);
    expect(clock.pending).toBe(0);
  });
});

describe('RedisAdmission lease granted by a slow answer', () => {
  it('counts the lease lost leaseMs after its try was sent, not a refresh period after the answer', async () => {
    // Redis set the lease when it ran the try, so it expires leaseMs after that on Redis's clock,
    // however late the answer came. The first refresh tick used to be refreshMs after the answer:
    // an answer that took most of leaseMs left the holder believing in a lease Redis had already
    // expired (and could hand to another instance: K + 1 holders) for up to refreshMs.
    const clock = new FakeClock();
    const answers: Array<() => void> = [];
    let refreshes = 0;
    const redis: RedisLike = {
      eval: ((script: string) => {
        if (script === ACQUIRE_SCRIPT) return new Promise((resolve) => answers.push(() => resolve(1)));
        if (script === REFRESH_SCRIPT) refreshes += 1;
        return new Promise(() => undefined); // a path gone dark: refreshes are never answered
      }) as unknown as RedisLike['eval'],
      quit: (() => Promise.resolve('OK')) as unknown as RedisLike['quit'],
    };
    const admission = new RedisAdmission({ width: 1, redis, clock, leaseMs: 300 });
    const acquiring = admission.acquire(anyRequest());
    await clock.advance(250);
    expect(answers).toHaveLength(1);
    answers[0]!();
    const lease = await acquiring;
    expect(lease.waitedMs).toBe(250);
    // The refresh was due 100 ms after the try was sent: it goes out at once.
    await clock.advance(0);
    expect(refreshes).toBe(1);
    await clock.advance(49);
    expect(lease.lost).toBe(false);
    await clock.advance(1);
    expect(lease.lost).toBe(true);
    expect((lease.signal.reason as Error).message).toContain('did not confirm the lease for 300 ms');
    expect(clock.pending).toBe(0);
  });
});
