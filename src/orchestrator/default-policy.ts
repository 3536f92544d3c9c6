import { adaptiveTimeout, decorrelatedJitterBackoff, retry, wrap } from '../policies/index.js';
import type { Policy } from '../policies/policy.js';
import type { ComponentSpec } from './component.js';
import type { PolicyFactoryContext } from './orchestrator-options.js';

/**
 * The policy of a component that brings none: retry `transient` and `capacity` failures with
 * decorrelated jitter (250 ms to 10 s) for as long as the phase deadline allows (never starting an
 * attempt that cannot finish before it), each attempt under an adaptive timeout that follows the
 * latency actually observed (10 s before the first success, then p99 × 2, at least 100 ms). The
 * 100 ms floor is also the least time an attempt is assumed to need before any success, so a phase
 * with a small fixed budget still gets its first attempt. A fresh instance per component, so latency
 * history is not shared.
 */
export function defaultComponentPolicy(_component: ComponentSpec, context: PolicyFactoryContext): Policy {
  return wrap(
    retry({
      clock: context.clock,
      random: context.random,
      classify: context.classify,
      backoff: decorrelatedJitterBackoff({ initialMs: 250, maxMs: 10_000 }),
      maxAttempts: Infinity,
    }),
    adaptiveTimeout({ clock: context.clock, initialMs: 10_000, floorMs: 100 }),
  );
}
