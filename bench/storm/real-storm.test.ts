import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/testing/fake-clock.js';
import { waitAtGate } from './real-storm.js';

const never = new Promise<never>(() => undefined);

describe('waitAtGate', () => {
  it('is held once every instance is at the gate, and leaves no timer behind', async () => {
    const clock = new FakeClock();
    await expect(waitAtGate(Promise.resolve(), [never], 60_000, { clock })).resolves.toBe('held');
    expect(clock.pending).toBe(0);
  });

  it('reports an instance that exited while booting', async () => {
    const clock = new FakeClock();
    await expect(waitAtGate(never, [never, Promise.resolve()], 60_000, { clock })).resolves.toBe('exited');
    expect(clock.pending).toBe(0);
  });

  it('times out on its clock', async () => {
    const clock = new FakeClock();
    const outcome = waitAtGate(never, [never], 60_000, { clock });
    await clock.advance(59_999);
    expect(clock.pending).toBe(1);
    await clock.advance(1);
    await expect(outcome).resolves.toBe('timeout');
  });

  it('rejects with the reason as soon as the signal aborts, and leaves no timer behind', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const outcome = waitAtGate(never, [never], 60_000, { clock, signal: controller.signal });
    const reason = new Error('storm: interrupted by SIGINT');
    controller.abort(reason);
    await expect(outcome).rejects.toBe(reason);
    expect(clock.pending).toBe(0);
  });
});
