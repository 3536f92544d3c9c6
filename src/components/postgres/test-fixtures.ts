/**
 * The Postgres component's unit-test harness: a hand-made `ComponentContext` on a FakeClock, a
 * `FakePostgres`, and helpers to start the component and let virtual time pass.
 */
import { seededRandom } from '../../common/random.js';
import type { ComponentContext, ComponentReport } from '../../orchestrator/component.js';
import { FakeClock } from '../../testing/fake-clock.js';
import type { FakePostgres } from './fake-postgres.js';
import type { PostgresComponentOptionsInput } from './options.js';
import type { PostgresPool } from './pool.js';
import { postgresComponent } from './postgres.js';

export interface Harness {
  readonly clock: FakeClock;
  readonly server: FakePostgres;
  readonly ctx: ComponentContext;
  readonly start: AbortController;
  readonly lifetime: AbortController;
  readonly marks: Array<{ event: string; data: Readonly<Record<string, unknown>> | undefined }>;
  readonly reports: ComponentReport[];
}

export function harness(server: (clock: FakeClock) => FakePostgres): Harness {
  const clock = new FakeClock();
  const start = new AbortController();
  const lifetime = new AbortController();
  const marks: Harness['marks'] = [];
  const reports: ComponentReport[] = [];
  const ctx: ComponentContext = {
    name: 'postgres',
    phase: 'database',
    clock,
    attempt: 1,
    signal: start.signal,
    deadline: Infinity,
    lifetime: lifetime.signal,
    remaining: () => Infinity,
    report: (report) => reports.push(report),
    mark: (event, data) => marks.push({ event, data }),
  };
  return { clock, server: server(clock), ctx, start, lifetime, marks, reports };
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
