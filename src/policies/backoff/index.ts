export type { Backoff, BackoffStep } from './backoff.js';
export { constantBackoff } from './constant-backoff.js';
export {
  exponentialBackoff,
  type ExponentialBackoffOptionsInput,
  type ExponentialBackoffOptions,
  type JitterMode,
} from './exponential-backoff.js';
export { fullJitterBackoff, type FullJitterBackoffOptionsInput } from './full-jitter-backoff.js';
export {
  decorrelatedJitterBackoff,
  type DecorrelatedJitterBackoffOptionsInput,
  type DecorrelatedJitterBackoffOptions,
} from './decorrelated-jitter-backoff.js';
