/**
 * The Postgres component's unit-test harness: a `testComponentContext` on a FakeClock, a
 * `FakePostgres`, and helpers to start the component and let virtual time pass.
 */
import { expect } from 'vitest';
import { seededRandom } from '../../common/random.js';
import { FakeClock } from '../../testing/fake-clock.js';
import { testComponentContext, type TestComponentContext } from '../../testing/component-context.js';
import type { FakePostgres } from './fake-postgres.js';
import type { PostgresComponentOptionsInput } from './options.js';
import type { PostgresPool } from './pool.js';
import { postgresComponent } from './postgres.js';

/** A FakeClock, a FakePostgres on it, and a context for the component's `start` on that clock. */
export interface Harness extends TestComponentContext {
  readonly clock: FakeClock;
  readonly server: FakePostgres;
}

export function harness(server: (clock: FakeClock) => FakePostgres): Harness {
  const clock = new FakeClock();
  const context = testComponentContext({ clock, name: 'postgres', phase: 'database' });
  return { ...context, clock, server: server(clock) };
}

export function component(h: Harness, options: Partial<PostgresComponentOptionsInput> = {}) {
  return postgresComponent({
    connectionFactory: h.server.factory,
    max: 8,
    minReady: 2,
    maxConcurrentOpens: 2,
    openJitterMs: 50,
    growthBackoffMs: 100,
    growthBackoffCapMs: 1_000,
    random: seededRandom(7),
    ...options,
  });
}

/** Advance virtual time in small steps until `promise` settles (at most 60 s of it). */
export async function settle<T>(h: Harness, promise: Promise<T>): Promise<T> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 12_000 && !done; i++) await h.clock.advance(5);
  return promise;
}

export async function startReady(h: Harness, options: Partial<PostgresComponentOptionsInput> = {}) {
  const spec = component(h, options);
  const pool: PostgresPool = await settle(h, spec.start(h.ctx));
  return { spec, pool };
}

export const events = (h: Harness): string[] => h.marks.map((m) => m.event);

/** Advance in small steps until `condition` holds (at most `ms` of virtual time), and check it does. */
export async function advanceUntil(h: Harness, condition: () => boolean, ms = 10_000): Promise<void> {
  for (let t = 0; t < ms && !condition(); t += 5) await h.clock.advance(5);
  expect(condition()).toBe(true);
}
