/**
 * Resilience policies on an injectable clock: retry with backoff, static and adaptive timeouts,
 * circuit breakers, and their composition with `wrap`.
 */
export type { Policy, PolicyContext, ExecuteOptions } from './policy.js';
export type { PolicyFn } from './chain.js';
export * from './backoff/index.js';
export { retry, RetryPolicy } from './retry.js';
export {
  resolveRetryOptions,
  type RetryOptionsInput,
  type RetryOptions,
  type RetryEvent,
  type GiveUpEvent,
  type RetrySuccessEvent,
} from './retry-options.js';
export { RetryExhaustedError, isRetryExhaustedError, type GiveUpReason } from './retry-exhausted-error.js';
export {
  timeout,
  TimeoutPolicy,
  type TimeoutOptionsInput,
  type TimeoutOptions,
  type TimeoutEvent,
} from './timeout.js';
export {
  adaptiveTimeout,
  AdaptiveTimeoutPolicy,
  type AdaptiveTimeoutOptionsInput,
  type AdaptiveTimeoutOptions,
} from './adaptive-timeout.js';
export { LatencyWindow } from './latency-window.js';
export { circuitBreaker, CircuitBreakerPolicy } from './circuit-breaker.js';
export {
  resolveCircuitBreakerOptions,
  type CircuitState,
  type CircuitBreakerSnapshot,
  type CircuitBreakerOptionsInput,
  type CircuitBreakerOptions,
  type CircuitStateChange,
  type CircuitBreakEvent,
} from './circuit-breaker-options.js';
export type { BreakerStrategy, FailureCounter, FailureCounterState } from './breaker/breaker-strategy.js';
export { consecutiveBreaker, type ConsecutiveCounterState } from './breaker/consecutive-breaker.js';
export {
  samplingBreaker,
  type SamplingBreakerOptionsInput,
  type SamplingBreakerOptions,
  type SamplingBucketState,
  type SamplingCounterState,
} from './breaker/sampling-breaker.js';
export { wrap, WrappedPolicy } from './wrap.js';
