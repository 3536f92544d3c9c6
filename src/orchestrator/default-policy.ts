import { adaptiveTimeout, decorrelatedJitterBackoff, retry, wrap } from '../policies/index.js';
import type { Policy } from '../policies/policy.js';
import type { ComponentSpec } from './component.js';
import type { PolicyFactoryContext } from './orchestrator-options.js';

/**
 * The policy of a component that brings none: retry `transient` and `capacity` failures with
 * decorrelated jitter (250 ms to 10 s) for as long as the phase deadline allows (never starting an
 * attempt that cannot finish before it), each attempt under an adaptive timeout that follows the
 * latency actually observed. A fresh instance per component, so latency history is not shared.
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
    adaptiveTimeout({ clock: context.clock }),
  );
}
