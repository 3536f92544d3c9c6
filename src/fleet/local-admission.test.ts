import { describe, expect, it } from 'vitest';
import { FakeClock } from '../testing/fake-clock.js';
import { seededRandom } from '../common/random.js';
import { isConfigError } from '../errors/config-error.js';
import { LocalAdmission } from './local-admission.js';
import { AdmissionTimeoutError } from './admission-timeout-error.js';
import { createAdmission, isAdmissionBackendName } from './create-admission.js';
import { advisoryLockKey } from './postgres-admission.js';

const request = (signal: AbortSignal, deadline: number) => ({ signal, deadline, firstConnection: undefined });

describe('LocalAdmission', () => {
  it('waits a jittered delay below maxStartDelayMs and reports it', async () => {
    const clock = new FakeClock();
    const random = seededRandom(3);
    const expected = seededRandom(3)() * 2000;
    const admission = new LocalAdmission({ clock, random, maxStartDelayMs: 2000 });
    const pending = admission.acquire(request(new AbortController().signal, Infinity));
    await clock.runAll();
    const lease = await pending;
    expect(lease).toMatchObject({ backend: 'local', slot: null, released: false });
    expect(lease.waitedMs).toBe(expected);
    await lease.release();
    await lease.release();
    expect(lease.released).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('spreads a fleet: different seeds wait different times, all within the bound', async () => {
    const waits: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      const clock = new FakeClock();
      const admission = new LocalAdmission({ clock, random: seededRandom(seed), maxStartDelayMs: 1000 });
      const pending = admission.acquire(request(new AbortController().signal, Infinity));
      await clock.runAll();
      waits.push((await pending).waitedMs);
    }
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...waits)).toBeLessThan(1000);
    expect(new Set(waits).size).toBe(20);
  });

  it('never waits past the deadline', async () => {
    const clock = new FakeClock();
    const admission = new LocalAdmission({ clock, random: () => 0.99, maxStartDelayMs: 10_000 });
    const pending = admission.acquire(request(new AbortController().signal, 500));
    await clock.runAll();
    expect((await pending).waitedMs).toBe(500);
    await expect(admission.acquire(request(new AbortController().signal, 500))).rejects.toBeInstanceOf(
      AdmissionTimeoutError,
    );
  });

  it('abort during the delay rejects with the reason and leaves no timer', async () => {
    const clock = new FakeClock();
    const admission = new LocalAdmission({ clock, random: () => 0.5, maxStartDelayMs: 4000 });
    const controller = new AbortController();
    const outcome = admission.acquire(request(controller.signal, Infinity)).catch((e: unknown) => e);
    await clock.advance(1000);
    expect(clock.pending).toBe(1);
    controller.abort(new Error('SIGTERM'));
    expect(await outcome).toMatchObject({ message: 'SIGTERM' });
    expect(clock.pending).toBe(0);
  });

  it('validates its options', () => {
    expect(() => new LocalAdmission({ maxStartDelayMs: -1 })).toThrow(/admission.maxStartDelayMs/);
    expect(() => new LocalAdmission({ width: 0 })).toThrow(/admission.width/);
  });
});

describe('createAdmission', () => {
  it('builds each backend and validates the shared options', async () => {
    expect(createAdmission({ backend: 'local', width: 1 }).backend).toBe('local');
    const postgres = createAdmission({ backend: 'postgres', width: 2, namespace: 'svc' });
    expect(postgres).toMatchObject({ backend: 'postgres', width: 2 });
    const redis = createAdmission({ backend: 'redis', width: 3, url: 'redis://127.0.0.1:6379' });
    expect(redis).toMatchObject({ backend: 'redis', width: 3 });
    await redis.close();
  });

  it.each([
    [{ backend: 'postgres', width: 0 }, 'admission.width'],
    [{ backend: 'postgres', width: 1.5 }, 'admission.width'],
    [{ backend: 'postgres', width: 2, namespace: '' }, 'admission.namespace'],
    [{ backend: 'postgres', width: 2, poll: { initialDelayMs: 0 } }, 'admission.poll.initialDelayMs'],
    [
      { backend: 'postgres', width: 2, poll: { initialDelayMs: 500, maxDelayMs: 100 } },
      'admission.poll.maxDelayMs',
    ],
    [{ backend: 'redis', width: 2 }, 'admission.redis'],
    [{ backend: 'redis', width: 2, url: 'redis://x', leaseMs: 10 }, 'admission.leaseMs'],
    [{ backend: 'redis', width: 2, url: 'redis://x', leaseMs: 1000, refreshMs: 900 }, 'admission.refreshMs'],
    [{ backend: 'etcd', width: 2 }, 'admission.backend'],
    // Another backend's option, or a typo, would be ignored: the Postgres backend would take its lock
    // on the first connection, not on the URL the caller meant it to use.
    [{ backend: 'postgres', width: 2, url: 'postgres://db/app' }, 'admission.url'],
    [{ backend: 'postgres', width: 2, conection: 'postgres://db/app' }, 'admission.conection'],
    [
      { backend: 'redis', width: 2, url: 'redis://x', connection: 'postgres://db/app' },
      'admission.connection',
    ],
    [{ backend: 'local', width: 2, leaseMs: 1000 }, 'admission.leaseMs'],
    [null, 'admission'],
    ['postgres', 'admission'],
  ])('%j → ConfigError at %s', (options, path) => {
    let caught: unknown;
    try {
      createAdmission(options as Parameters<typeof createAdmission>[0]);
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught) && caught.path).toBe(path);
  });

  it('takes the shared options with any backend, and an option given as undefined', async () => {
    const shared = { width: 2, namespace: 'svc', poll: { initialDelayMs: 100 }, url: undefined };
    expect(createAdmission({ backend: 'local', ...shared }).backend).toBe('local');
    expect(createAdmission({ backend: 'postgres', ...shared }).backend).toBe('postgres');
  });

  it('recognises backend names', () => {
    expect(['postgres', 'redis', 'local', 'etcd', undefined].map(isAdmissionBackendName)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('rejects a firstConnection that is not a pg client, before touching anything', async () => {
    const admission = createAdmission({ backend: 'postgres', width: 1 });
    await expect(
      admission.acquire({ signal: new AbortController().signal, deadline: Infinity, firstConnection: {} }),
    ).rejects.toThrow(/admission.firstConnection/);
  });
});

describe('advisoryLockKey', () => {
  it('is a stable, non-negative int4 per namespace', () => {
    expect(advisoryLockKey('phasegate')).toBe(advisoryLockKey('phasegate'));
    expect(advisoryLockKey('a')).not.toBe(advisoryLockKey('b'));
    for (const ns of ['', 'phasegate', 'chat-backend', 'ünïcode', 'x'.repeat(500)]) {
      const key = advisoryLockKey(ns);
      expect(Number.isInteger(key) && key >= 0 && key <= 0x7fffffff).toBe(true);
    }
    // FNV-1a 32 of "a" is 0xe40c292c; masked to 31 bits.
    expect(advisoryLockKey('a')).toBe(0xe40c292c & 0x7fffffff);
  });
});
