import { describe, expect, it } from 'vitest';
import { isConfigError } from '../errors/config-error.js';
import { FakeClock } from '../testing/fake-clock.js';
import type { FleetAdmission } from './admission.js';
import { LocalAdmission } from './local-admission.js';
import { PostgresAdmission } from './postgres-admission.js';
import { RedisAdmission, type RedisLike } from './redis-admission.js';

describe('AdmissionRequest.deadline at the backends', () => {
  const calls: string[] = [];
  const session = {
    query: (text: string) => {
      calls.push(text);
      return Promise.resolve({ rows: [{ locked: true }] });
    },
  };
  const redis = {
    eval: (script: string) => {
      calls.push(script);
      return Promise.resolve(1);
    },
    quit: () => Promise.resolve('OK'),
  } as unknown as RedisLike;
  const backends: Array<[string, (clock: FakeClock) => FleetAdmission]> = [
    ['postgres', (clock) => new PostgresAdmission({ width: 1, clock })],
    ['redis', (clock) => new RedisAdmission({ width: 1, clock, redis })],
    ['local', (clock) => new LocalAdmission({ width: 1, clock })],
  ];

  it.each(
    backends.flatMap(([name, make]) =>
      [NaN, undefined, '1000'].map(
        (d) => [name, typeof d === 'string' ? `'${d}'` : String(d), make, d] as const,
      ),
    ),
  )(
    '%s refuses a deadline of %s with a ConfigError naming admission.deadline, touching nothing',
    async (_name, _label, make, deadline) => {
      calls.length = 0;
      const clock = new FakeClock();
      const admission = make(clock);
      const error = await admission
        .acquire({
          signal: new AbortController().signal,
          deadline: deadline as number,
          firstConnection: session,
        })
        .catch((e: unknown) => e);
      expect(isConfigError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'PG_ERR_CONFIG', path: 'admission.deadline' });
      expect((error as Error).message).toContain('deadline');
      expect(calls).toEqual([]);
      expect(clock.pending).toBe(0);
      await admission.close();
    },
  );

  it.each(backends)('%s still takes Infinity (no deadline)', async (_, make) => {
    const clock = new FakeClock();
    const admission = make(clock);
    const acquired = admission.acquire({
      signal: new AbortController().signal,
      deadline: Infinity,
      firstConnection: session,
    });
    await clock.advance(1_000); // local waits up to maxStartDelayMs
    const lease = await acquired;
    expect(lease.released).toBe(false);
    await lease.release();
    expect(lease.released).toBe(true);
    await admission.close();
  });
});
