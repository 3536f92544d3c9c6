import { adaptiveTimeout, decorrelatedJitterBackoff, retry, wrap } from '../policies/index.js';
import type { Policy } from '../policies/policy.js';
import type { ComponentSpec } from './component.js';
import type { PolicyFactoryContext } from './orchestrator-options.js';

/**
 * The policy of a component that brings none: retry `transient` failures with decorrelated jitter
 * (250 ms to 10 s) and `capacity` failures with a longer one (1 s to 30 s), for as long as the
 * phase deadline allows (never starting an attempt that cannot finish before it, and shortening
 * the last sleep so that the budget's end still gets an attempt), each attempt
 * under an adaptive timeout that follows the latency actually observed (10 s before the first
 * success, then p99 × 2, at least 100 ms). The 100 ms floor is also the least time an attempt is
 * assumed to need before any success, so a phase with a small fixed budget still gets its first
 * attempt. A fresh instance per component, so latency history is not shared.
 *
 * Why capacity waits longer: a full database (53300) or one starting up (57P03) does not get better
 * because the network settles; a slot frees only when another client leaves, and every refused
 * connection still costs the server a forked backend. A fleet of hundreds retrying every few
 * seconds keeps a full server busy refusing (the metastable loop of the incident); gRPC's
 * connection backoff (1 s, up to 120 s) makes the same trade. 30 s keeps the wait short next to a
 * 60 to 120 s failover and a 240 s startup window.
 */
export function defaultComponentPolicy(_component: ComponentSpec, context: PolicyFactoryContext): Policy {
  return wrap(
    retry({
      clock: context.clock,
      random: context.random,
      classify: context.classify,
      backoff: decorrelatedJitterBackoff({ initialMs: 250, maxMs: 10_000 }),
      capacityBackoff: decorrelatedJitterBackoff({ initialMs: 1_000, maxMs: 30_000 }),
      maxAttempts: Infinity,
    }),
    adaptiveTimeout({ clock: context.clock, initialMs: 10_000, floorMs: 100 }),
  );
}
