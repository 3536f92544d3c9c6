/**
 * Success-path cost of a protected call: phasegate's `wrap(retry, breaker, timeout)` against opossum
 * 8.5 (breaker + timeout), cockatiel 3.2.1 (retry + breaker + timeout), p-retry, and a bare await,
 * all in the same process and interleaved round by round.
 *
 * Targets (issue 2): phasegate <= opossum `fire()`, and phasegate <= cockatiel / 10, judged on the
 * median CPU time per call (steady on a shared machine); wall-time ratios are reported next to them.
 *
 * Run alone with `npx tsx bench/policies.bench.ts`, or with every benchmark via `npm run bench`.
 */
import {
  ConsecutiveBreaker,
  ExponentialBackoff,
  TimeoutStrategy,
  circuitBreaker as cockatielBreaker,
  handleAll,
  retry as cockatielRetry,
  timeout as cockatielTimeout,
  wrap as cockatielWrap,
} from 'cockatiel';
import OpossumBreaker from 'opossum';
import pRetry from 'p-retry';
import { systemClock } from '../src/common/clock.js';
import { circuitBreaker, consecutiveBreaker, retry, timeout, wrap } from '../src/policies/index.js';
import { formatTable, isMain, measureInterleaved, type BenchCheck, type BenchResult } from './run.js';

const asyncNoop = async (): Promise<void> => {};

const PHASEGATE = 'phasegate wrap(retry, breaker, timeout)';
const OPOSSUM = 'opossum fire() (breaker + timeout)';
const COCKATIEL = 'cockatiel wrap(retry, breaker, timeout)';

/** Measure and report; the default export every bench file has (see bench/README.md). */
export default async function run(): Promise<BenchResult> {
  const clock = systemClock;
  const composed = wrap(
    retry({ maxAttempts: 3, clock }),
    circuitBreaker({ breaker: consecutiveBreaker(5), halfOpenAfterMs: 10_000, clock }),
    timeout({ ms: 1000, clock }),
  );
  const retryOnly = retry({ maxAttempts: 3, clock });
  const breakerOnly = circuitBreaker({ clock });
  const timeoutOnly = timeout({ ms: 1000, clock });
  const scopeSignal = new AbortController().signal;
  const scopeOptions = { signal: scopeSignal, deadline: clock.now() + 3_600_000 };

  const opossum = new OpossumBreaker(asyncNoop, {
    timeout: 1000,
    errorThresholdPercentage: 50,
    resetTimeout: 10_000,
  });
  const cockatiel = cockatielWrap(
    cockatielRetry(handleAll, { maxAttempts: 3, backoff: new ExponentialBackoff() }),
    cockatielBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) }),
    cockatielTimeout(1000, TimeoutStrategy.Aggressive),
  );

  try {
    const cases = await measureInterleaved({
      'bare await asyncNoop()': () => asyncNoop(),
      [PHASEGATE]: () => composed.execute(asyncNoop),
      'phasegate wrap(...) with signal + deadline': () => composed.execute(asyncNoop, scopeOptions),
      'phasegate retry only': () => retryOnly.execute(asyncNoop),
      'phasegate breaker only': () => breakerOnly.execute(asyncNoop),
      'phasegate timeout only': () => timeoutOnly.execute(asyncNoop),
      [OPOSSUM]: () => opossum.fire(),
      'p-retry (retries: 3)': () => pRetry(asyncNoop, { retries: 3 }),
      [COCKATIEL]: () => cockatiel.execute(asyncNoop),
    });
    const ns = (name: string): number => cases.find((c) => c.name === name)!.medianNs;
    const wall = (name: string): number => cases.find((c) => c.name === name)!.medianWallNs ?? Number.NaN;
    const checks: BenchCheck[] = [
      {
        name: 'phasegate <= opossum fire()',
        pass: ns(PHASEGATE) <= ns(OPOSSUM),
        detail:
          `CPU ${ns(PHASEGATE).toFixed(0)} ns vs ${ns(OPOSSUM).toFixed(0)} ns, ratio ${(ns(PHASEGATE) / ns(OPOSSUM)).toFixed(2)}; ` +
          `wall ratio ${(wall(PHASEGATE) / wall(OPOSSUM)).toFixed(2)}`,
      },
      {
        name: 'phasegate <= cockatiel / 10',
        pass: ns(PHASEGATE) * 10 <= ns(COCKATIEL),
        detail:
          `CPU ${ns(PHASEGATE).toFixed(0)} ns vs ${ns(COCKATIEL).toFixed(0)} ns, ratio ${(ns(PHASEGATE) / ns(COCKATIEL)).toFixed(3)}; ` +
          `wall ratio ${(wall(PHASEGATE) / wall(COCKATIEL)).toFixed(3)}`,
      },
    ];
    const result: BenchResult = {
      name: 'policies',
      cases,
      checks,
      extra: {
        ratios: {
          phasegateVsBareAwait: ns(PHASEGATE) / ns('bare await asyncNoop()'),
          phasegateVsOpossum: ns(PHASEGATE) / ns(OPOSSUM),
          phasegateVsPRetry: ns(PHASEGATE) / ns('p-retry (retries: 3)'),
          phasegateVsCockatiel: ns(PHASEGATE) / ns(COCKATIEL),
        },
      },
    };
    console.log(formatTable(cases, [PHASEGATE, 'bare await asyncNoop()']));
    console.log('');
    for (const check of checks)
      console.log(`${check.pass ? 'PASS' : 'MISS'}  ${check.name}: ${check.detail}`);
    return result;
  } finally {
    opossum.shutdown();
  }
}

if (isMain(import.meta.url)) {
  const result = await run();
  console.log(`\n${JSON.stringify(result, null, 2)}`);
}
