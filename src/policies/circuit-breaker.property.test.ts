import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BreakerOpenError } from '../errors/breaker-open-error.js';
import { FakeClock } from '../testing/fake-clock.js';
import { consecutiveBreaker } from './breaker/consecutive-breaker.js';
import { samplingBreaker } from './breaker/sampling-breaker.js';
import type { CircuitState } from './circuit-breaker-options.js';
import { circuitBreaker } from './circuit-breaker.js';

type Outcome = 'success' | 'failure' | 'ignored';

const refused = (): Error => Object.assign(new Error('ECONNREFUSED'), { code: 'ECONNREFUSED' });
const badPassword = (): Error => Object.assign(new Error('bad password'), { code: '28P01' });

function settle(outcome: Outcome): Promise<string> {
  if (outcome === 'success') return Promise.resolve('ok');
  return Promise.reject(outcome === 'failure' ? refused() : badPassword());
}

const outcomeArb = fc.constantFrom<Outcome>('success', 'failure', 'failure', 'ignored');

describe('circuit breaker invariants', () => {
  it('never runs more than halfOpenMaxProbes probes at once, whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(
          fc.oneof(
            fc.record({
              kind: fc.constant('call' as const),
              outcome: outcomeArb,
              ms: fc.integer({ min: 0, max: 300 }),
            }),
            fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 400 }) }),
          ),
          { maxLength: 80 },
        ),
        async (maxProbes, threshold, ops) => {
          const clock = new FakeClock();
          const breaker = circuitBreaker({
            clock,
            breaker: consecutiveBreaker(threshold),
            halfOpenAfterMs: 200,
            halfOpenMaxProbes: maxProbes,
          });
          let runningProbes = 0;
          const calls: Array<Promise<unknown>> = [];
          for (const op of ops) {
            if (op.kind === 'advance') {
              await clock.advance(op.ms);
            } else {
              const stateBefore = breaker.state;
              calls.push(
                breaker
                  .execute(async () => {
                    const probe = breaker.state === 'half-open';
                    if (probe) runningProbes++;
                    expect(runningProbes).toBeLessThanOrEqual(maxProbes);
                    try {
                      await clock.sleep(op.ms);
                      return await settle(op.outcome);
                    } finally {
                      if (probe) runningProbes--;
                    }
                  })
                  .catch((error: unknown) => {
                    // Only a breaker that is not closed rejects without running.
                    if (error instanceof BreakerOpenError) expect(stateBefore).not.toBe('closed');
                  }),
              );
            }
            expect(breaker.probesInFlight).toBeLessThanOrEqual(maxProbes);
            expect(breaker.probesInFlight).toBeGreaterThanOrEqual(0);
          }
          await clock.runAll();
          await Promise.all(calls);
          expect(breaker.probesInFlight).toBe(0);
          expect(runningProbes).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('follows the reference state machine for consecutive failures (opens exactly at the threshold)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(outcomeArb, fc.integer({ min: 0, max: 600 })), { maxLength: 100 }),
        async (threshold, steps) => {
          const halfOpenAfterMs = 500;
          const clock = new FakeClock();
          const breaker = circuitBreaker({ clock, breaker: consecutiveBreaker(threshold), halfOpenAfterMs });
          const model = { state: 'closed' as CircuitState, openedAt: 0, failures: 0 };
          for (const [outcome, gap] of steps) {
            await clock.advance(gap);
            const now = clock.now();
            if (model.state === 'open' && now - model.openedAt >= halfOpenAfterMs) model.state = 'half-open';
            let ran = false;
            const result = await breaker
              .execute(() => {
                ran = true;
                return settle(outcome);
              })
              .then(
                () => undefined,
                (error: unknown) => error,
              );
            if (model.state === 'open') {
              expect(ran).toBe(false);
              expect(result).toBeInstanceOf(BreakerOpenError);
              expect((result as BreakerOpenError).retryAfterMs).toBe(model.openedAt + halfOpenAfterMs - now);
            } else {
              expect(ran).toBe(true);
              if (outcome === 'success') {
                model.state = 'closed';
                model.failures = 0;
              } else if (outcome === 'failure') {
                if (model.state === 'half-open' || ++model.failures >= threshold) {
                  model.state = 'open';
                  model.openedAt = now;
                  model.failures = 0;
                }
              }
            }
            expect(breaker.state).toBe(model.state);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a sampling breaker opens only with minimumCalls in its window and a failure ratio at the threshold', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(outcomeArb, fc.integer({ min: 0, max: 400 })), { maxLength: 120 }),
        async (threshold, minimumCalls, steps) => {
          const windowMs = 1000;
          const buckets = 5;
          const bucketMs = windowMs / buckets;
          const clock = new FakeClock();
          const breaker = circuitBreaker({
            clock,
            breaker: samplingBreaker({ threshold, windowMs, minimumCalls, buckets }),
            halfOpenAfterMs: 300,
          });
          let counted: Array<{ at: number; failed: boolean }> = [];
          breaker.onStateChange(({ to }) => {
            if (to === 'closed') counted = [];
          });
          for (const [outcome, gap] of steps) {
            await clock.advance(gap);
            const before = breaker.state;
            await breaker.execute(() => settle(outcome)).catch(() => undefined);
            const now = clock.now();
            if (before === 'closed' && outcome !== 'ignored')
              counted.push({ at: now, failed: outcome === 'failure' });
            if (before === 'closed' && breaker.state === 'open') {
              // The window held at least minimumCalls calls, all newer than windowMs ago...
              const superset = counted.filter((c) => c.at > now - windowMs);
              expect(superset.length).toBeGreaterThanOrEqual(minimumCalls);
              // ...and at least `threshold` of them failed (the window lies between these two sets).
              const subset = counted.filter((c) => c.at >= now - windowMs + bucketMs);
              const failures = superset.filter((c) => c.failed).length;
              expect(failures).toBeGreaterThanOrEqual(threshold * subset.length - 1e-9);
              expect(outcome).toBe('failure');
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
